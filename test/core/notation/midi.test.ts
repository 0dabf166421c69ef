import { parseMidi, type MidiEvent } from 'midi-file';
import { buildScore, toMidi } from '../../../core/notation';
import type { Note } from '../../../core/types';
import { performed, seededRandom, type BeatNote } from './fixtures';

interface ParsedNote {
  pitch: number;
  velocity: number;
  onsetSeconds: number;
  offsetSeconds: number;
  /** Length of one tick (seconds) at the onset, the test's tolerance. */
  tickSeconds: number;
}

/** Reads a type-1 file back: the tempo map from track 0, the notes from every track, times in seconds. */
function readBack(bytes: Uint8Array): { notes: ParsedNote[]; format: number; tracks: MidiEvent[][] } {
  const midi = parseMidi(bytes);
  const ppq = midi.header.ticksPerBeat ?? 480;
  const tempos: { tick: number; mpq: number }[] = [];
  const absolute = midi.tracks.map((track) => {
    let tick = 0;
    return track.map((event) => {
      tick += event.deltaTime;
      if (event.type === 'setTempo') tempos.push({ tick, mpq: event.microsecondsPerBeat });
      return { tick, event };
    });
  });
  tempos.sort((a, b) => a.tick - b.tick);
  const at = (tick: number): { seconds: number; tickSeconds: number } => {
    let seconds = 0;
    let lastTick = 0;
    let mpq = 500_000;
    for (const t of tempos) {
      if (t.tick > tick) break;
      seconds += ((t.tick - lastTick) * mpq) / ppq / 1e6;
      lastTick = t.tick;
      mpq = t.mpq;
    }
    return { seconds: seconds + ((tick - lastTick) * mpq) / ppq / 1e6, tickSeconds: mpq / ppq / 1e6 };
  };
  const notes: ParsedNote[] = [];
  for (const track of absolute) {
    const open = new Map<number, { tick: number; velocity: number }>();
    for (const { tick, event } of track) {
      if (event.type === 'noteOn' && event.velocity > 0) open.set(event.noteNumber, { tick, velocity: event.velocity });
      if (event.type === 'noteOff' || (event.type === 'noteOn' && event.velocity === 0)) {
        const start = open.get(event.noteNumber);
        if (start === undefined) continue;
        open.delete(event.noteNumber);
        const on = at(start.tick);
        notes.push({ pitch: event.noteNumber, velocity: start.velocity, onsetSeconds: on.seconds, offsetSeconds: at(tick).seconds, tickSeconds: on.tickSeconds });
      }
    }
  }
  notes.sort((a, b) => a.onsetSeconds - b.onsetSeconds || a.pitch - b.pitch);
  return { notes, format: midi.header.format, tracks: midi.tracks };
}

function piece(): Note[] {
  const random = seededRandom(21);
  const spec: BeatNote[] = [];
  for (let beat = 0; beat < 40; beat += 1) {
    spec.push([60 + Math.floor(random() * 24), beat, 0.9, 40 + Math.floor(random() * 80)]);
    if (beat % 2 === 0) spec.push([36 + Math.floor(random() * 12), beat, 1.8, 30 + Math.floor(random() * 90)]);
  }
  // Slow down in the second half so the tempo map has to carry a change.
  return performed(spec.slice(0, 30), { bpm: 96, jitterSeconds: 0.02, seed: 5, offsetSeconds: 0.23 }).concat(
    performed(spec.slice(30).map(([p, b, l, v]): BeatNote => [p, b - 20, l, v ?? 70]), { bpm: 80, jitterSeconds: 0.02, seed: 6, offsetSeconds: 0.23 + 20 * 0.625 }),
  );
}

describe('toMidi', () => {
  it('round-trips pitches, velocities and performed times within a tick through the tempo map', () => {
    const notes = piece();
    const { notes: back, format, tracks } = readBack(toMidi(buildScore(notes, { title: 'Round trip' })));
    expect(format).toBe(1);
    expect(tracks).toHaveLength(2);
    const original = [...notes].sort((a, b) => a.onsetSeconds - b.onsetSeconds || a.pitch - b.pitch);
    expect(back).toHaveLength(original.length);
    back.forEach((note, i) => {
      const expected = original[i] as Note;
      expect([note.pitch, note.velocity]).toEqual([expected.pitch, expected.velocity]);
      expect(Math.abs(note.onsetSeconds - expected.onsetSeconds)).toBeLessThanOrEqual(note.tickSeconds);
      expect(Math.abs(note.offsetSeconds - expected.offsetSeconds)).toBeLessThanOrEqual(note.tickSeconds * 1.5);
    });
  });

  it('writes the title, time signature, key signature and a tempo per beat in track 0', () => {
    const notes = performed([[62, 0, 1, 100], [66, 1, 1], [69, 2, 1], [74, 3, 1], [50, 0, 4, 110]], { bpm: 100 });
    const score = buildScore(notes, { title: 'Meta' });
    const [conductor] = parseMidi(toMidi(score)).tracks;
    const types = (conductor ?? []).map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['trackName', 'timeSignature', 'keySignature']);
    expect(conductor?.[0]).toMatchObject({ text: 'Meta' });
    expect(conductor?.[1]).toMatchObject({ numerator: 4, denominator: 4 });
    expect(conductor?.[2]).toMatchObject({ key: score.key.fifths, scale: 0 });
    const tempo = conductor?.find((e) => e.type === 'setTempo');
    expect(tempo).toMatchObject({ microsecondsPerBeat: 600_000 });
  });

  it('accepts bare notes, and ends a note where the same pitch is struck again', () => {
    const notes: Note[] = [
      { pitch: 60, onsetSeconds: 0, offsetSeconds: 2, velocity: 80 },
      { pitch: 60, onsetSeconds: 1, offsetSeconds: 1.5, velocity: 90 },
    ];
    const { notes: back } = readBack(toMidi(notes));
    expect(back.map((n) => [n.pitch, n.velocity])).toEqual([
      [60, 80],
      [60, 90],
    ]);
    expect(Math.abs((back[0]?.offsetSeconds ?? 0) - 1)).toBeLessThan(0.002);
  });

  it('writes a valid file for no notes', () => {
    const { notes, format } = readBack(toMidi([]));
    expect(format).toBe(1);
    expect(notes).toEqual([]);
  });
});
