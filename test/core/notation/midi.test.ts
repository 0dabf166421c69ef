import { parseMidi, type MidiEvent } from 'midi-file';
import { buildScore, midiTempoMap, secondsToTicks, toMidi } from '../../../core/notation';
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
    expect(tracks).toHaveLength(3);
    const original = [...notes].sort((a, b) => a.onsetSeconds - b.onsetSeconds || a.pitch - b.pitch);
    expect(back).toHaveLength(original.length);
    back.forEach((note, i) => {
      const expected = original[i] as Note;
      expect([note.pitch, note.velocity]).toEqual([expected.pitch, expected.velocity]);
      expect(Math.abs(note.onsetSeconds - expected.onsetSeconds)).toBeLessThanOrEqual(note.tickSeconds);
      expect(Math.abs(note.offsetSeconds - expected.offsetSeconds)).toBeLessThanOrEqual(note.tickSeconds * 1.5);
    });
  });

  it('writes a tempo event only where the score has a tempo mark, with its bar lines on the performed bar lines', () => {
    const notes = piece();
    const score = buildScore(notes);
    const bytes = toMidi(score);
    const [conductor] = parseMidi(bytes).tracks;
    const tempos = (conductor ?? []).filter((e) => e.type === 'setTempo');
    const marks = (score.parts[0]?.measures ?? []).filter((m) => m.tempoBpm !== undefined).length;
    expect(marks).toBeGreaterThanOrEqual(2);
    // One per mark, and one for the lead-in from 0 s to the first bar line: not one per beat (about 50 here).
    expect(tempos.length).toBeLessThanOrEqual(marks + 1);
    const segments = midiTempoMap(score);
    const lead = segments[0]?.startSeconds === 0 && segments.length > marks ? (segments[0]?.ticks ?? 0) : 0;
    let quarter = 0;
    for (const measure of score.parts[0]?.measures ?? []) {
      if (measure.tempoBpm !== undefined) {
        // The bar line's tick sits exactly at its performed time (to a tick).
        const tick = lead + quarter * 480;
        const k = Math.floor(quarter);
        const played = (score.beatTimesSeconds[k] as number) + (quarter - k) * ((score.beatTimesSeconds[k + 1] as number) - (score.beatTimesSeconds[k] as number));
        expect(Math.abs(secondsToTicks(segments, played) - tick)).toBeLessThanOrEqual(1);
      }
      quarter += measure.duration / score.divisions;
    }
  });

  it('writes each staff as its own track (right hand, left hand)', () => {
    const notes = piece();
    const score = buildScore(notes);
    const { tracks } = readBack(toMidi(score));
    const pitchesOn = (track: MidiEvent[] | undefined): number[] =>
      (track ?? []).flatMap((e) => (e.type === 'noteOn' && e.velocity > 0 ? [e.noteNumber] : [])).sort((a, b) => a - b);
    const expected = (staff: number): number[] => score.notes.filter((_, i) => score.noteStaves[i] === staff).map((n) => n.pitch).sort((a, b) => a - b);
    expect(tracks[1]?.find((e) => e.type === 'trackName')).toMatchObject({ text: 'Piano right hand' });
    expect(pitchesOn(tracks[1])).toEqual(expected(1));
    expect(pitchesOn(tracks[2])).toEqual(expected(2));
    expect(expected(2).length).toBeGreaterThan(10);
  });

  it('writes quantised (score) timing on request: onsets on the grid, at the marked tempo', () => {
    const notes = performed([[60, 0, 1, 90], [64, 1, 0.5], [65, 1.5, 0.5], [67, 2, 2], [48, 0, 4, 100], [72, 4, 1], [71, 5, 1], [69, 6, 2], [43, 4, 4, 100]], {
      bpm: 100,
      jitterSeconds: 0.02,
      seed: 8,
      offsetSeconds: 0.4,
    });
    const score = buildScore(notes);
    const midi = parseMidi(toMidi(score, { timing: 'score' }));
    const tempo = midi.tracks[0]?.find((e) => e.type === 'setTempo');
    expect(tempo).toMatchObject({ microsecondsPerBeat: Math.round(60e6 / (score.parts[0]?.measures[0]?.tempoBpm ?? 0)) });
    const onsets = midi.tracks.slice(1).flatMap((track) => {
      let tick = 0;
      return track.flatMap((e) => {
        tick += e.deltaTime;
        return e.type === 'noteOn' && e.velocity > 0 ? [`${e.noteNumber}@${tick}`] : [];
      });
    });
    expect(onsets.sort()).toEqual(['43@1920', '48@0', '60@0', '64@480', '65@720', '67@960', '69@2880', '71@2400', '72@1920'].sort());
  });

  it('writes the title, time signature, key signature and the tempo in track 0', () => {
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
