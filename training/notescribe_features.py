"""Reads notescribe feature files (`.nsf`, written by `notescribe features` / core/features encodeFeatureFile).

Layout (version 1, little-endian; docs/features.md has it byte by byte):

    0   8 bytes  magic 89 4E 53 46 0D 0A 1A 0A
    8   uint32   format version (1)
    12  uint32   H, header byte length (space-padded UTF-8 JSON; 16 + H is a multiple of 16)
    16  H bytes  header JSON
    16+H         float32 spectrogram [frameCount, binCount]
    ...          int32 onset frames [onsetCount]

numpy only, so the training pipeline needs nothing from the TypeScript side but the files.
"""
from __future__ import annotations

import json
import os
from typing import Any, Tuple, Union

import numpy as np

MAGIC = b'\x89NSF\r\n\x1a\n'
VERSION = 1
PREAMBLE_BYTES = 16
MAX_HEADER_BYTES = 1 << 20


class FeatureFileError(ValueError):
    """The bytes are not a valid notescribe feature file (the engine's INVALID_FEATURE_FILE)."""

    code = 'INVALID_FEATURE_FILE'


def parse_features(data: bytes, expected_dsp_hash: str | None = None) -> Tuple[np.ndarray, np.ndarray, dict]:
    """Parses feature-file bytes → (spectrogram [frames, bins] float32, onset_frames [n] int32, header dict).

    The arrays are read-only views of `data` (no copy); `.copy()` them to write. Raises FeatureFileError on anything
    the TypeScript decoder would refuse apart from the (costly) finite-value check.
    """
    if len(data) < PREAMBLE_BYTES:
        raise FeatureFileError(f'not a feature file: {len(data)} bytes is shorter than the 16-byte preamble')
    if data[:8] != MAGIC:
        raise FeatureFileError('not a feature file: the magic number is wrong')
    version, header_bytes = np.frombuffer(data, dtype='<u4', count=2, offset=8)
    if int(version) != VERSION:
        raise FeatureFileError(f'feature file version {int(version)} is not supported (this reader reads {VERSION})')
    header_bytes = int(header_bytes)
    if header_bytes > MAX_HEADER_BYTES or PREAMBLE_BYTES + header_bytes > len(data):
        raise FeatureFileError(f'header length {header_bytes} does not fit the {len(data)}-byte file')
    try:
        header = json.loads(data[PREAMBLE_BYTES:PREAMBLE_BYTES + header_bytes].decode('utf-8'))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FeatureFileError(f'header is not UTF-8 JSON: {error}') from error
    if not isinstance(header, dict) or header.get('format') != 'notescribe-features':
        raise FeatureFileError('header is not a notescribe-features JSON object')
    counts = {}
    for key in ('frameCount', 'binCount', 'onsetCount'):
        value = header.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise FeatureFileError(f'{key} is not a non-negative integer')
        counts[key] = value
    frames, bins, onsets = counts['frameCount'], counts['binCount'], counts['onsetCount']
    spectrogram_at = PREAMBLE_BYTES + header_bytes
    onsets_at = spectrogram_at + 4 * frames * bins
    expected = onsets_at + 4 * onsets
    if len(data) != expected:
        state = 'truncated' if len(data) < expected else 'trailing data'
        raise FeatureFileError(f'file is {len(data)} bytes but its header describes {expected} ({state})')
    if expected_dsp_hash is not None and header.get('dspParametersHash') != expected_dsp_hash:
        raise FeatureFileError(
            f"made with other DSP parameters (hash {header.get('dspParametersHash')}, expected {expected_dsp_hash})")
    spectrogram = np.frombuffer(data, dtype='<f4', count=frames * bins, offset=spectrogram_at).reshape(frames, bins)
    onset_frames = np.frombuffer(data, dtype='<i4', count=onsets, offset=onsets_at)
    if onsets and (onset_frames[0] < 0 or onset_frames[-1] >= frames or np.any(np.diff(onset_frames) <= 0)):
        raise FeatureFileError('onset frames are not ascending within 0 … frameCount - 1')
    return spectrogram, onset_frames, header


def read_features(path: Union[str, os.PathLike], expected_dsp_hash: str | None = None
                  ) -> Tuple[np.ndarray, np.ndarray, dict]:
    """Reads a `.nsf` file → (spectrogram [frames, bins] float32, onset_frames [n] int32, header dict).

    Pass `expected_dsp_hash` (e.g. the first file's header['dspParametersHash']) to refuse files made with other DSP
    parameters. The arrays are read-only; `.copy()` them to write.
    """
    with open(path, 'rb') as handle:
        data = handle.read()
    try:
        return parse_features(data, expected_dsp_hash)
    except FeatureFileError as error:
        raise FeatureFileError(f'{os.fspath(path)}: {error}') from error


def silence_value(header: dict) -> float:
    """The spectrogram value of silence: what frames outside the audio are padded with when cutting windows."""
    spectrogram: Any = header['dspParameters']['spectrogram']
    return float(spectrogram['amplitude']['silenceValue'])
