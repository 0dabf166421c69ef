"""Steps 3–5 of the pipeline: train the onset classifier on rendered features, pick the threshold on the validation
split (carved from the training songs), export ONNX + model card, and report dev metrics.

    python training/train.py --work training/work/run --out models --epochs 12 --minutes 35
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dataset import SplitData, load_split
from labels import DEFAULT_TOLERANCE_S, WINDOW_AFTER, WINDOW_BEFORE, WINDOW_FRAME_COUNT
from metrics import best_threshold, window_metrics
from model import BIN_COUNT, KEY_COUNT, OnsetNet, count_macs
from model_card import render_markdown

MODEL_NAME = 'notescribe-onset-v1'
OPSET = 17
# Velocity matters less than which keys start; its loss only counts on true strikes.
VELOCITY_LOSS_WEIGHT = 0.5


def predict(model: OnsetNet, windows: np.ndarray, batch: int = 512) -> tuple[np.ndarray, np.ndarray]:
    model.eval()
    probabilities, velocities = [], []
    with torch.no_grad():
        for i in range(0, len(windows), batch):
            x = torch.from_numpy(windows[i:i + batch].astype(np.float32)).unsqueeze(1)
            p, v = model(x)
            probabilities.append(p.numpy())
            velocities.append(v.numpy())
    if not probabilities:
        return np.zeros((0, KEY_COUNT), np.float32), np.zeros((0, KEY_COUNT), np.float32)
    return np.concatenate(probabilities), np.concatenate(velocities)


def _learning_rate(progress: float, peak: float, warmup: float = 0.1) -> float:
    """Linear warm-up to `peak` over the first 10 % of progress, then cosine to 2 % of it."""
    if progress < warmup:
        return peak * (0.1 + 0.9 * progress / warmup)
    t = min(1.0, (progress - warmup) / (1 - warmup))
    return peak * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * t)))


def train(model: OnsetNet, data: SplitData, val: SplitData, *, epochs: int, minutes: float, batch: int, lr: float,
          seed: int, log=print) -> tuple[OnsetNet, list[dict]]:
    """AdamW with a warm-up + cosine schedule; keeps the epoch with the best validation F1 (at its own threshold).

    The schedule runs on progress = max(steps done / steps planned, time spent / `minutes`), so on a slow or busy
    machine it anneals fully within the time budget instead of stopping at a high learning rate."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    steps_per_epoch = max(1, math.ceil(len(data.windows) / batch))
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    total_steps = epochs * steps_per_epoch
    budget_s = minutes * 60
    training_started = time.monotonic()
    global_step = 0
    bce = nn.BCEWithLogitsLoss()
    history: list[dict] = []
    best_state, best_f1 = None, -1.0
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(data.windows))
        started = time.monotonic()
        total_loss = 0.0
        for step in range(steps_per_epoch):
            progress = max(global_step / total_steps, (time.monotonic() - training_started) / budget_s)
            for group in optimiser.param_groups:
                group['lr'] = _learning_rate(progress, lr)
            global_step += 1
            idx = np.sort(order[step * batch:(step + 1) * batch])
            x = torch.from_numpy(data.windows[idx].astype(np.float32)).unsqueeze(1)
            y = torch.from_numpy(data.onset[idx].astype(np.float32))
            v = torch.from_numpy(data.velocity[idx])
            onset_logits, velocity_logits = model.forward_logits(x)
            loss = bce(onset_logits, y)
            if y.sum() > 0:
                loss = loss + VELOCITY_LOSS_WEIGHT * (((torch.sigmoid(velocity_logits) - v) ** 2) * y).sum() / y.sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total_loss += float(loss)
            if (step + 1) % 100 == 0:
                log(f'train: epoch {epoch + 1} step {step + 1}/{steps_per_epoch} loss {total_loss / (step + 1):.4f} '
                    f'({(step + 1) * batch / (time.monotonic() - started):.0f} windows/s)')
            if progress >= 1.0:
                break
        steps_done = step + 1
        probability, velocity = predict(model, val.windows)
        threshold = best_threshold(probability, val.onset)
        scores = window_metrics(probability, val.onset, velocity, val.velocity, threshold)
        entry = {'epoch': epoch + 1, 'steps': steps_done, 'loss': round(total_loss / steps_done, 5), 'seconds': round(time.monotonic() - started, 1),
                 'val': scores}
        history.append(entry)
        log(json.dumps(entry))
        if scores['f1'] > best_f1:
            best_f1 = scores['f1']
            best_state = {k: t.clone() for k, t in model.state_dict().items()}
        if progress >= 1.0 and epoch + 1 < epochs:
            log(f'train: time budget of {minutes} min spent in epoch {epoch + 1}; stopping')
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    return model, history


