"""What a GPU visit measures: the onset model's batched inference (the worker's hot loop) and training throughput.

    python training/gpu_bench.py [--out FILE] [--batches 64,256,1024,4096] [--seconds 2] [--widths 32,64,96]

Written for the device machine (one H200, Python with PyTorch and onnxruntime, no Node.js, no network), run from the
repository root with nothing but the committed files:
  - inference of the committed ONNX model (models/notescribe-onset-v2.onnx) in onnxruntime with every execution
    provider that machine's onnxruntime has (CUDA when it is a GPU build; the CPU provider otherwise), windows per
    second at each batch size: the W of docs/deploy.md's cost formula;
  - the same network in PyTorch (weights from the committed checkpoint) on CUDA, float32 and float16: an upper bound
    of what the CUDA provider can reach, and the number to use when that onnxruntime has no CUDA provider;
  - training steps per second of the onset network at a few widths on random windows: whether a wider model fits a
    10-minute chunk (the training data itself cannot travel: see docs/training.md, "A GPU visit").
Without CUDA every PyTorch figure is measured on the CPU instead and says so, which is how the test runs it. Prints
one JSON object as its last line and writes it to --out.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model import BIN_COUNT, WINDOW_FRAME_COUNT, OnsetNet  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ONNX_MODEL = ROOT / 'models/notescribe-onset-v2.onnx'
CHECKPOINT = ROOT / 'models/notescribe-onset-v2.checkpoint.pt'


def _windows(batch: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((batch, 1, WINDOW_FRAME_COUNT, BIN_COUNT)).astype(np.float32)


def _rate(step, batch: int, seconds: float, sync=lambda: None) -> float:
    """Windows per second of `step()` over about `seconds`, after two warm-up calls."""
    step()
    step()
    sync()
    calls, started = 0, time.perf_counter()
    while True:
        step()
        calls += 1
        if calls >= 3 and time.perf_counter() - started >= seconds:
            break
    sync()
    return round(calls * batch / (time.perf_counter() - started), 1)


def onnxruntime_inference(model_path: Path, batches: list[int], seconds: float) -> dict:
    """Windows per second of the ONNX model under each available execution provider (CUDA first when present)."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    result: dict = {'version': ort.__version__, 'availableProviders': available, 'byProvider': {}}
    for provider in [p for p in ('CUDAExecutionProvider', 'CPUExecutionProvider') if p in available]:
        session = ort.InferenceSession(str(model_path), providers=[provider])
        used = session.get_providers()[0]
        rates = {}
        for batch in batches:
            feed = {'windows': _windows(batch)}
            rates[str(batch)] = _rate(lambda: session.run(None, feed), batch, seconds)
        result['byProvider'][used] = {'windowsPerSecond': rates}
    return result


def torch_inference(batches: list[int], seconds: float, device: torch.device) -> dict:
    """Windows per second of the committed network in PyTorch on `device`, float32 and (on CUDA) float16."""
    saved = torch.load(CHECKPOINT, map_location='cpu', weights_only=False)
    config = saved['config']
    model = OnsetNet.from_config(config)
    model.load_state_dict(saved['best_state'] or saved['state_dict'])
    model.eval().to(device)
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    dtypes = [torch.float32] + ([torch.float16] if device.type == 'cuda' else [])
    result = {}
    with torch.inference_mode():
        for dtype in dtypes:
            rates = {}
            for batch in batches:
                x = torch.from_numpy(_windows(batch)).to(device)
                if dtype == torch.float16:
                    def step(x=x):
                        with torch.autocast('cuda', dtype=torch.float16):
                            model(x)
                else:
                    def step(x=x):
                        model(x)
                rates[str(batch)] = _rate(step, batch, seconds, sync)
            result[str(dtype).removeprefix('torch.')] = {'windowsPerSecond': rates}
    return result


def training_throughput(widths: list[int], batch: int, seconds: float, device: torch.device) -> dict:
    """Training windows per second (forward, BCE, backward, AdamW step) of the onset network at each width."""
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    result = {}
    for width in widths:
        model = OnsetNet(width=width, timing=True).to(device).train()
        optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
        x = torch.from_numpy(_windows(batch)).to(device)
        target = (torch.rand(batch, 88, device=device) < 0.03).float()

        def step():
            optimiser.zero_grad(set_to_none=True)
            onset_logits, *_ = model.forward_logits(x)
            torch.nn.functional.binary_cross_entropy_with_logits(onset_logits, target).backward()
            optimiser.step()
        result[str(width)] = {'parameters': sum(p.numel() for p in model.parameters()),
                              'windowsPerSecond': _rate(step, batch, seconds, sync)}
    return {'batch': batch, 'byWidth': result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', type=Path)
    parser.add_argument('--batches', default='64,256,1024,4096')
    parser.add_argument('--seconds', type=float, default=2.0, help='measuring time per figure')
    parser.add_argument('--widths', default='32,64,96', help='onset-network widths for the training throughput')
    parser.add_argument('--train-batch', type=int, default=128, help="train.py's batch size")
    args = parser.parse_args(argv)
    batches = [int(b) for b in args.batches.split(',')]
    cuda = torch.cuda.is_available()
    device = torch.device('cuda' if cuda else 'cpu')
    report = {
        'machine': {'python': platform.python_version(), 'torch': torch.__version__,
                    'device': torch.cuda.get_device_name(0) if cuda else f'cpu ({torch.get_num_threads()} threads)'},
        'torchDevice': device.type,
        'onnxruntime': onnxruntime_inference(ONNX_MODEL, batches, args.seconds),
        'torchInference': torch_inference(batches, args.seconds, device),
        'training': training_throughput([int(w) for w in args.widths.split(',')], args.train_batch, args.seconds, device),
    }
    text = json.dumps(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + '\n')
    print(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
