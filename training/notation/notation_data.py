"""ASAP performances → frame features and metre targets for the notation model (beats, downbeats, bar length,
beat division).

A performance is its performed notes (key presses and releases from the Disklavier MIDI, no pedal: what a
transcription gives) and its beat annotations (`<Performer>_annotations.txt`: seconds, `b`/`db`, `,6/8` where the time
signature changes). Pieces are split exactly as the notation evaluation splits them (`dev_pieces` in
scripts/eval-notation/mv2h_asap.py, imported rather than restated): the dev pieces are never read here for training;
the evaluation's own tuning pieces (every ninth training piece) are held out as validation, so that decoding can be
tuned on them with `npm run eval:notation -- --split train` without having been fitted on them.

The features are rebuilt from (augmented) note lists on every draw; the TypeScript runner builds the same features
(core/notation/metre-model.ts), and a fixture written by `write_feature_fixture` keeps the two equal.
"""
from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
_EVAL_HELPER = REPO / 'scripts/eval-notation/mv2h_asap.py'
_spec = importlib.util.spec_from_file_location('mv2h_asap', _EVAL_HELPER)
mv2h_asap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mv2h_asap)

DEFAULT_ASAP_DIR = '/work/shared/data/asap'

# Feature frames per second: 20 ms frames keep a beat within the 70 ms tolerance of beat F-measure while a
# three-minute piece stays 9000 frames long.
FRAME_RATE_HZ = 50
# Per frame, of the notes starting in it: log(1 + count), loudest velocity / 127, velocity-weighted chroma (12),
# onsets per octave band from C1 (7), lowest and highest pitch ((p - 21) / 87), log2 of the longest duration (s) / 4,
# and log(1 + notes sounding); then the pitch classes sounding (12: harmony changes mark bar lines) and the pitch
# class of the lowest note starting (12: a new bass note starts a bar more often than not).
OCTAVE_BANDS = 7
FEATURE_COUNT = 2 + 12 + OCTAVE_BANDS + 2 + 1 + 1 + 12 + 12
# Bar lengths in beats the metre head tells apart (2/4 2/2 6/8 · 3/4 3/8 9/8 · 4/4 12/8); others are not trained on.
BAR_BEATS = (2, 3, 4)
IGNORE = -100  # PyTorch's default ignore_index

# Augmentation ranges: the engine's notes miss some, add some and are a few tens of ms off; tempo differs between
# performers; transcribed durations are longer or shorter than the keys were held.
DROP_RANGE = (0.0, 0.15)
ADD_RANGE = (0.0, 0.10)
JITTER_SECONDS = 0.02
JITTER_LIMIT_SECONDS = 0.03
TEMPO_RANGE = (0.85, 1.15)
VELOCITY_NOISE = 10


@dataclass
class Performance:
    name: str
    notes: np.ndarray  # [N, 4]: onset s, offset s, pitch, velocity; by onset
    beats: np.ndarray  # [B] seconds
    downbeat: np.ndarray  # [B] bool
    bar_beats: np.ndarray  # [B] beats in the bar this beat belongs to (0: unknown)
    compound: np.ndarray  # [B] bool: the time signature in force divides its beat in three


def split_pieces(asap: str) -> dict:
    """{'dev': [...], 'val': [...], 'train': [...]} piece folders; val = the evaluation's tuning pieces."""
    dev = mv2h_asap.dev_pieces(asap, 'dev')
    rest = mv2h_asap.dev_pieces(asap, 'train')
    val = rest[::9]  # the same choice as `prepare --split train`
    train = [p for p in rest if p not in set(val)]
    return {'dev': dev, 'val': val, 'train': train}


def is_compound(numerator: int, denominator: int) -> bool:
    """As MV2H reads a signature (mv2h_asap.hierarchy_of): 6/8, 9/8, 12/8, 6/4, 12/16 … divide the beat in three."""
    return mv2h_asap.hierarchy_of(numerator, denominator)[1] == 3


def read_annotations(path: str):
    """(beats s, downbeat flags, compound flags) from an ASAP annotation file, signatures carried forward."""
    times, down, compound = [], [], []
    current = False
    with open(path) as f:
        for line in f:
            parts = line.strip().split('\t')
            if len(parts) < 3:
                continue
            fields = parts[2].split(',')
            for field in fields[1:]:
                if '/' in field:
                    num, den = field.split('/')
                    current = is_compound(int(num), int(den))
            times.append(float(parts[0]))
            down.append(fields[0] == 'db')
            compound.append(current)
    return np.array(times), np.array(down, dtype=bool), np.array(compound, dtype=bool)


def bar_lengths(downbeat: np.ndarray) -> np.ndarray:
    """Beats in the bar each beat belongs to (0 before the first and after the last downbeat: bar length unknown)."""
    out = np.zeros(len(downbeat), dtype=np.int64)
    starts = np.flatnonzero(downbeat)
    for a, b in zip(starts[:-1], starts[1:]):
        out[a:b] = b - a
    return out


