"""Composes the bundled example piece, renders it with FluidSynth and writes its reference note list.

`npm start` transcribes examples/little-waltz.flac; the reference lets anyone score that transcription
(`npm run eval`, or any mir_eval tool). Everything here is made by the project, so it carries no licence burden.

  .venv/bin/python examples/make-example.py     # needs fluidsynth, sox and /usr/share/sounds/sf2/FluidR3_GM.sf2

Writes little-waltz.mid (the score), little-waltz.flac (22.05 kHz mono) and little-waltz.notes.txt
(mir_eval: onset seconds, offset seconds, frequency Hz, tab-separated, one note per line, sorted).
"""

import os
import subprocess
import tempfile

import mido

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "little-waltz"
BPM = 132
TICKS = 480  # per beat
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"

# Note names to MIDI numbers, octave as in scientific pitch (C4 = 60).
STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def midi(name):
    step, accidental, octave = name[0], name[1:-1], int(name[-1])
    return 12 * (octave + 1) + STEPS[step] + {"": 0, "#": 1, "b": -1}[accidental]


# A waltz in G major, 3/4. Right hand: (beats, pitch or None for a rest). Left hand: bass on 1, chord on 2 and 3.
MELODY = [
    [(1, "D5"), (1, "B4"), (1, "G4")], [(2, "A4"), (1, "B4")], [(1, "C5"), (1, "E5"), (1, "C5")], [(3, "B4")],
    [(1, "A4"), (1, "F#4"), (1, "A4")], [(1, "D5"), (1, "C5"), (1, "A4")], [(1, "B4"), (1, "G4"), (1, "B4")], [(3, "A4")],
    [(1, "D5"), (0.5, "E5"), (0.5, "F#5"), (1, "G5")], [(2, "E5"), (1, "C5")], [(1, "B4"), (1, "D5"), (1, "G4")], [(2, "A4"), (1, "B4")],
    [(1, "C5"), (1, "A4"), (1, "F#4")], [(1, "G4"), (1, "B4"), (1, "D5")], [(1.5, "A4"), (0.5, "B4"), (1, "F#4")], [(3, "G4")],
]
HARMONY = ["G", "D", "C", "G", "D", "D", "G", "D", "G", "C", "G", "D", "Am", "G", "D", "G"]
CHORDS = {
    "G": ("G2", ["B3", "D4"]),
    "D": ("D3", ["F#3", "A3"]),
    "C": ("C3", ["E3", "G3"]),
    "Am": ("A2", ["C4", "E4"]),
}


def notes():
    """(onset beats, duration beats, pitch, velocity) for the whole piece, sorted."""
    events = []
    for bar, (figure, chord) in enumerate(zip(MELODY, HARMONY)):
        start = 3 * bar
        beat = start
        for length, name in figure:
            if name:
                # Articulated, not legato: each melody note ends a little before the next begins.
                events.append((beat, length * 0.9, midi(name), 84 if beat == start else 72))
            beat += length
        bass, upper = CHORDS[chord]
        events.append((start, 0.9, midi(bass), 70))
        for offset in (1, 2):
            for name in upper:
                events.append((start + offset, 0.6, midi(name), 52))
    return sorted(events)


def write_midi(path, events):
    mid = mido.MidiFile(ticks_per_beat=TICKS)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(BPM), time=0))
    track.append(mido.MetaMessage("time_signature", numerator=3, denominator=4, time=0))
    track.append(mido.Message("program_change", program=0, time=0))
    timeline = []
    for onset, length, pitch, velocity in events:
        timeline.append((round(onset * TICKS), 1, pitch, velocity))
        timeline.append((round((onset + length) * TICKS), 0, pitch, 0))
    now = 0
    for tick, is_on, pitch, velocity in sorted(timeline):
        track.append(mido.Message("note_on" if is_on else "note_off", note=pitch, velocity=velocity, time=tick - now))
        now = tick
    mid.save(path)


def main():
    events = notes()
    mid_path = os.path.join(HERE, f"{NAME}.mid")
    write_midi(mid_path, events)
    seconds_per_beat = 60 / BPM
    with open(os.path.join(HERE, f"{NAME}.notes.txt"), "w") as f:
        for onset, length, pitch, _ in events:
            hz = 440 * 2 ** ((pitch - 69) / 12)
            f.write(f"{onset * seconds_per_beat:.4f}\t{(onset + length) * seconds_per_beat:.4f}\t{hz:.4f}\n")
    with tempfile.TemporaryDirectory() as tmp:
        wav = os.path.join(tmp, "render.wav")
        subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.8", "-r", "44100", "-F", wav, SOUNDFONT, mid_path], check=True)
        # Mono 22.05 kHz FLAC, trimmed of the trailing silence after the last release, keeps the file small.
        subprocess.run(["sox", wav, "-c", "1", "-r", "22050", os.path.join(HERE, f"{NAME}.flac"),
                        "reverse", "silence", "1", "0.05", "-70d", "reverse"], check=True)
    print(f"wrote {NAME}.mid, {NAME}.flac, {NAME}.notes.txt ({len(events)} notes, {events[-1][0] * seconds_per_beat:.1f} s)")


if __name__ == "__main__":
    main()
