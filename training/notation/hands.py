"""The hands model: which hand (staff) plays each performed note, trained on ASAP performances whose notes are matched
to the engraved score's staves.

Labels: ASAP's `midi_score.mid` has one track per staff (track 0 the right hand, track 1 the left); a performed note
is mapped to score time through the beat annotations (the k-th performed beat is the k-th score beat: piecewise
linear between them) and matched to the nearest not yet matched score note of the same pitch within
MATCH_BEATS of a beat; unmatched notes (ornaments, wrong notes, spurious notes added by augmentation) are not trained
on. Split and augmentation as the metre model (notation_data.py).

Features per note (notes by onset, then pitch; the TypeScript runner builds the same, core/notation/hands-model.ts,
kept equal by a fixture): HAND_FEATURE_COUNT values, listed at `note_features`. Model: a 1-D dilated convolution stack
over the note sequence (dilations 1-32, about ±250 notes of context) giving one logit per note: left hand.

    nice -n 10 .venv/bin/python training/notation/hands.py --minutes 12
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.append(str(Path(__file__).resolve().parent))  # a script sees its folder first anyway; imported (tests), it must not shadow training/ modules
from notation_data import (DEFAULT_ASAP_DIR, REPO, augment, load_split, mv2h_asap, read_annotations,  # noqa: E402
                     split_pieces)

NAME = 'notescribe-notation-hands-v1'
HAND_FEATURE_COUNT = 12
# Notes this close (s) are one chord; this far either way (s) is a note's neighbourhood.
CHORD_SECONDS = 0.035
CONTEXT_SECONDS = 1.0
# A performed note matches a score note of its pitch within this share of a beat (score time).
MATCH_BEATS = 0.3
UNKNOWN = -1.0
INPUT_NAME, OUTPUT_NAME = 'notes', 'left_hand'


def hand_labels(asap: str, piece: str, performer: str, notes: np.ndarray) -> np.ndarray:
    """1 = left hand (score track 1), 0 = right hand (track 0), UNKNOWN where no score note matches."""
    folder = os.path.join(asap, piece)
    score = mv2h_asap.midi_notes(os.path.join(folder, 'midi_score.mid'))
    score_beats, _, _ = read_annotations(os.path.join(folder, 'midi_score_annotations.txt'))
    perf_beats, _, _ = read_annotations(os.path.join(folder, f'{performer}_annotations.txt'))
    labels = np.full(len(notes), UNKNOWN, dtype=np.float32)
    k = min(len(score_beats), len(perf_beats))
    if k < 2 or len(notes) == 0:
        return labels
    # Performed seconds → score beats → score seconds (beats are the common ground; tempo differs).
    beat_of = np.interp(notes[:, 0], perf_beats[:k], np.arange(k), left=np.nan, right=np.nan)
    by_pitch = {}
    for pitch, on, _, _, track in score:
        if track in (0, 1):
            by_pitch.setdefault(pitch, []).append((np.interp(on, score_beats[:k], np.arange(k)), track))
    used = set()
    for i in np.argsort(beat_of):
        b = beat_of[i]
        if np.isnan(b):
            continue
        best, best_d = None, MATCH_BEATS
        for j, (sb, track) in enumerate(by_pitch.get(int(notes[i, 2]), [])):
            d = abs(sb - b)
            if d <= best_d and (int(notes[i, 2]), j) not in used:
                best, best_d = (j, track), d
        if best is not None:
            used.add((int(notes[i, 2]), best[0]))
            labels[i] = float(best[1])
    return labels


def note_features(notes: np.ndarray) -> np.ndarray:
    """[HAND_FEATURE_COUNT, N] float32 for notes [N, >=4] sorted by onset then pitch:
    0 (pitch - 21) / 87; 1 velocity / 127; 2 log2(duration s) / 4 + 1, clipped to -1..2;
    3, 4 log(1 + 10 s) to the previous and the next onset (0 at the ends);
    of the chord (onsets within CHORD_SECONDS): 5 log(notes in it), 6 share of its notes below this pitch,
    7 (pitch - its lowest) / 24, 8 (its highest - pitch) / 24;
    of the neighbourhood (onsets within CONTEXT_SECONDS): 9 (pitch - mean) / 24, 10 (pitch - lowest) / 24,
    11 (highest - pitch) / 24."""
    n = len(notes)
    x = np.zeros((HAND_FEATURE_COUNT, n), dtype=np.float32)
    if n == 0:
        return x
    on, off, pitch, vel = notes[:, 0], notes[:, 1], notes[:, 2], notes[:, 3]
    x[0] = (pitch - 21) / 87.0
    x[1] = vel / 127.0
    x[2] = np.clip(np.log2(np.maximum(off - on, 1e-3)) / 4.0 + 1.0, -1.0, 2.0)
    gaps = np.diff(on)
    x[3, 1:] = np.log1p(10.0 * gaps)
    x[4, :-1] = np.log1p(10.0 * gaps)
    for window, rows in ((CHORD_SECONDS, (5, 6, 7, 8)), (CONTEXT_SECONDS, (None, 9, 10, 11))):
        lo = np.searchsorted(on, on - window, side='left')
        hi = np.searchsorted(on, on + window, side='right')
        for i in range(n):
            p = pitch[lo[i]:hi[i]]
            if rows[0] is not None:
                x[rows[0], i] = np.log(len(p))
                x[rows[1], i] = np.sum(p < pitch[i]) / max(1, len(p) - 1)
                x[rows[2], i] = (pitch[i] - p.min()) / 24.0
                x[rows[3], i] = (p.max() - pitch[i]) / 24.0
            else:
                x[rows[1], i] = (pitch[i] - p.mean()) / 24.0
                x[rows[2], i] = (pitch[i] - p.min()) / 24.0
                x[rows[3], i] = (p.max() - pitch[i]) / 24.0
    return x


class HandsNet(nn.Module):
    def __init__(self, channels: int = 32, levels: int = 6, kernel: int = 5, dropout: float = 0.1):
        super().__init__()
        self.inp = nn.Sequential(nn.Conv1d(HAND_FEATURE_COUNT, channels, 1), nn.ELU())
        self.blocks = nn.ModuleList(nn.Conv1d(channels, channels, kernel, dilation=2 ** k, padding=2 ** k * (kernel - 1) // 2)
                                    for k in range(levels))
        self.drop = nn.Dropout(dropout)
        self.out = nn.Conv1d(channels, 1, 1)
        self.config = {'channels': channels, 'levels': levels, 'kernel': kernel, 'dropout': dropout}

    def forward(self, notes: torch.Tensor) -> torch.Tensor:
        h = self.inp(notes)
        for conv in self.blocks:
            h = h + self.drop(F.elu(conv(h)))
        return self.out(h)[:, 0]


def with_labels(asap: str, perfs: list) -> list:
    """Each performance's notes get a fifth column: its hand label."""
    for p in perfs:
        piece, performer = p.name.rsplit('/', 1)
        p.notes = np.concatenate([p.notes, hand_labels(asap, piece, performer, p.notes)[:, None]], axis=1)
    return perfs


