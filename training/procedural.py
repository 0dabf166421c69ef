"""Procedural piano pieces for what pop songs lack: every one of the 88 keys, dense chords (up to 10 notes), fast
runs, repeated notes, and wide ranges of tempo and velocity. Deterministic for a given seed.
"""
from __future__ import annotations

import random

from midi_io import HIGHEST_MIDI_PITCH, LOWEST_MIDI_PITCH, Note

MAX_CHORD_NOTES = 10
_SECTION_KINDS = ('chords', 'run', 'repeated', 'scatter', 'arpeggio')


def _velocity(rng: random.Random, centre: int) -> int:
    return max(1, min(127, round(rng.gauss(centre, 12))))


def _chord(rng: random.Random, size: int) -> list[int]:
    """`size` distinct keys as two hands: each hand spans at most a tenth (16 semitones), anywhere on the keyboard."""
    left_count = size // 2
    right_count = size - left_count
    keys: set[int] = set()
    for count in (left_count, right_count):
        if count == 0:
            continue
        low = rng.randint(LOWEST_MIDI_PITCH, HIGHEST_MIDI_PITCH - 16)
        pool = [p for p in range(low, low + 17) if p not in keys]
        keys.update(rng.sample(pool, min(count, len(pool))))
    while len(keys) < size:  # two hands overlapped; top up from anywhere
        keys.add(rng.randint(LOWEST_MIDI_PITCH, HIGHEST_MIDI_PITCH))
    return sorted(keys)


def generate_piece(seed: int, duration: float = 20.0) -> list[Note]:
    """A piece of about `duration` seconds built from random sections (chords, runs, repeated notes, scattered notes,
    arpeggios), each with its own tempo (onset rates from ~1 to ~16 per second) and dynamic (pp to ff).
    Notes are sorted by start time; no key is struck again before its previous note ends.
    """
    rng = random.Random(seed)
    notes: list[Note] = []
    key_free_at = {p: 0.0 for p in range(LOWEST_MIDI_PITCH, HIGHEST_MIDI_PITCH + 1)}
    t = 0.25

    def strike(pitch: int, start: float, length: float, velocity: int) -> None:
        start = max(start, key_free_at[pitch] + 0.01)
        if start >= duration:
            return
        end = min(start + length, duration + 1.0)
        notes.append(Note(pitch, round(start, 4), round(end, 4), velocity))
        key_free_at[pitch] = end

    while t < duration:
        kind = rng.choice(_SECTION_KINDS)
        section_end = min(duration, t + rng.uniform(2.0, 5.0))
        dynamic = rng.randint(25, 115)
        if kind == 'chords':
            step = rng.uniform(0.25, 1.2)
            while t < section_end:
                size = rng.randint(1, MAX_CHORD_NOTES)
                spread = rng.choice((0.0, 0.0, 0.005, 0.015))  # struck together, or slightly rolled
                for i, pitch in enumerate(_chord(rng, size)):
                    strike(pitch, t + i * spread, step * rng.uniform(0.5, 1.0), _velocity(rng, dynamic))
                t += step
        elif kind == 'run':
            step = rng.uniform(1 / 16, 1 / 5)
            pitch = rng.randint(LOWEST_MIDI_PITCH, HIGHEST_MIDI_PITCH)
            direction = rng.choice((-1, 1))
            scale = rng.choice(((2, 2, 1, 2, 2, 2, 1), (1,), (2, 1, 2, 2, 1, 2, 2), (3, 4, 5)))
            i = 0
            while t < section_end:
                strike(pitch, t, step * 1.5, _velocity(rng, dynamic))
                pitch += direction * scale[i % len(scale)]
                i += 1
                if not LOWEST_MIDI_PITCH <= pitch <= HIGHEST_MIDI_PITCH:
                    direction = -direction
                    pitch = max(LOWEST_MIDI_PITCH, min(HIGHEST_MIDI_PITCH, pitch))
                t += step
        elif kind == 'repeated':
            step = rng.uniform(1 / 12, 1 / 4)
            pitches = _chord(rng, rng.randint(1, 3))
            while t < section_end:
                for pitch in pitches:
                    strike(pitch, t, step * 0.7, _velocity(rng, dynamic))
                t += step
        elif kind == 'scatter':
            rate = rng.uniform(2.0, 12.0)
            while t < section_end:
                strike(rng.randint(LOWEST_MIDI_PITCH, HIGHEST_MIDI_PITCH), t, rng.uniform(0.1, 1.5), rng.randint(10, 127))
                t += rng.expovariate(rate)
        else:  # arpeggio over a chord, with the chord's keys held
            chord = _chord(rng, rng.randint(3, 6))
            step = rng.uniform(1 / 12, 1 / 4)
            i = 0
            while t < section_end:
                strike(chord[i % len(chord)], t, step * len(chord), _velocity(rng, dynamic))
                i += 1
                t += step
        t += rng.choice((0.0, 0.1, 0.3))
    notes.sort(key=lambda n: (n.start, n.pitch))
    return notes


def coverage_piece(seed: int, duration: float = 20.0) -> list[Note]:
    """Every key from A0 to C8 struck at least once (in shuffled order, 2–6 per chord), then procedural material for
    the remaining time: guarantees that a data set with one of these sees all 88 keys."""
    rng = random.Random(seed)
    keys = list(range(LOWEST_MIDI_PITCH, HIGHEST_MIDI_PITCH + 1))
    rng.shuffle(keys)
    notes: list[Note] = []
    t = 0.25
    while keys:
        size = min(len(keys), rng.randint(2, 6))
        group, keys = keys[:size], keys[size:]
        for pitch in group:
            notes.append(Note(pitch, round(t, 4), round(t + 0.4, 4), rng.randint(30, 120)))
        t += 0.45
    rest = generate_piece(seed + 1, max(0.0, duration - t))
    notes += [Note(n.pitch, round(n.start + t, 4), round(n.end + t, 4), n.velocity) for n in rest]
    notes.sort(key=lambda n: (n.start, n.pitch))
    return notes
