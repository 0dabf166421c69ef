"""gpu_bench.py on the CPU at tiny sizes: every figure it promises is there and positive (on the GPU it is the same code)."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import gpu_bench  # noqa: E402


def test_reports_inference_and_training_rates(tmp_path):
    out = tmp_path / 'bench.json'
    assert gpu_bench.main(['--batches', '4,8', '--seconds', '0.01', '--widths', '8', '--train-batch', '4',
                           '--out', str(out)]) == 0
    report = json.loads(out.read_text())
    assert report['torchDevice'] in ('cpu', 'cuda')
    cpu = report['onnxruntime']['byProvider']['CPUExecutionProvider']['windowsPerSecond']
    assert set(cpu) == {'4', '8'} and min(cpu.values()) > 0
    assert min(report['torchInference']['float32']['windowsPerSecond'].values()) > 0
    width = report['training']['byWidth']['8']
    assert width['parameters'] > 0 and width['windowsPerSecond'] > 0
