"""Labels for onset windows, and the windows themselves, cut exactly as the engine cuts them.

A reference note is assigned to the NEAREST detected onset within the tolerance (one window per note, which is what
note assembly needs: a note labelled at two neighbouring onsets would teach the model to strike it twice). Notes with
no detected onset within the tolerance are the detector's misses: they cannot be learned and are counted as such.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

LOWEST_MIDI_PITCH = 21
KEY_COUNT = 88
FRAME_RATE_HZ = 100.0
WINDOW_BEFORE = 4
WINDOW_AFTER = 8
WINDOW_FRAME_COUNT = WINDOW_BEFORE + 1 + WINDOW_AFTER
# ±50 ms: mir_eval's onset tolerance, so a label means "a note-level hit if predicted here".
DEFAULT_TOLERANCE_S = 0.05
# core/onsets/floor.ts SPECTROGRAM_FLOOR: the natural-log amplitude of silence, what the engine pads windows with.
SPECTROGRAM_FLOOR = math.log(1e-5)


@dataclass(frozen=True)
class WindowLabels:
    """`onset` [windows, 88] uint8 (1 = the key starts at this onset); `velocity` [windows, 88] float32
    (MIDI velocity / 127 where `onset` is 1, else 0); `matched_notes` / `total_notes` = the detector's recall;
    `offsets_s` = (note start - onset time) of every matched note, for reporting the detector's timing;
    `shift_s` [windows, 88] float32 = that same (note start - onset time) where `onset` is 1, else 0: what the
    model's timing output learns, so a note is reported where it starts rather than where the detector fired."""

    onset: np.ndarray
    velocity: np.ndarray
    matched_notes: int
    total_notes: int
    offsets_s: np.ndarray
    shift_s: np.ndarray


def build_labels(
    onset_frames: Sequence[int] | np.ndarray,
    notes: Sequence[Sequence[float]],
    frame_rate_hz: float = FRAME_RATE_HZ,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> WindowLabels:
    """Labels detected onsets from notes given as (pitch, start_s, end_s, velocity).

    Onset frame f is at time f / frame_rate_hz. Ties (a note exactly between two onsets) go to the earlier onset.
    If two notes of one key land on the same onset, the louder velocity is kept.
    """
    frames = np.asarray(onset_frames, dtype=np.int64)
    times = frames / frame_rate_hz
    onset = np.zeros((len(frames), KEY_COUNT), dtype=np.uint8)
    velocity = np.zeros((len(frames), KEY_COUNT), dtype=np.float32)
    shift = np.zeros((len(frames), KEY_COUNT), dtype=np.float32)
    matched = 0
    offsets: list[float] = []
    total = 0
    for pitch, start, _end, vel in notes:
        key = int(pitch) - LOWEST_MIDI_PITCH
        if not 0 <= key < KEY_COUNT:
            continue
        total += 1
        if len(times) == 0:
            continue
        i = int(np.searchsorted(times, start))
        candidates = [j for j in (i - 1, i) if 0 <= j < len(times)]
        best = min(candidates, key=lambda j: (abs(times[j] - start), j))
        if abs(times[best] - start) <= tolerance_s + 1e-9:
            matched += 1
            offsets.append(float(start - times[best]))
            if float(vel) / 127.0 >= velocity[best, key]:
                shift[best, key] = start - times[best]
            onset[best, key] = 1
            velocity[best, key] = max(velocity[best, key], float(vel) / 127.0)
    return WindowLabels(onset, velocity, matched, total, np.asarray(offsets, dtype=np.float32), shift)


def cut_windows(spectrogram: np.ndarray, onset_frames: Sequence[int] | np.ndarray,
                pad_value: float = SPECTROGRAM_FLOOR, before: int = WINDOW_BEFORE, after: int = WINDOW_AFTER) -> np.ndarray:
    """Windows [n, before + 1 + after, bins] around each onset: frames onset-before … onset+after (the engine's
    window by default: 4 and 8).

    Frames outside the spectrogram are filled with `pad_value` (the log amplitude of silence), as core/onsets
    `extractWindows` does.
    """
    frames = np.asarray(onset_frames, dtype=np.int64)
    count, bins = spectrogram.shape
    padded = np.full((count + before + after, bins), pad_value, dtype=np.float32)
    padded[before:before + count] = spectrogram
    index = frames[:, None] + np.arange(before + 1 + after)[None, :]
    return padded[index]