def load_performance(asap: str, piece: str, performer: str) -> Performance:
    folder = os.path.join(asap, piece)
    raw = mv2h_asap.midi_notes(os.path.join(folder, f'{performer}.mid'))
    notes = np.array([(on, off, pitch, vel) for pitch, on, off, vel, _ in raw], dtype=np.float64).reshape(-1, 4)
    beats, down, compound = read_annotations(os.path.join(folder, f'{performer}_annotations.txt'))
    return Performance(f'{piece}/{performer}', notes, beats, down, bar_lengths(down), compound)


def performers(asap: str, piece: str) -> list:
    folder = os.path.join(asap, piece)
    return sorted(f[:-4] for f in os.listdir(folder) if f.endswith('.mid') and f != 'midi_score.mid'
                  and os.path.exists(os.path.join(folder, f'{f[:-4]}_annotations.txt')))


def load_split(asap: str, pieces: list, limit: int = 0) -> list:
    out = []
    for piece in pieces:
        for performer in performers(asap, piece):
            out.append(load_performance(asap, piece, performer))
            if limit and len(out) >= limit:
                return out
    return out


def augment(p: Performance, rng: np.random.Generator) -> Performance:
    """Transcription-like damage and performer-like variety: tempo scaling (beats too), dropped, added and shifted
    notes, velocity noise, durations stretched or shrunk, transposition."""
    scale = 1.0 / rng.uniform(*TEMPO_RANGE)
    notes = p.notes.copy()
    notes[:, :2] *= scale
    beats = p.beats * scale
    keep = rng.random(len(notes)) >= rng.uniform(*DROP_RANGE)
    notes = notes[keep]
    n_add = int(len(notes) * rng.uniform(*ADD_RANGE))
    if n_add and len(notes):
        # Spurious notes near real ones (octave and neighbour errors, ghost onsets), at random times.
        src = notes[rng.integers(0, len(notes), n_add)].copy()
        src[:, 2] += rng.choice([-12, 12, -1, 1, 7, -5], n_add)
        shift = rng.uniform(-0.3, 0.3, n_add)
        src[:, :2] += shift[:, None]
        src[:, 3] = rng.uniform(20, 80, n_add)
        if src.shape[1] > 4:
            src[:, 4] = -1.0  # extra columns are per-note labels (hands.py): a spurious note has none
        notes = np.concatenate([notes, src])
    notes[:, 0] += np.clip(rng.normal(0, JITTER_SECONDS, len(notes)), -JITTER_LIMIT_SECONDS, JITTER_LIMIT_SECONDS)
    duration = np.maximum(0.02, (notes[:, 1] - notes[:, 0]) * np.exp(rng.normal(0, 0.4, len(notes))))
    notes[:, 1] = notes[:, 0] + duration
    notes[:, 2] = np.clip(notes[:, 2] + rng.integers(-3, 4), 21, 108)
    notes[:, 3] = np.clip(notes[:, 3] + rng.normal(0, VELOCITY_NOISE, len(notes)), 1, 127)
    notes = notes[notes[:, 0] >= 0]
    notes = notes[np.lexsort((notes[:, 2], notes[:, 0]))]  # by onset, then pitch, as the engine sorts
    return Performance(p.name, notes, beats, p.downbeat, p.bar_beats, p.compound)