def sample(perf, length: int, rng, augment_it=True):
    q = augment(perf, rng) if augment_it else perf
    notes = q.notes
    start = int(rng.integers(0, max(1, len(notes) - length)))
    part = notes[start:start + length].copy()
    part[:, :2] -= part[0, 0] if len(part) else 0.0
    x = note_features(part)
    y = part[:, 4].astype(np.float32)
    if len(part) < length:
        x = np.pad(x, ((0, 0), (0, length - len(part))))
        y = np.pad(y, (0, length - len(part)), constant_values=UNKNOWN)
    return x, y


def evaluate(net, perfs) -> dict:
    """Share of matched notes given the score's hand, and the same for the middle-C rule (pitch < 60: left)."""
    net.eval()
    right = total = rule = 0
    with torch.no_grad():
        for p in perfs:
            y = p.notes[:, 4]
            known = y != UNKNOWN
            logit = net(torch.from_numpy(note_features(p.notes))[None])[0].numpy()
            right += int(((logit > 0) == (y == 1))[known].sum())
            rule += int(((p.notes[:, 2] < 60) == (y == 1))[known].sum())
            total += int(known.sum())
    net.train()
    return {'noteAccuracy': right / max(1, total), 'middleCRuleAccuracy': rule / max(1, total), 'notes': total, 'performances': len(perfs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--asap', default=DEFAULT_ASAP_DIR)
    ap.add_argument('--out', default=str(REPO / 'models'))
    ap.add_argument('--minutes', type=float, default=12.0)
    ap.add_argument('--steps', type=int, default=0)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--length', type=int, default=512, help='notes per training sequence')
    ap.add_argument('--eval-every', type=int, default=500)
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    splits = split_pieces(args.asap)
    train = with_labels(args.asap, load_split(args.asap, splits['train'], args.limit))
    val = with_labels(args.asap, load_split(args.asap, splits['val'], args.limit))
    weights = np.array([len(p.notes) for p in train], dtype=np.float64)
    weights /= weights.sum()
    net = HandsNet()
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    began, step, best, best_state, history = time.time(), 0, -1.0, None, []
    print(json.dumps({'train': len(train), 'val': len(val), 'labelled': float(np.mean([np.mean(p.notes[:, 4] != UNKNOWN) for p in train]))}), flush=True)
    while (args.steps and step < args.steps) or (not args.steps and time.time() - began < args.minutes * 60):
        xs, ys = zip(*(sample(train[i], args.length, rng) for i in rng.choice(len(train), args.batch, p=weights)))
        x, y = torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))
        logit = net(x)
        mask = y != UNKNOWN
        loss = F.binary_cross_entropy_with_logits(logit[mask], y[mask])
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % args.eval_every == 0 or (args.steps and step == args.steps):
            scores = evaluate(net, val)
            history.append({'step': step, 'loss': float(loss), 'minutes': round((time.time() - began) / 60, 2), **scores})
            print(json.dumps(history[-1]), flush=True)
            if scores['noteAccuracy'] > best:
                best, best_state = scores['noteAccuracy'], {k: v.clone() for k, v in net.state_dict().items()}
    if best_state is not None:
        net.load_state_dict(best_state)
    net.eval()
    torch.save({'model': net.state_dict(), 'config': net.config, 'step': step, 'history': history}, out / f'{NAME}.checkpoint.pt')
    onnx_path = out / f'{NAME}.onnx'
    torch.onnx.export(net, (torch.zeros(1, HAND_FEATURE_COUNT, 64),), str(onnx_path), input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                      opset_version=17, dynamic_axes={INPUT_NAME: {2: 'notes'}, OUTPUT_NAME: {1: 'notes'}}, dynamo=False)
    dev = with_labels(args.asap, load_split(args.asap, splits['dev'], args.limit))
    card = {
        'cardVersion': 1, 'name': NAME, 'version': '1.0.0',
        'description': 'Which hand (staff) plays each performed note: one logit per note, left hand. 1-D dilated '
                       'convolutions over the note sequence (dilations 1-32, 32 channels).',
        'onnx': onnx_path.name, 'opset': 17,
        'input': {'name': INPUT_NAME, 'shape': [1, HAND_FEATURE_COUNT, 'notes'], 'featureCount': HAND_FEATURE_COUNT,
                  'chordSeconds': CHORD_SECONDS, 'contextSeconds': CONTEXT_SECONDS},
        'output': {'name': OUTPUT_NAME, 'shape': [1, 'notes'], 'kind': 'logits'},
        'architecture': net.config,
        'training': {
            'data': 'ASAP (Foscarin et al., ISMIR 2020) performance MIDI matched to the score MIDI staves through the beat '
                    'annotations; read from ../shared/data/asap; licence CC BY-NC-SA 4.0',
            'split': 'as notescribe-notation-v1 (the MV2H evaluation\'s split by whole piece; dev never trained on)',
            'performances': {'train': len(train), 'validation': len(val), 'dev': len(dev)},
            'augmentation': 'as notescribe-notation-v1 (training/notation/notation_data.py augment); spurious notes unlabelled',
            'steps': step, 'batch': args.batch, 'sequenceNotes': args.length,
            'command': 'nice -n 10 .venv/bin/python training/notation/hands.py --minutes 12 (npm run train:notation)',
        },
        'metrics': {'how': 'share of score-matched performed notes given the score\'s staff (logit > 0 = left), beside '
                           'the middle-C rule (pitch < 60 = left); perfect notes',
                    'validation': evaluate(net, val), 'dev': evaluate(net, dev)},
        'history': history,
    }
    (out / f'{NAME}.card.json').write_text(json.dumps(card, indent=2) + '\n')
    print(json.dumps(card['metrics']), flush=True)


def write_feature_fixture(path: str) -> None:
    """Notes and their hand features for the TypeScript parity test (test/fixtures/notation/hands-features.json)."""
    notes = np.array([[0.0, 0.5, 48, 90], [0.01, 0.4, 64, 70], [0.02, 0.45, 67, 60], [0.5, 0.7, 72, 100],
                      [0.52, 0.6, 40, 50], [1.2, 3.0, 36, 40], [2.5, 2.6, 84, 110], [2.51, 2.52, 21, 1]], dtype=np.float64)
    x = note_features(notes)
    with open(path, 'w') as f:
        json.dump({'notes': [{'onsetSeconds': a, 'offsetSeconds': b, 'pitch': int(c), 'velocity': int(d)} for a, b, c, d in notes],
                   'features': np.round(x, 6).tolist()}, f)


if __name__ == '__main__':
    main()
