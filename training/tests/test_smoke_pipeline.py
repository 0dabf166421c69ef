"""End to end on tiny data: render + two maps-synth pieces → `notescribe features` → train 1 epoch (from the committed
v1 model) → export, then check the ONNX files against the engine's contract (core/model/contract.ts) in onnxruntime."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

ROOT = Path(__file__).resolve().parents[2]


def test_smoke_pipeline_exports_a_model_that_meets_the_contract(tmp_path):
    work, out = tmp_path / 'work', tmp_path / 'model'
    # Note-level evaluation is the eval script's own business (and tested there); this test is about training.
    env = {**os.environ, 'NS_WORK': str(work), 'NS_MODEL_OUT': str(out), 'NS_THREADS': '1', 'NS_SKIP_EVAL': '1'}
    result = subprocess.run(['bash', 'training/reproduce.sh', '--smoke'], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=1500)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    model = onnx.load(str(out / 'notescribe-onset-v2.onnx'))
    onnx.checker.check_model(model)
    assert max(o.version for o in model.opset_import if o.domain in ('', 'ai.onnx')) >= 17

    def dims(value):
        return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]

    assert [(i.name, dims(i)) for i in model.graph.input] == [('windows', ['batch', 1, 13, 352])]
    assert [(o.name, dims(o)) for o in model.graph.output] == \
        [('onset_probability', ['batch', 88]), ('velocity', ['batch', 88]), ('onset_shift', ['batch', 88])]

    session = ort.InferenceSession(str(out / 'notescribe-onset-v2.onnx'), providers=['CPUExecutionProvider'])
    for batch in (1, 5):
        windows = np.random.default_rng(batch).standard_normal((batch, 1, 13, 352)).astype(np.float32)
        onset, velocity, shift = session.run(['onset_probability', 'velocity', 'onset_shift'], {'windows': windows})
        assert onset.shape == (batch, 88) and velocity.shape == (batch, 88) and shift.shape == (batch, 88)
        assert np.all((onset >= 0) & (onset <= 1)) and np.all((velocity >= 0) & (velocity <= 1))
        assert np.all(np.abs(shift) <= 0.05 + 1e-6)

    release = ort.InferenceSession(str(out / 'notescribe-release-v1.onnx'), providers=['CPUExecutionProvider'])
    held, = release.run(['held_probability'], {'note_windows': np.zeros((3, 19, 128), np.float32)})
    assert held.shape == (3, 128) and np.all((held >= 0) & (held <= 1))

    card = json.loads((out / 'notescribe-onset-v2.card.json').read_text())
    assert card['cardVersion'] == 1 and card['name'] == 'notescribe-onset-v2'
    assert card['onnx'] == 'notescribe-onset-v2.onnx'
    assert card['releaseModel'] == 'notescribe-release-v1.onnx'
    assert card['io']['onsetShift']['name'] == 'onset_shift'
    assert set(card['devMetrics']['windowBySource']) == {'maps/maps', 'synth/pop', 'synth/proc'}
    assert (out / 'MODEL_CARD.md').read_text().startswith('# notescribe-onset-v2')
    assert card['io']['input'] == {'name': 'windows', 'shape': ['batch', 1, 13, 352]}
    assert 0 < card['thresholds']['onset'] < 1
    feature_file = next((work / 'synth' / 'train' / 'features').iterdir())
    header_text = feature_file.read_bytes()[16:16 + int.from_bytes(feature_file.read_bytes()[12:16], 'little')]
    assert card['dspParametersHash'] == json.loads(header_text)['dspParametersHash']
    assert card['flopsPerWindow'] == 2 * card['macsPerWindow'] > 0
    for source in ('synth', 'maps'):
        assert sorted(p.stem for p in (work / source / 'dev' / 'ref').iterdir()) == \
            sorted(p.stem for p in (work / source / 'dev' / 'audio').iterdir())
    shutil.rmtree(work, ignore_errors=True)
