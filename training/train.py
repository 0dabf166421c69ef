"""Steps 3–5 of the pipeline: train the onset classifier on rendered features from one or more sources (each a
render-layout directory: POP909/procedural synth renders, maps-synth, sample-based renders of ASAP and POP909), pick
the threshold on the validation splits, export ONNX + model card, and report dev metrics per source.

    python training/train.py --work training/work/synth training/work/maps --out models --epochs 12 --minutes 35

Training resumes: `--checkpoint FILE` is written after every epoch (weights, optimiser, schedule, history, the best
epoch so far: about 1 MB) and `--resume` continues from it, so a long run can be done in chunks (e.g. sessions or
10-minute GPU calls) with `--minutes` per chunk and the same `--epochs`/`--total-minutes` plan.
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import re

import numpy as np
import torch
from torch import nn

from dataset import SplitData, load_split
from labels import DEFAULT_TOLERANCE_S, WINDOW_AFTER, WINDOW_BEFORE, WINDOW_FRAME_COUNT
from metrics import best_threshold, timing_metrics, window_metrics
from model import BIN_COUNT, KEY_COUNT, SHIFT_RANGE_S, OnsetNet, count_macs
from model_card import render_markdown

MODEL_NAME = 'notescribe-onset-v2'
OPSET = 17
# Velocity matters less than which keys start; its loss only counts on true strikes.
VELOCITY_LOSS_WEIGHT = 0.5
# The timing loss (Huber on the shift, in units of 10 ms) on true strikes: small beside the onset loss, which it
# must not disturb; the shift is a refinement of a detection that is already right.
SHIFT_LOSS_WEIGHT = 0.2
SHIFT_LOSS_UNIT_S = 0.01


def predict(model: OnsetNet, windows: np.ndarray, batch: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Onset probabilities and velocities [windows, 88] (see `predict_all` for the timing output too)."""
    probability, velocity, _shift = predict_all(model, windows, batch)
    return probability, velocity


def predict_all(model: OnsetNet, windows: np.ndarray, batch: int = 512) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Onset probabilities, velocities and (for a timing model) shifts in seconds, each [windows, 88]."""
    model.eval()
    outputs: list[list[np.ndarray]] = []
    with torch.no_grad():
        for i in range(0, len(windows), batch):
            x = torch.from_numpy(windows[i:i + batch].astype(np.float32)).unsqueeze(1)
            outputs.append([t.numpy() for t in model(x)])
    if not outputs:
        empty = np.zeros((0, KEY_COUNT), np.float32)
        return empty, empty, (empty if model.timing else None)
    columns = [np.concatenate([o[k] for o in outputs]) for k in range(len(outputs[0]))]
    return columns[0], columns[1], (columns[2] if len(columns) > 2 else None)


def augment_spectrogram(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Microphone colouring and noise floors on a batch of windows [B, 13, 352] (dB-above-floor scale, 0…1 = 80 dB):
    a random spectral tilt (±6 dB from the lowest to the highest bin), a random broad bump or dip (±4 dB), and a
    lifted floor (steady noise up to 16 dB above the analysis floor), each on about half the windows. Cheap enough
    to run per batch, so every epoch sees other colourings of the same notes."""
    count, _, bins = x.shape
    axis = np.linspace(-1.0, 1.0, bins, dtype=np.float32)
    tilt = rng.uniform(-6, 6, count).astype(np.float32) / 80 * (rng.random(count) < 0.5)
    centre = rng.uniform(-1, 1, count).astype(np.float32)
    width = rng.uniform(0.1, 0.5, count).astype(np.float32)
    bump = rng.uniform(-4, 4, count).astype(np.float32) / 80 * (rng.random(count) < 0.5)
    colour = tilt[:, None] * axis[None, :] + bump[:, None] * np.exp(-((axis[None, :] - centre[:, None]) / width[:, None]) ** 2)
    floor = rng.uniform(0, 16, count).astype(np.float32) / 80 * (rng.random(count) < 0.5)
    return np.maximum(x + colour[:, None, :], floor[:, None, None]).astype(np.float32)


