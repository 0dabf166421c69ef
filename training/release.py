"""The release model: when does a note stop? A small 1-D residual CNN over the spectrogram after each note's
onset, trained on key releases (the MIDI note-off: what a pianist's score writes, and the convention of MAPS and of
every source's `notes/*.json`), exported to ONNX and run by the engine (core/notes/release.ts) to end each note.

Input per note, `note_windows` float32 [batch, RELEASE_CHANNELS, RELEASE_STEPS]: RELEASE_FRAMES spectrogram frames
from the note's start frame − RELEASE_LEAD_FRAMES on, max-pooled in pairs (20 ms steps, 2.56 s), of
  channels 0…8    the 9 bins centred on the key's centre bin (±1 semitone),
  channels 9…17   the 9 bins centred on its second harmonic (+48 bins, an octave up),
  channel 18      the mean of all 352 bins (the whole instrument: pedal and dampers move every string at once),
with frames and bins outside the spectrogram read as silence. Output `held_probability` [batch, RELEASE_STEPS]:
the probability that the key is still down at each step. The note ends at the first step after the onset whose
probability falls below 0.5; a note still held after the last step keeps the heuristic end of core/notes.

    python training/release.py --work training/work/maps training/work/synth --out models --minutes 12
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dataset import frame_rate_of, silence_of
from labels import DEFAULT_TOLERANCE_S, LOWEST_MIDI_PITCH, KEY_COUNT

MODEL_NAME = 'notescribe-release-v1'
OPSET = 17
RELEASE_LEAD_FRAMES = 2
RELEASE_POOL = 2
RELEASE_STEPS = 128
RELEASE_FRAMES = RELEASE_STEPS * RELEASE_POOL
HALF_BAND = 4  # bins either side of a band's centre
HARMONIC_OFFSET_BINS = 48  # an octave: 12 semitones × 4 bins
RELEASE_CHANNELS = 2 * (2 * HALF_BAND + 1) + 1
HELD_THRESHOLD = 0.5


def key_centre_bin(key: int) -> int:
    """core/params keyCentreBin: key k's centre is bin 4k + 1."""
    return 4 * key + 1


def cut_note_windows(spectrogram: np.ndarray, start_frames: np.ndarray, keys: np.ndarray, silence: float) -> np.ndarray:
    """[notes, RELEASE_CHANNELS, RELEASE_STEPS] float32, exactly as core/notes/release.ts cuts them."""
    frames, bins = spectrogram.shape
    count = len(start_frames)
    out = np.empty((count, RELEASE_CHANNELS, RELEASE_STEPS), dtype=np.float32)
    padded = np.full((frames + RELEASE_FRAMES + RELEASE_LEAD_FRAMES, bins + 2 * (HARMONIC_OFFSET_BINS + HALF_BAND)),
                     silence, dtype=np.float32)
    column0 = HARMONIC_OFFSET_BINS + HALF_BAND
    padded[RELEASE_LEAD_FRAMES:RELEASE_LEAD_FRAMES + frames, column0:column0 + bins] = spectrogram
    frame_mean = np.full(frames + RELEASE_FRAMES + RELEASE_LEAD_FRAMES, silence, dtype=np.float32)
    frame_mean[RELEASE_LEAD_FRAMES:RELEASE_LEAD_FRAMES + frames] = spectrogram.mean(axis=1)
    offsets = np.arange(-HALF_BAND, HALF_BAND + 1)
    for i, (start, key) in enumerate(zip(start_frames, keys)):
        rows = slice(int(start), int(start) + RELEASE_FRAMES)  # padded row r = frame r − RELEASE_LEAD_FRAMES
        centre = key_centre_bin(int(key)) + column0
        block = padded[rows]
        fundamental = block[:, centre + offsets]
        harmonic = block[:, centre + HARMONIC_OFFSET_BINS + offsets]
        stacked = np.concatenate([fundamental, harmonic, frame_mean[rows, None]], axis=1)  # [RELEASE_FRAMES, C]
        out[i] = stacked.reshape(RELEASE_STEPS, RELEASE_POOL, RELEASE_CHANNELS).max(axis=1).T
    return out


def release_step(start_frame: int, end_s: float, rate: float) -> int:
    """The first step at which the key is up: steps cover frames start − lead + 2t … + 2t + 1."""
    frames_after = end_s * rate - (start_frame - RELEASE_LEAD_FRAMES)
    return int(min(RELEASE_STEPS, max(0, math.ceil(frames_after / RELEASE_POOL))))


