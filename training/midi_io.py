"""MIDI in and out for the training pipeline: notes as plain tuples in seconds, so songs, excerpts and procedural
pieces share one shape, and the reference note lists for `npm run eval` come from the very notes that were rendered.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import mido

LOWEST_MIDI_PITCH = 21
KEY_COUNT = 88
HIGHEST_MIDI_PITCH = LOWEST_MIDI_PITCH + KEY_COUNT - 1
SUSTAIN_CONTROLLER = 64
DRUM_CHANNEL = 9

# Written files use one fixed tempo so that seconds map to ticks exactly: 480 ticks per beat at 120 bpm is 960 ticks
# per second, finer than the 10 ms analysis frame.
_TICKS_PER_BEAT = 480
_TEMPO_US_PER_BEAT = 500_000
_TICKS_PER_SECOND = _TICKS_PER_BEAT * 1_000_000 / _TEMPO_US_PER_BEAT


@dataclass(frozen=True)
class Note:
    """One key strike. Times in seconds from the start of the piece; pitch is MIDI (21…108); velocity 1…127."""

    pitch: int
    start: float
    end: float
    velocity: int


@dataclass(frozen=True)
class Pedal:
    """A sustain-pedal change at `time` seconds; value 0…127 (≥ 64 is down)."""

    time: float
    value: int


def read_midi(path: str | Path) -> tuple[list[Note], list[Pedal]]:
    """Reads every non-drum note and sustain change of a MIDI file, with the file's tempo map applied.

    Notes outside the piano's range are dropped. A note-on of a key already sounding on the same channel ends the
    earlier note there (re-strike), which is how players and synthesisers treat it.
    """
    midi = mido.MidiFile(str(path))
    notes: list[Note] = []
    pedals: list[Pedal] = []
    sounding: dict[tuple[int, int], tuple[float, int]] = {}
    now = 0.0
    for message in midi:  # merged tracks, message.time = seconds since the previous message
        now += message.time
        if message.is_meta or not hasattr(message, 'channel') or message.channel == DRUM_CHANNEL:
            continue
        if message.type == 'control_change' and message.control == SUSTAIN_CONTROLLER:
            pedals.append(Pedal(now, message.value))
            continue
        if message.type not in ('note_on', 'note_off'):
            continue
        key = (message.channel, message.note)
        if key in sounding:
            start, velocity = sounding.pop(key)
            if LOWEST_MIDI_PITCH <= message.note <= HIGHEST_MIDI_PITCH and now > start:
                notes.append(Note(message.note, start, now, velocity))
        if message.type == 'note_on' and message.velocity > 0:
            sounding[key] = (now, message.velocity)
    for (_, pitch), (start, velocity) in sounding.items():
        if LOWEST_MIDI_PITCH <= pitch <= HIGHEST_MIDI_PITCH:
            notes.append(Note(pitch, start, max(now, start + 0.1), velocity))
    notes.sort(key=lambda n: (n.start, n.pitch))
    return notes, pedals


def excerpt(notes: Iterable[Note], pedals: Iterable[Pedal], start: float, duration: float) -> tuple[list[Note], list[Pedal]]:
    """The notes that START within [start, start + duration), shifted to begin at 0 and cut at the excerpt's end.

    Notes already sounding at `start` are left out: their onsets are not in the audio, so they must not be labels.
    The pedal state at `start` is carried in as an event at time 0.
    """
    end = start + duration
    kept = [
        Note(n.pitch, n.start - start, min(n.end, end) - start, n.velocity)
        for n in notes
        if start <= n.start < end
    ]
    pedal_list = sorted(pedals, key=lambda p: p.time)
    before = [p for p in pedal_list if p.time <= start]
    kept_pedals = [Pedal(0.0, before[-1].value)] if before else []
    kept_pedals += [Pedal(p.time - start, p.value) for p in pedal_list if start < p.time < end]
    return kept, kept_pedals


def write_midi(path: str | Path, notes: Iterable[Note], pedals: Iterable[Pedal] = (), program: int = 0) -> None:
    """Writes a one-track, one-channel MIDI file with General MIDI `program` (0 = acoustic grand) for every note."""
    events: list[tuple[int, int, mido.Message]] = []
    for n in notes:
        on = round(n.start * _TICKS_PER_SECOND)
        off = max(on + 1, round(n.end * _TICKS_PER_SECOND))
        # Sort key: at equal ticks, note-offs (0) before pedal (1) before note-ons (2), so a re-strike is not cut.
        events.append((off, 0, mido.Message('note_off', note=n.pitch, velocity=0, channel=0)))
        events.append((on, 2, mido.Message('note_on', note=n.pitch, velocity=n.velocity, channel=0)))
    for p in pedals:
        events.append((round(p.time * _TICKS_PER_SECOND), 1,
                       mido.Message('control_change', control=SUSTAIN_CONTROLLER, value=p.value, channel=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack()
    track.append(mido.MetaMessage('set_tempo', tempo=_TEMPO_US_PER_BEAT, time=0))
    track.append(mido.Message('program_change', program=program, channel=0, time=0))
    last = 0
    for tick, _, message in events:
        track.append(message.copy(time=tick - last))
        last = tick
    track.append(mido.MetaMessage('end_of_track', time=_TICKS_PER_BEAT))
    midi = mido.MidiFile(type=0, ticks_per_beat=_TICKS_PER_BEAT)
    midi.tracks.append(track)
    midi.save(str(path))


def midi_to_hz(pitch: int) -> float:
    return 440.0 * 2.0 ** ((pitch - 69) / 12)


def sustained(notes: Iterable[Note], pedals: Iterable[Pedal], end: float = math.inf) -> list[Note]:
    """The notes as a listener hears them: a key released while the sustain pedal is down sounds on until the pedal
    is lifted, or until the same key is struck again, and never past `end`. This is the convention of the MAESTRO
    dataset and Onsets and Frames (Hawthorne et al., ICLR 2019) for reference offsets; onsets are unchanged.
    """
    down: list[tuple[float, float]] = []
    pressed_at: float | None = None
    for p in sorted(pedals, key=lambda p: p.time):
        if p.value >= 64 and pressed_at is None:
            pressed_at = p.time
        elif p.value < 64 and pressed_at is not None:
            down.append((pressed_at, p.time))
            pressed_at = None
    if pressed_at is not None:
        down.append((pressed_at, math.inf))
    ordered = sorted(notes, key=lambda n: (n.pitch, n.start))
    result: list[Note] = []
    for i, note in enumerate(ordered):
        offset = note.end
        for pressed, lifted in down:
            if pressed <= note.end < lifted:
                offset = lifted
                break
        following = ordered[i + 1] if i + 1 < len(ordered) else None
        if following is not None and following.pitch == note.pitch and following.start > note.start:
            offset = min(offset, following.start)
        offset = min(offset, max(end, note.end))
        result.append(Note(note.pitch, note.start, offset if offset > note.start else note.end, note.velocity))
    return sorted(result, key=lambda n: (n.start, n.pitch))


def note_list_text(notes: Iterable[Note]) -> str:
    """mir_eval's note-list format, one note per line: `onset_s offset_s frequency_hz`."""
    lines = [f'{n.start:.4f}\t{n.end:.4f}\t{midi_to_hz(n.pitch):.4f}' for n in sorted(notes, key=lambda n: (n.start, n.pitch))]
    return '\n'.join(lines) + ('\n' if lines else '')


def tick_quantised(seconds: float) -> float:
    """The time a written MIDI file will actually hold for `seconds` (rounded to its tick)."""
    return math.floor(seconds * _TICKS_PER_SECOND + 0.5) / _TICKS_PER_SECOND