def _learning_rate(progress: float, peak: float, warmup: float = 0.1) -> float:
    """Linear warm-up to `peak` over the first 10 % of progress, then cosine to 2 % of it."""
    if progress < warmup:
        return peak * (0.1 + 0.9 * progress / warmup)
    t = min(1.0, (progress - warmup) / (1 - warmup))
    return peak * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * t)))


def train(model: OnsetNet, data: SplitData, val: SplitData, *, epochs: int, minutes: float, batch: int, lr: float,
          seed: int, log=print, augment: bool = False, checkpoint: Path | None = None, resume: bool = False,
          total_minutes: float | None = None, epoch_windows: int | None = None,
          val_windows: int | None = None, lineage: dict | None = None) -> tuple[OnsetNet, list[dict]]:
    """AdamW with a warm-up + cosine schedule; keeps the epoch with the best validation F1 (at its own threshold).

    The schedule runs on progress = max(steps done / steps planned, time spent / `total_minutes`), so on a slow or
    busy machine it anneals fully within the time budget instead of stopping at a high learning rate. `minutes` ends
    this call (a chunk) after the epoch that passes it; with `checkpoint`, every epoch is saved there, and `resume`
    continues from it (time spent in earlier chunks counts towards `total_minutes`). `epoch_windows` makes an epoch
    a random draw of that many windows (so validation and checkpoints come often on a large set); `val_windows`
    scores each epoch on a fixed random subset of the validation windows (the final threshold uses them all)."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    per_epoch = min(len(data.windows), epoch_windows or len(data.windows))
    steps_per_epoch = max(1, math.ceil(per_epoch / batch))
    if val_windows and val_windows < len(val.windows):
        keep = np.sort(np.random.default_rng(seed + 1).choice(len(val.windows), val_windows, replace=False))
        val = SplitData(windows=val.windows[keep], onset=val.onset[keep], velocity=val.velocity[keep],
                        shift=val.shift[keep], item_of_window=val.item_of_window[keep], items=val.items)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    total_steps = epochs * steps_per_epoch
    budget_s = (total_minutes if total_minutes is not None else minutes) * 60
    chunk_s = minutes * 60
    global_step, spent_before_s, first_epoch = 0, 0.0, 0
    history: list[dict] = []
    best_state, best_f1 = None, -1.0
    if resume and checkpoint is not None and checkpoint.exists():
        saved = torch.load(checkpoint, weights_only=False)
        model.load_state_dict(saved['state_dict'])
        optimiser.load_state_dict(saved['optimiser'])
        global_step, spent_before_s, first_epoch = saved['global_step'], saved['spent_s'], saved['epoch']
        history, best_f1, best_state = saved['history'], saved['best_f1'], saved['best_state']
        if lineage is not None:
            lineage.update(saved.get('lineage', {}))
        rng = np.random.default_rng(seed + 7919 * first_epoch)
        log(f'train: resumed from {checkpoint} after epoch {first_epoch} ({spent_before_s / 60:.1f} min spent)')
        best_state, best_f1 = _rescore_best(model, saved['state_dict'], best_state, val, log)
    training_started = time.monotonic() - spent_before_s
    chunk_started = time.monotonic()
    bce = nn.BCEWithLogitsLoss()
    huber = nn.SmoothL1Loss(reduction='none')
    progress = 0.0
    for epoch in range(first_epoch, epochs):
        model.train()
        order = rng.permutation(len(data.windows))[:per_epoch]
        started = time.monotonic()
        total_loss = 0.0
        for step in range(steps_per_epoch):
            progress = max(global_step / total_steps, (time.monotonic() - training_started) / budget_s)
            for group in optimiser.param_groups:
                group['lr'] = _learning_rate(progress, lr)
            global_step += 1
            idx = np.sort(order[step * batch:(step + 1) * batch])
            windows = data.windows[idx].astype(np.float32)
            if augment:
                windows = augment_spectrogram(windows, rng)
            x = torch.from_numpy(windows).unsqueeze(1)
            y = torch.from_numpy(data.onset[idx].astype(np.float32))
            v = torch.from_numpy(data.velocity[idx])
            onset_logits, velocity_logits, *shift = model.forward_logits(x)
            loss = bce(onset_logits, y)
            if y.sum() > 0:
                loss = loss + VELOCITY_LOSS_WEIGHT * (((torch.sigmoid(velocity_logits) - v) ** 2) * y).sum() / y.sum()
                if shift:
                    target = torch.from_numpy(data.shift[idx])
                    timing = huber(shift[0] / SHIFT_LOSS_UNIT_S, target / SHIFT_LOSS_UNIT_S)
                    loss = loss + SHIFT_LOSS_WEIGHT * (timing * y).sum() / y.sum()
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
        probability, velocity, val_shift = predict_all(model, val.windows)
        threshold = best_threshold(probability, val.onset)
        scores = window_metrics(probability, val.onset, velocity, val.velocity, threshold)
        if val_shift is not None:
            scores['timing'] = timing_metrics(val_shift, val.shift, val.onset)
        entry = {'epoch': epoch + 1, 'steps': steps_done, 'loss': round(total_loss / steps_done, 5), 'seconds': round(time.monotonic() - started, 1),
                 'val': scores}
        history.append(entry)
        log(json.dumps(entry))
        if scores['f1'] > best_f1:
            best_f1 = scores['f1']
            best_state = {k: t.clone() for k, t in model.state_dict().items()}
        if checkpoint is not None:
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            torch.save({'state_dict': model.state_dict(), 'optimiser': optimiser.state_dict(), 'config': model.config,
                        'epoch': epoch + 1, 'global_step': global_step, 'spent_s': time.monotonic() - training_started,
                        'history': history, 'best_f1': best_f1, 'best_state': best_state,
                        'lineage': lineage or {}}, checkpoint)
        if progress >= 1.0 and epoch + 1 < epochs:
            log(f'train: time budget spent in epoch {epoch + 1}; stopping')
            break
        if time.monotonic() - chunk_started >= chunk_s and epoch + 1 < epochs:
            log(f'train: this chunk\'s {minutes} min are spent after epoch {epoch + 1}; resume with --resume')
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    return model, history


def _val_f1(model: OnsetNet, state: dict, val: SplitData) -> float:
    """Window F1 of `state` on `val`, at its own best threshold (as each epoch is scored)."""
    model.load_state_dict(state)
    probability, velocity, _shift = predict_all(model, val.windows)
    return window_metrics(probability, val.onset, velocity, val.velocity, best_threshold(probability, val.onset))['f1']


def _rescore_best(model: OnsetNet, last_state: dict, best_state: dict | None, val: SplitData, log) -> tuple[dict, float]:
    """The best epoch so far, judged on THIS call's validation windows. A checkpoint's `best_f1` was measured on the
    validation set of the call that saved it; when sources are added between calls that set changes, and an old
    score on an easier set would keep its epoch "best" forever (v2's first release shipped its epoch 1 that way, not
    the better epoch 21). So the saved best and the last epoch are both scored again here, and the model is left at
    the last epoch, where training goes on."""
    last_f1 = _val_f1(model, last_state, val)
    best_f1 = _val_f1(model, best_state, val) if best_state is not None else -1.0
    model.load_state_dict(last_state)
    log(f'train: on this validation set the saved best epoch scores F1 {best_f1:.4f}, the last epoch {last_f1:.4f}')
    if last_f1 >= best_f1:
        return {k: t.clone() for k, t in last_state.items()}, last_f1
    return best_state, best_f1


def output_names(model: OnsetNet) -> list[str]:
    """The contract's output names (core/model/contract.ts MODEL_IO), `onset_shift` for a timing model."""
    return ['onset_probability', 'velocity'] + (['onset_shift'] if model.timing else [])