def load_notes(split_dir: Path, tolerance_s: float = DEFAULT_TOLERANCE_S) -> tuple[np.ndarray, np.ndarray, dict]:
    """Every note of a split with its input window and release step. A note starts at the detected onset nearest its
    true start (within the tolerance), as the engine would start it; notes the detector missed start where they start."""
    from notescribe_features import read_features

    windows, releases = [], []
    stats = {'items': 0, 'notes': 0}
    for path in sorted((split_dir / 'features').iterdir()):
        notes_path = split_dir / 'notes' / f"{path.name.split('.')[0]}.json"
        if not notes_path.exists():
            continue
        spectrogram, onset_frames, header = read_features(str(path))
        rate = frame_rate_of(header)
        onset_times = np.asarray(onset_frames, dtype=np.float64) / rate
        starts, keys, steps = [], [], []
        for pitch, start, end, _velocity in json.loads(notes_path.read_text()):
            key = int(pitch) - LOWEST_MIDI_PITCH
            if not 0 <= key < KEY_COUNT:
                continue
            frame = int(round(start * rate))
            if len(onset_times):
                nearest = int(np.argmin(np.abs(onset_times - start)))
                if abs(onset_times[nearest] - start) <= tolerance_s:
                    frame = int(onset_frames[nearest])
            starts.append(frame)
            keys.append(key)
            steps.append(release_step(frame, float(end), rate))
        if not starts:
            continue
        windows.append(cut_note_windows(spectrogram, np.array(starts), np.array(keys), silence_of(header)).astype(np.float16))
        releases.append(np.array(steps, dtype=np.int16))
        stats['items'] += 1
        stats['notes'] += len(starts)
    return np.concatenate(windows), np.concatenate(releases), stats


class ReleaseNet(nn.Module):
    """`forward(note_windows [B, 19, 128]) -> held_probability [B, 128]`; residual dilated 1-D convolutions along
    time (receptive field the whole window), no dense layers."""

    def __init__(self, channels: int = 16, dilations: tuple[int, ...] = (1, 2, 4, 8, 16)) -> None:
        super().__init__()
        self.config = {'channels': channels, 'dilations': list(dilations)}
        self.input_norm = nn.BatchNorm1d(RELEASE_CHANNELS)
        self.stem = nn.Sequential(nn.Conv1d(RELEASE_CHANNELS, channels, 5, padding=2, bias=False),
                                  nn.BatchNorm1d(channels), nn.ReLU())
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv1d(channels, channels, 5, padding=2 * d, dilation=d, bias=False),
                          nn.BatchNorm1d(channels), nn.ReLU()) for d in dilations)
        self.out = nn.Conv1d(channels, 1, 1)

    def forward_logits(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(self.input_norm(x))
        for block in self.blocks:
            x = x + block(x)
        return self.out(x).squeeze(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.forward_logits(x))


def predicted_steps(probability: np.ndarray) -> np.ndarray:
    """The engine's reading of the output: the first step after the onset step (RELEASE_LEAD_FRAMES / 2 + 1) with
    probability below the threshold; RELEASE_STEPS when the key is held throughout."""
    first = RELEASE_LEAD_FRAMES // RELEASE_POOL + 1
    below = probability[:, first:] < HELD_THRESHOLD
    any_below = below.any(axis=1)
    return np.where(any_below, below.argmax(axis=1) + first, RELEASE_STEPS)


def offset_metrics(pred_steps: np.ndarray, true_steps: np.ndarray) -> dict:
    """Share of notes whose end is within mir_eval's offset tolerance (max(50 ms, 20 % of the duration)), over the
    notes that end inside the window, and the mean absolute error in ms."""
    step_s = RELEASE_POOL / 100.0
    inside = true_steps < RELEASE_STEPS
    duration = (true_steps - RELEASE_LEAD_FRAMES / RELEASE_POOL) * step_s
    tolerance = np.maximum(0.05, 0.2 * duration)
    error = np.abs(pred_steps - true_steps) * step_s
    return {'notes': int(len(true_steps)), 'endingInWindow': int(inside.sum()),
            'withinOffsetTolerance': round(float((error[inside] <= tolerance[inside]).mean()), 4) if inside.any() else 0.0,
            'meanAbsErrorMs': round(float(error[inside].mean() * 1000), 1) if inside.any() else 0.0}


def train(model: ReleaseNet, windows: np.ndarray, steps: np.ndarray, val: tuple[np.ndarray, np.ndarray], *, minutes: float,
          epochs: int, batch: int = 256, lr: float = 3e-3, seed: int = 0, log=print) -> tuple[ReleaseNet, list[dict]]:
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(windows) / batch)
    total = epochs * steps_per_epoch
    started = time.monotonic()
    bce = nn.BCEWithLogitsLoss()
    grid = torch.arange(RELEASE_STEPS)
    history: list[dict] = []
    best, best_score = None, -1.0
    done = 0
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(windows))
        loss_sum = 0.0
        for step in range(steps_per_epoch):
            progress = max(done / total, (time.monotonic() - started) / (minutes * 60))
            for group in optimiser.param_groups:
                group['lr'] = lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))
            idx = np.sort(order[step * batch:(step + 1) * batch])
            x = torch.from_numpy(windows[idx].astype(np.float32))
            held = (grid[None, :] < torch.from_numpy(steps[idx].astype(np.int64))[:, None]).float()
            loss = bce(model.forward_logits(x), held)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            loss_sum += float(loss)
            done += 1
            if progress >= 1.0:
                break
        scores = offset_metrics(predicted_steps(predict(model, val[0])), val[1])
        entry = {'epoch': epoch + 1, 'loss': round(loss_sum / (step + 1), 5), 'val': scores}
        history.append(entry)
        log(json.dumps(entry))
        if scores['withinOffsetTolerance'] > best_score:
            best_score, best = scores['withinOffsetTolerance'], {k: t.clone() for k, t in model.state_dict().items()}
        if progress >= 1.0:
            break
    if best is not None:
        model.load_state_dict(best)
    return model, history