def features(notes: np.ndarray, n_frames: int) -> np.ndarray:
    """[FEATURE_COUNT, n_frames] float32 from notes [N, 4] (onset s, offset s, pitch, velocity)."""
    x = np.zeros((FEATURE_COUNT, n_frames), dtype=np.float32)
    if len(notes) == 0:
        return x
    frame = np.floor(notes[:, 0] * FRAME_RATE_HZ + 0.5).astype(np.int64)
    ok = (frame >= 0) & (frame < n_frames)
    notes, frame = notes[ok], frame[ok]
    pitch = np.rint(notes[:, 2]).astype(np.int64)
    vel = (notes[:, 3] / 127.0).astype(np.float32)
    count = np.zeros(n_frames, dtype=np.float32)
    np.add.at(count, frame, 1.0)
    x[0] = np.log1p(count)
    np.maximum.at(x[1], frame, vel)
    np.maximum.at(x[2:14], (pitch % 12, frame), vel)
    band = np.clip((pitch - 24) // 12, 0, OCTAVE_BANDS - 1)
    np.add.at(x[14:14 + OCTAVE_BANDS], (band, frame), 1.0)
    x[14:14 + OCTAVE_BANDS] = np.log1p(x[14:14 + OCTAVE_BANDS])
    low = np.full(n_frames, np.inf)
    high = np.full(n_frames, -np.inf)
    np.minimum.at(low, frame, pitch)
    np.maximum.at(high, frame, pitch)
    has = count > 0
    r = 14 + OCTAVE_BANDS
    x[r, has] = (low[has] - 21) / 87.0
    x[r + 1, has] = (high[has] - 21) / 87.0
    longest = np.zeros(n_frames)
    np.maximum.at(longest, frame, np.maximum(notes[:, 1] - notes[:, 0], 1e-3))
    x[r + 2, has] = np.clip(np.log2(longest[has]) / 4.0 + 1.0, -1.0, 2.0)
    # Notes sounding per frame: a running sum of +1 at each onset frame and -1 at each offset frame.
    off = np.clip(np.floor(notes[:, 1] * FRAME_RATE_HZ + 0.5).astype(np.int64), 0, n_frames)
    delta = np.zeros(n_frames + 1, dtype=np.float32)
    np.add.at(delta, frame, 1.0)
    np.add.at(delta, np.maximum(off, frame + 1), -1.0)
    x[r + 3] = np.log1p(np.maximum(0.0, np.cumsum(delta)[:n_frames]))
    c = r + 4
    pc_delta = np.zeros((12, n_frames + 1), dtype=np.float32)
    np.add.at(pc_delta, (pitch % 12, frame), 1.0)
    np.add.at(pc_delta, (pitch % 12, np.maximum(off, frame + 1)), -1.0)
    x[c:c + 12] = np.cumsum(pc_delta, axis=1)[:, :n_frames] > 0.5
    onset_frames = np.flatnonzero(has)
    x[c + 12 + (low[onset_frames].astype(np.int64) % 12), onset_frames] = 1.0
    return x


def targets(p: Performance, n_frames: int):
    """Frame targets: beat and downbeat (1 at the annotated frame, 0.5 either side, as Böck et al. widen them; -1
    outside the annotated span, where nothing is known), bar-length class index into BAR_BEATS and compound flag per
    frame (IGNORE where unknown)."""
    beat = np.full(n_frames, -1.0, dtype=np.float32)
    down = np.full(n_frames, -1.0, dtype=np.float32)
    bar = np.full(n_frames, IGNORE, dtype=np.int64)
    compound = np.full(n_frames, IGNORE, dtype=np.int64)
    if len(p.beats) < 2:
        return beat, down, bar, compound
    frames = np.floor(p.beats * FRAME_RATE_HZ + 0.5).astype(np.int64)
    lo, hi = max(0, frames[0] - 2), min(n_frames, frames[-1] + 3)
    beat[lo:hi] = 0
    down[lo:hi] = 0
    for target, where in ((beat, np.ones(len(frames), bool)), (down, p.downbeat)):
        for f in frames[where]:
            for d, v in ((-1, 0.5), (1, 0.5), (0, 1.0)):
                if 0 <= f + d < n_frames:
                    target[f + d] = max(target[f + d], v)
    for k in range(len(frames) - 1):
        a, b = max(0, frames[k]), min(n_frames, frames[k + 1])
        if a >= b:
            continue
        if p.bar_beats[k] in BAR_BEATS:
            bar[a:b] = BAR_BEATS.index(int(p.bar_beats[k]))
        compound[a:b] = int(p.compound[k])
    return beat, down, bar, compound


def sample_window(p: Performance, frames: int, rng: np.random.Generator, augment_it: bool = True):
    """A random `frames`-long window (features, beat, downbeat, bar class, compound) of one performance."""
    q = augment(p, rng) if augment_it else p
    end = max(q.notes[-1, 1] if len(q.notes) else 0.0, q.beats[-1] if len(q.beats) else 0.0) + 1.0
    total = int(end * FRAME_RATE_HZ) + 1
    start = int(rng.integers(0, max(1, total - frames)))
    t0 = start / FRAME_RATE_HZ
    shifted = q.notes.copy()
    shifted[:, :2] -= t0
    shifted = shifted[(shifted[:, 0] >= 0) & (shifted[:, 0] < frames / FRAME_RATE_HZ)]
    window = Performance(q.name, shifted, q.beats - t0, q.downbeat, q.bar_beats, q.compound)
    return (features(shifted, frames), *targets(window, frames))


def write_feature_fixture(path: str) -> None:
    """A small note list and its features, for the TypeScript parity test (test/fixtures/notation/metre-features.json; regenerate with
    `python -c "from notation_data import write_feature_fixture as w; w(PATH)"` in training/notation)."""
    notes = np.array([
        [0.00, 0.40, 48, 90], [0.004, 0.50, 64, 70], [0.011, 0.45, 67, 60],
        [0.51, 0.70, 72, 100], [1.02, 3.00, 36, 40], [1.0, 1.2, 108, 127], [1.49, 1.51, 21, 1],
    ], dtype=np.float64)
    x = features(notes, 100)
    with open(path, 'w') as f:
        json.dump({'frameRateHz': FRAME_RATE_HZ,
                   'notes': [{'onsetSeconds': a, 'offsetSeconds': b, 'pitch': int(c), 'velocity': int(d)} for a, b, c, d in notes],
                   'frames': 100, 'features': np.round(x, 6).tolist()}, f)