def export_onnx(model: OnsetNet, path: Path) -> None:
    """Exports with the contract's names (core/model/contract.ts) and a dynamic batch axis."""
    model.eval()
    dummy = torch.zeros(2, 1, model.window_frames, BIN_COUNT)
    names = output_names(model)
    torch.onnx.export(
        model, (dummy,), str(path), input_names=['windows'], output_names=names,
        dynamic_axes={'windows': {0: 'batch'}, **{name: {0: 'batch'} for name in names}},
        opset_version=OPSET, do_constant_folding=True, dynamo=False,
    )


def onnx_check(model: OnsetNet, path: Path, batch: int = 64, repeats: int = 20) -> dict:
    """Runs the ONNX file in onnxruntime on one thread: agreement with PyTorch and milliseconds per window."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=['CPUExecutionProvider'])
    x = np.random.default_rng(0).standard_normal((batch, 1, model.window_frames, BIN_COUNT)).astype(np.float32)
    onset, velocity, *_shift = session.run(output_names(model), {'windows': x})
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


def source_of(work: Path, item: str) -> str:
    """A dev item's source for the per-source tables: the work directory's name and the item's name prefix
    (`synth/pop`, `synth/proc`, `maps/maps`, `real/asap` …)."""
    match = re.match(r'[A-Za-z]+', item)
    return f"{work.name}/{match.group(0) if match else item}"


def concatenate(parts: list[tuple[Path, SplitData]]) -> tuple[SplitData, list[str]]:
    """One split from several sources; item names become `<work>/<item>`, and each window's source is returned."""
    items: list[str] = []
    owners, sources = [], []
    for work, data in parts:
        owners.append(data.item_of_window + len(items))
        sources.extend(source_of(work, data.items[i]) for i in data.item_of_window)
        items.extend(f'{work.name}/{name}' for name in data.items)
    first = parts[0][1]
    merged = SplitData(
        windows=np.concatenate([d.windows for _, d in parts]), onset=np.concatenate([d.onset for _, d in parts]),
        velocity=np.concatenate([d.velocity for _, d in parts]), shift=np.concatenate([d.shift for _, d in parts]),
        item_of_window=np.concatenate(owners), items=items, matched_notes=sum(d.matched_notes for _, d in parts),
        total_notes=sum(d.total_notes for _, d in parts), offsets_s=np.concatenate([d.offsets_s for _, d in parts]),
        header=first.header, seconds=sum(d.seconds for _, d in parts))
    return merged, sources


