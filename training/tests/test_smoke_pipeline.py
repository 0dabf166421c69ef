"""End to end on tiny data: render → `notescribe features` → train 1 epoch → export, then check the ONNX file against
the engine's contract (core/model/contract.ts) in onnxruntime."""
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
                            text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    model = onnx.load(str(out / 'notescribe-onset-v1.onnx'))
    onnx.checker.check_model(model)
    assert max(o.version for o in model.opset_import if o.domain in ('', 'ai.onnx')) >= 17

    def dims(value):
        return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]

    assert [(i.name, dims(i)) for i in model.graph.input] == [('windows', ['batch', 1, 13, 352])]
    assert [(o.name, dims(o)) for o in model.graph.output] == \
        [('onset_probability', ['batch', 88]), ('velocity', ['batch', 88])]

    session = ort.InferenceSession(str(out / 'notescribe-onset-v1.onnx'), providers=['CPUExecutionProvider'])
    for batch in (1, 5):
        windows = np.random.default_rng(batch).standard_normal((batch, 1, 13, 352)).astype(np.float32)
        onset, velocity = session.run(['onset_probability', 'velocity'], {'windows': windows})
        assert onset.shape == (batch, 88) and velocity.shape == (batch, 88)
        assert np.all((onset >= 0) & (onset <= 1)) and np.all((velocity >= 0) & (velocity <= 1))

    card = json.loads((out / 'notescribe-onset-v1.card.json').read_text())
    assert card['cardVersion'] == 1 and card['name'] == 'notescribe-onset-v1'
    assert card['onnx'] == 'notescribe-onset-v1.onnx'
    assert card['io']['input'] == {'name': 'windows', 'shape': ['batch', 1, 13, 352]}
    assert 0 < card['thresholds']['onset'] < 1
    feature_file = next((work / 'train' / 'features').iterdir())
    header_text = feature_file.read_bytes()[16:16 + int.from_bytes(feature_file.read_bytes()[12:16], 'little')]
    assert card['dspParametersHash'] == json.loads(header_text)['dspParametersHash']
    assert card['flopsPerWindow'] == 2 * card['macsPerWindow'] > 0
    assert sorted(p.name for p in (work / 'dev' / 'ref').iterdir()) == \
        sorted(p.name.replace('.wav', '.txt') for p in (work / 'dev' / 'audio').iterdir())
    shutil.rmtree(work, ignore_errors=True)
