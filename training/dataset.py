"""Loads a rendered split: feature files from `notescribe features` + the rendered notes → windows and labels."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from labels import DEFAULT_TOLERANCE_S, SPECTROGRAM_FLOOR, WINDOW_AFTER, WINDOW_BEFORE, build_labels, cut_windows


def frame_rate_of(header: dict) -> float:
    """Frames per second of a feature file, from its DSP parameters (100 in this engine)."""
    params = header.get('dspParameters', {}).get('params', {})
    return float(header.get('frameRateHz', params.get('FRAME_RATE_HZ', 100.0)))


def silence_of(header: dict) -> float:
    """The spectrogram value of silence (what windows are padded with), from the feature file's DSP parameters."""
    try:
        return float(header['dspParameters']['spectrogram']['amplitude']['silenceValue'])
    except (KeyError, TypeError, ValueError):
        return SPECTROGRAM_FLOOR


@dataclass
class SplitData:
    """Windows [N, frames, 352] float16 (float32 on demand), labels [N, 88], and per-split bookkeeping."""

    windows: np.ndarray
    onset: np.ndarray
    velocity: np.ndarray
    shift: np.ndarray
    item_of_window: np.ndarray
    items: list[str]
    matched_notes: int = 0
    total_notes: int = 0
    offsets_s: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    header: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def detector_recall(self) -> float:
        return self.matched_notes / self.total_notes if self.total_notes else 0.0


def _stem(path: Path) -> str:
    return path.name.split('.')[0]


def load_split(split_dir: Path, tolerance_s: float = DEFAULT_TOLERANCE_S, expected_dsp_hash: str | None = None,
               window: tuple[int, int] = (WINDOW_BEFORE, WINDOW_AFTER)) -> SplitData:
    """Reads every feature file in `split_dir/features` and pairs it with `split_dir/notes/<name>.json`.

    Every file must carry the same DSP parameter hash (the first file's, or `expected_dsp_hash`): a model trained on
    features from two versions of the DSP would match neither. `window`: frames before and after each onset frame."""
    from notescribe_features import read_features  # the features engineer's reader of the engine's feature files

    windows, onsets, velocities, shifts, owners, names = [], [], [], [], [], []
    matched = total = 0
    offsets: list[np.ndarray] = []
    header: dict = {}
    seconds = 0.0
    feature_files = sorted(p for p in (split_dir / 'features').iterdir() if p.is_file())
    for path in feature_files:
        name = _stem(path)
        notes_path = split_dir / 'notes' / f'{name}.json'
        if not notes_path.exists():
            continue
        spectrogram, onset_frames, header = read_features(str(path), expected_dsp_hash)
        expected_dsp_hash = header['dspParametersHash']
        notes = json.loads(notes_path.read_text())
        frame_rate = frame_rate_of(header)
        labels = build_labels(onset_frames, notes, frame_rate_hz=frame_rate, tolerance_s=tolerance_s)
        windows.append(cut_windows(spectrogram, onset_frames, silence_of(header), *window).astype(np.float16))
        onsets.append(labels.onset)
        velocities.append(labels.velocity)
        shifts.append(labels.shift_s)
        owners.append(np.full(len(onset_frames), len(names), dtype=np.int32))
        names.append(name)
        matched += labels.matched_notes
        total += labels.total_notes
        offsets.append(labels.offsets_s)
        seconds += spectrogram.shape[0] / frame_rate
    if not names:
        raise FileNotFoundError(f'no feature files with notes under {split_dir}')
    return SplitData(
        windows=np.concatenate(windows), onset=np.concatenate(onsets), velocity=np.concatenate(velocities),
        shift=np.concatenate(shifts),
        item_of_window=np.concatenate(owners), items=names, matched_notes=matched, total_notes=total,
        offsets_s=np.concatenate(offsets), header=header, seconds=seconds,
    )