def load_sources(works: list[Path], split: str, tolerance: float, dsp_hash: str | None,
                 window: tuple[int, int] = (WINDOW_BEFORE, WINDOW_AFTER)) -> tuple[SplitData, list[str], dict]:
    parts = []
    for work in works:
        if (work / split / 'features').is_dir():
            data = load_split(work / split, tolerance, dsp_hash, window)
            dsp_hash = data.header['dspParametersHash']
            parts.append((work, data))
    if not parts:
        raise FileNotFoundError(f'no {split} split under any of {", ".join(map(str, works))}')
    merged, sources = concatenate(parts)
    return merged, sources, {work.name: _split_summary(data) for work, data in parts}


def _manifest_summary(works: list[Path]) -> dict:
    """What each source's render manifest says about its renderers and excerpts."""
    summary = {}
    for work in works:
        path = work / 'manifest.json'
        manifest = json.loads(path.read_text()) if path.exists() else {}
        renders = [it.get('render', {}) for it in manifest.get('items', [])]
        renderers = sorted({str(r.get('renderer') or r.get('soundfont') or 'unknown') for r in renders})
        summary[work.name] = {'excerptSeconds': manifest.get('seconds'), 'renderers': renderers,
                              'programs': sorted({r['program'] for r in renders if 'program' in r}),
                              'offsetConvention': manifest.get('offsetConvention')}
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work', required=True, type=Path, nargs='+', help='render/features directories (sources)')
    parser.add_argument('--out', required=True, type=Path, help='where the .onnx and .card.json go')
    parser.add_argument('--name', default=MODEL_NAME)
    parser.add_argument('--epochs', type=int, default=12)
    parser.add_argument('--minutes', type=float, default=35.0, help='stop this chunk after the epoch that passes it')
    parser.add_argument('--total-minutes', type=float, default=None,
                        help='the whole run\'s time budget across resumed chunks (default: --minutes)')
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--lr', type=float, default=3e-3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--width', type=int, default=32)
    parser.add_argument('--timing', type=int, default=1, help='1: learn each strike\'s shift from its onset frame')
    parser.add_argument('--frames-before', type=int, default=WINDOW_BEFORE,
                        help='window frames before the onset frame (the engine cuts 4; more is an experiment: with '
                             '--init-checkpoint the earlier model\'s time kernel is padded with zero taps)')
    parser.add_argument('--frames-after', type=int, default=WINDOW_AFTER, help='window frames after the onset frame')
    parser.add_argument('--augment', type=int, default=1, help='1: random microphone colouring and noise floors')
    parser.add_argument('--checkpoint', type=Path, default=None, help='save after every epoch here (see --resume)')
    parser.add_argument('--resume', action='store_true', help='continue from --checkpoint')
    parser.add_argument('--init-checkpoint', type=Path, default=None,
                        help='start from the last epoch of an earlier run\'s --checkpoint (widened to --width when that is '
                             'wider: training/widen.py); a new schedule and optimiser')
    parser.add_argument('--init-onnx', type=Path, default=None,
                        help='start from this ONNX model\'s weights (same width; training/warm_start.py)')
    parser.add_argument('--epoch-windows', type=int, default=None, help='windows drawn per epoch (default: all)')
    parser.add_argument('--val-windows', type=int, default=None, help='validation windows scored per epoch (default: all)')
    parser.add_argument('--tolerance-ms', type=float, default=DEFAULT_TOLERANCE_S * 1000)
    parser.add_argument('--reproduce', default='npm run train')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    tolerance = args.tolerance_ms / 1000
    started = time.monotonic()
    window = (args.frames_before, args.frames_after)
    train_data, _, train_parts = load_sources(args.work, 'train', tolerance, None, window)
    dsp_hash = train_data.header['dspParametersHash']
    val_data, _, val_parts = load_sources(args.work, 'val', tolerance, dsp_hash, window)
    dev_data, dev_sources, dev_parts = load_sources(args.work, 'dev', tolerance, dsp_hash, window)
    print(f'train: {len(train_data.windows)} train / {len(val_data.windows)} val / {len(dev_data.windows)} dev windows '
          f'loaded in {time.monotonic() - started:.0f} s; detector recall {train_data.detector_recall:.3f}', flush=True)
    model = OnsetNet(width=args.width, timing=bool(args.timing), frames_before=args.frames_before,
                     frames_after=args.frames_after)
    lineage = {'initialisedFrom': str(args.init_onnx or args.init_checkpoint or '') or None}
    if args.init_checkpoint is not None and not args.resume:
        from widen import lengthen_window, widen
        saved = torch.load(args.init_checkpoint, weights_only=False)
        config = saved['config']
        earlier = OnsetNet.from_config(config)
        earlier.load_state_dict(saved['state_dict'])
        model = widen(earlier, args.width, seed=args.seed) if args.width > config['width'] else earlier
        if (model.frames_before, model.frames_after) != window:
            model = lengthen_window(model, *window)
        lineage['initialisedFrom'] = (f"{args.init_checkpoint} (epoch {saved.get('epoch', '?')}, width {config['width']}"
                                      f"{f' widened to {args.width}' if args.width > config['width'] else ''})")
        print(f"train: started from {lineage['initialisedFrom']}", flush=True)
    elif args.init_onnx is not None and not args.resume:
        from warm_start import warm_start
        calibration = train_data.windows[np.random.default_rng(args.seed).choice(len(train_data.windows), 1024)]
        warm_start(model, args.init_onnx, calibration)
        print(f'train: started from {args.init_onnx}', flush=True)
    model, history = train(model, train_data, val_data, epochs=args.epochs, minutes=args.minutes, batch=args.batch,
                           lr=args.lr, seed=args.seed, log=lambda s: print(s, flush=True), augment=bool(args.augment),
                           checkpoint=args.checkpoint, resume=args.resume, total_minutes=args.total_minutes,
                           epoch_windows=args.epoch_windows, val_windows=args.val_windows, lineage=lineage)
    # The whole run's training time, every resumed call included (each epoch records its own seconds); the wall time
    # of this call alone reads 0.1 min when a resume only re-scores the saved epochs.
    train_minutes = sum(epoch['seconds'] for epoch in history) / 60

    val_p, _val_v = predict(model, val_data.windows)
    threshold = best_threshold(val_p, val_data.onset)
    dev_p, dev_v, dev_shift = predict_all(model, dev_data.windows)
    dev_scores = window_metrics(dev_p, dev_data.onset, dev_v, dev_data.velocity, threshold)
    source_array = np.array(dev_sources)
    dev_by_source = {}
    for source in sorted(set(dev_sources)):
        mask = source_array == source
        dev_by_source[source] = window_metrics(dev_p[mask], dev_data.onset[mask], dev_v[mask], dev_data.velocity[mask], threshold)
        if dev_shift is not None:
            dev_by_source[source]['timing'] = timing_metrics(dev_shift[mask], dev_data.shift[mask], dev_data.onset[mask])
    if dev_shift is not None:
        dev_scores['timing'] = timing_metrics(dev_shift, dev_data.shift, dev_data.onset)

    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / f'{args.name}.onnx'
    export_onnx(model, onnx_path)
    runtime = onnx_check(model, onnx_path)
    macs = count_macs(model)
    header = train_data.header if isinstance(train_data.header, dict) else {}
    io = {
        'input': {'name': 'windows', 'shape': ['batch', 1, model.window_frames, BIN_COUNT]},
        'onsetProbability': {'name': 'onset_probability', 'shape': ['batch', KEY_COUNT]},
        'velocity': {'name': 'velocity', 'shape': ['batch', KEY_COUNT]},
    }
    if model.timing:
        io['onsetShift'] = {'name': 'onset_shift', 'shape': ['batch', KEY_COUNT], 'unit': 'seconds',
                            'range': [-SHIFT_RANGE_S, SHIFT_RANGE_S]}
    card = {
        'cardVersion': 1,
        'name': args.name,
        'version': '2.0.0',
        'description': f'Onset classifier: for a {model.window_frames}-frame window around a detected onset, which of the 88 piano keys '
                       'start there, how hard, and where exactly each strike starts. Residual CNN of long, skinny '
                       'convolutions; no dense layers.',
        'onnx': onnx_path.name,
        'opset': OPSET,
        'dspParametersHash': header.get('dspParametersHash', 'unknown'),
        'dsp': header.get('dspParameters', header.get('dsp', {})),
        'window': {'framesBefore': model.frames_before, 'framesAfter': model.frames_after, 'frames': model.window_frames,
                   'bins': BIN_COUNT},
        'io': io,
        'thresholds': {'onset': threshold},
        'thresholdTunedOn': 'the validation splits of every source (never dev)',
        'architecture': {'type': 'OnsetNet', **model.config},
        'parameters': int(sum(p.numel() for p in model.parameters())),
        'macsPerWindow': macs,
        'flopsPerWindow': 2 * macs,
        'runtime': runtime,
        'labels': {'toleranceMs': args.tolerance_ms, 'assignment': 'each reference note to the nearest detected onset within the tolerance'},
        'training': {
            'data': {'train': _split_summary(train_data), 'validation': _split_summary(val_data), 'dev': _split_summary(dev_data),
                     'bySource': {'train': train_parts, 'validation': val_parts, 'dev': dev_parts}},
            'sources': _manifest_summary(args.work),
            'augmentation': 'per batch: spectral tilt, bump and noise floor' if args.augment else 'none',
            'initialisedFrom': lineage.get('initialisedFrom'),
            'epochWindows': args.epoch_windows,
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
    try:
        (args.out / 'MODEL_CARD.md').write_text(render_markdown(card))
    except (KeyError, TypeError, ValueError) as error:  # the JSON card is the record; the page can be redrawn from it
        print(f'train: MODEL_CARD.md not written ({error!r}); run training/model_card.py {card_path}', flush=True)
    torch.save({'state_dict': model.state_dict(), 'config': model.config}, args.work[0] / f'{args.name}.pt')
    print(f'train: wrote {onnx_path} ({onnx_path.stat().st_size} bytes) and {card_path}; dev window F1 {dev_scores["f1"]} '
          f'at threshold {threshold}; {runtime["cpuMsPerWindow1Thread"]} ms/window', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