def export_onnx(model: OnsetNet, path: Path) -> None:
    """Exports with the contract's names (core/model/contract.ts) and a dynamic batch axis."""
    model.eval()
    dummy = torch.zeros(2, 1, WINDOW_FRAME_COUNT, BIN_COUNT)
    torch.onnx.export(
        model, (dummy,), str(path), input_names=['windows'], output_names=['onset_probability', 'velocity'],
        dynamic_axes={'windows': {0: 'batch'}, 'onset_probability': {0: 'batch'}, 'velocity': {0: 'batch'}},
        opset_version=OPSET, do_constant_folding=True, dynamo=False,
    )


def onnx_check(model: OnsetNet, path: Path, batch: int = 64, repeats: int = 20) -> dict:
    """Runs the ONNX file in onnxruntime on one thread: agreement with PyTorch and milliseconds per window."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=['CPUExecutionProvider'])
    x = np.random.default_rng(0).standard_normal((batch, 1, WINDOW_FRAME_COUNT, BIN_COUNT)).astype(np.float32)
    onset, velocity = session.run(['onset_probability', 'velocity'], {'windows': x})
    with torch.no_grad():
        model.eval()
        reference = model(torch.from_numpy(x))[0].numpy()
    session.run(None, {'windows': x})
    started = time.perf_counter()
    for _ in range(repeats):
        session.run(None, {'windows': x})
    ms = (time.perf_counter() - started) / repeats / batch * 1000
    return {'maxAbsDiffVsTorch': float(np.max(np.abs(onset - reference))), 'cpuMsPerWindow1Thread': round(ms, 3),
            'outputShapes': [list(onset.shape), list(velocity.shape)]}


def _git_commit() -> str:
    try:
        return subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


def _split_summary(data: SplitData) -> dict:
    positives = int(data.onset.sum())
    offsets = data.offsets_s
    return {
        'items': len(data.items), 'audioSeconds': round(data.seconds, 1), 'windows': int(len(data.windows)),
        'labelledStrikes': positives, 'notes': data.total_notes,
        'detectorRecall': round(data.detector_recall, 4),
        'medianOnsetOffsetMs': round(float(np.median(offsets)) * 1000, 1) if len(offsets) else None,
        'keysCovered': int((data.onset.sum(axis=0) > 0).sum()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work', required=True, type=Path, help='the render/features directory')
    parser.add_argument('--out', required=True, type=Path, help='where the .onnx and .card.json go')
    parser.add_argument('--name', default=MODEL_NAME)
    parser.add_argument('--epochs', type=int, default=12)
    parser.add_argument('--minutes', type=float, default=35.0, help='stop after the epoch that passes this budget')
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--lr', type=float, default=3e-3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--width', type=int, default=32)
    parser.add_argument('--tolerance-ms', type=float, default=DEFAULT_TOLERANCE_S * 1000)
    parser.add_argument('--reproduce', default='npm run train')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    tolerance = args.tolerance_ms / 1000
    started = time.monotonic()
    train_data = load_split(args.work / 'train', tolerance)
    dsp_hash = train_data.header['dspParametersHash']
    val_data = load_split(args.work / 'val', tolerance, dsp_hash)
    dev_data = load_split(args.work / 'dev', tolerance, dsp_hash)
    print(f'train: {len(train_data.windows)} train / {len(val_data.windows)} val / {len(dev_data.windows)} dev windows '
          f'loaded in {time.monotonic() - started:.0f} s; detector recall {train_data.detector_recall:.3f}', flush=True)
    model = OnsetNet(width=args.width)
    train_started = time.monotonic()
    model, history = train(model, train_data, val_data, epochs=args.epochs, minutes=args.minutes, batch=args.batch,
                           lr=args.lr, seed=args.seed, log=lambda s: print(s, flush=True))
    train_minutes = (time.monotonic() - train_started) / 60

    val_p, val_v = predict(model, val_data.windows)
    threshold = best_threshold(val_p, val_data.onset)
    dev_p, dev_v = predict(model, dev_data.windows)
    dev_scores = window_metrics(dev_p, dev_data.onset, dev_v, dev_data.velocity, threshold)
    dev_by_source = {}
    for source in ('pop', 'proc'):
        mask = np.array([dev_data.items[i].startswith(source) for i in dev_data.item_of_window], dtype=bool)
        if mask.any():
            dev_by_source[source] = window_metrics(dev_p[mask], dev_data.onset[mask], dev_v[mask], dev_data.velocity[mask], threshold)

    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / f'{args.name}.onnx'
    export_onnx(model, onnx_path)
    runtime = onnx_check(model, onnx_path)
    macs = count_macs(model)
    header = train_data.header if isinstance(train_data.header, dict) else {}
    manifest_path = args.work / 'manifest.json'
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    card = {
        'cardVersion': 1,
        'name': args.name,
        'version': '1.0.0',
        'description': 'Onset classifier: for a 13-frame window around a detected onset, which of the 88 piano keys '
                       'start there and how hard. Residual CNN of long, skinny convolutions; no dense layers.',
        'onnx': onnx_path.name,
        'opset': OPSET,
        'dspParametersHash': header.get('dspParametersHash', 'unknown'),
        'dsp': header.get('dspParameters', header.get('dsp', {})),
        'window': {'framesBefore': WINDOW_BEFORE, 'framesAfter': WINDOW_AFTER, 'frames': WINDOW_FRAME_COUNT, 'bins': BIN_COUNT},
        'io': {
            'input': {'name': 'windows', 'shape': ['batch', 1, WINDOW_FRAME_COUNT, BIN_COUNT]},
            'onsetProbability': {'name': 'onset_probability', 'shape': ['batch', KEY_COUNT]},
            'velocity': {'name': 'velocity', 'shape': ['batch', KEY_COUNT]},
        },
        'thresholds': {'onset': threshold},
        'thresholdTunedOn': 'validation split (songs carved from the training songs by training/splits.py; not dev)',
        'architecture': {'type': 'OnsetNet', **model.config},
        'parameters': int(sum(p.numel() for p in model.parameters())),
        'macsPerWindow': macs,
        'flopsPerWindow': 2 * macs,
        'runtime': runtime,
        'labels': {'toleranceMs': args.tolerance_ms, 'assignment': 'each reference note to the nearest detected onset within the tolerance'},
        'training': {
            'data': {'train': _split_summary(train_data), 'validation': _split_summary(val_data), 'dev': _split_summary(dev_data)},
            'render': {'excerptSeconds': manifest.get('seconds'),
                       'soundfonts': sorted({it['render']['soundfont'] for it in manifest.get('items', [])}),
                       'programs': sorted({it['render']['program'] for it in manifest.get('items', [])})},
            'epochsRun': len(history), 'batch': args.batch, 'maxLearningRate': args.lr, 'seed': args.seed,
            'cpuThreads': args.threads, 'trainMinutes': round(train_minutes, 1), 'history': history,
            'gitCommit': _git_commit(),
        },
        'devMetrics': {'window': dev_scores, 'windowBySource': dev_by_source,
                       'detectorRecall': round(dev_data.detector_recall, 4)},
        'reproduce': args.reproduce,
    }
    card_path = args.out / f'{args.name}.card.json'
    card_path.write_text(json.dumps(card, indent=2) + '\n')
    (args.out / 'MODEL_CARD.md').write_text(render_markdown(card))
    torch.save({'state_dict': model.state_dict(), 'config': model.config}, args.work / f'{args.name}.pt')
    print(f'train: wrote {onnx_path} ({onnx_path.stat().st_size} bytes) and {card_path}; dev window F1 {dev_scores["f1"]} '
          f'at threshold {threshold}; {runtime["cpuMsPerWindow1Thread"]} ms/window', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