def predict(model: ReleaseNet, windows: np.ndarray, batch: int = 1024) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        parts = [model(torch.from_numpy(windows[i:i + batch].astype(np.float32))).numpy() for i in range(0, len(windows), batch)]
    return np.concatenate(parts) if parts else np.zeros((0, RELEASE_STEPS), np.float32)


def export(model: ReleaseNet, path: Path) -> None:
    model.eval()
    torch.onnx.export(model, (torch.zeros(2, RELEASE_CHANNELS, RELEASE_STEPS),), str(path),
                      input_names=['note_windows'], output_names=['held_probability'],
                      dynamic_axes={'note_windows': {0: 'batch'}, 'held_probability': {0: 'batch'}},
                      opset_version=OPSET, do_constant_folding=True, dynamo=False)


def load_sources(works: list[Path], split: str) -> tuple[np.ndarray, np.ndarray, dict]:
    parts = [(work, load_notes(work / split)) for work in works if (work / split / 'features').is_dir()]
    return (np.concatenate([p[1][0] for p in parts]), np.concatenate([p[1][1] for p in parts]),
            {work.name: stats for work, (_w, _s, stats) in parts})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work', required=True, type=Path, nargs='+')
    parser.add_argument('--out', required=True, type=Path)
    parser.add_argument('--minutes', type=float, default=12.0)
    parser.add_argument('--epochs', type=int, default=6)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--channels', type=int, default=16)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    train_x, train_y, train_stats = load_sources(args.work, 'train')
    val_x, val_y, val_stats = load_sources(args.work, 'val')
    print(f'release: {len(train_x)} train / {len(val_x)} val notes', flush=True)
    model = ReleaseNet(channels=args.channels)
    began = time.monotonic()
    model, history = train(model, train_x, train_y, (val_x, val_y), minutes=args.minutes, epochs=args.epochs,
                           seed=args.seed, log=lambda s: print(s, flush=True))
    minutes = (time.monotonic() - began) / 60
    dev = {}
    for work in args.work:
        if (work / 'dev' / 'features').is_dir():
            x, y, _stats = load_notes(work / 'dev')
            dev[work.name] = offset_metrics(predicted_steps(predict(model, x)), y)
    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / f'{MODEL_NAME}.onnx'
    export(model, onnx_path)
    from notescribe_features import read_features
    first = next((args.work[0] / 'train' / 'features').iterdir())
    header = read_features(str(first))[2]
    card = {
        'cardVersion': 1, 'name': MODEL_NAME, 'version': '1.0.0',
        'description': 'Release model: for each note, the probability that its key is still down over the 2.56 s '
                       'after its onset; the note ends where it falls below 0.5.',
        'onnx': onnx_path.name, 'opset': OPSET, 'dspParametersHash': header['dspParametersHash'],
        'io': {'input': {'name': 'note_windows', 'shape': ['batch', RELEASE_CHANNELS, RELEASE_STEPS]},
               'heldProbability': {'name': 'held_probability', 'shape': ['batch', RELEASE_STEPS]}},
        'window': {'leadFrames': RELEASE_LEAD_FRAMES, 'pool': RELEASE_POOL, 'steps': RELEASE_STEPS,
                   'halfBandBins': HALF_BAND, 'harmonicOffsetBins': HARMONIC_OFFSET_BINS},
        'thresholds': {'held': HELD_THRESHOLD},
        'labels': 'key release (MIDI note-off) of every source; sustain-pedal time is not counted as held',
        'architecture': {'type': 'ReleaseNet', **model.config},
        'parameters': int(sum(p.numel() for p in model.parameters())),
        'training': {'train': train_stats, 'validation': val_stats, 'epochs': len(history), 'minutes': round(minutes, 1),
                     'history': history},
        'devMetrics': dev,
    }
    (args.out / f'{MODEL_NAME}.card.json').write_text(json.dumps(card, indent=2) + '\n')
    print(f'release: wrote {onnx_path}; dev {json.dumps(dev)}', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
