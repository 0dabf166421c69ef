import { buildScore, estimateTempo, onsetEvents, tempoMarks, trackBeats } from '../../../core/notation';
import type { Note } from '../../../core/types';
import { performed, seededRandom, type BeatNote } from './fixtures';

/** A melody of quarters and some eighths (every fourth beat split), `beats` beats long. */
function melody(beats: number, seed = 3): BeatNote[] {
  const random = seededRandom(seed);
  const spec: BeatNote[] = [];
  for (let beat = 0; beat < beats; beat += 1) {
    const pitch = 60 + Math.floor(random() * 12);
    if (beat % 4 === 3) spec.push([pitch, beat, 0.5], [pitch + 2, beat + 0.5, 0.5]);
    else spec.push([pitch, beat, 1, beat % 4 === 0 ? 100 : 70]);
  }
  return spec;
}

describe('estimateTempo', () => {
  it.each([72, 100, 140])('finds %i BPM within 2%% from onsets jittered by ±20 ms', (bpm) => {
    const notes = performed(melody(48), { bpm, jitterSeconds: 0.02, seed: bpm });
    const estimate = estimateTempo(notes);
    expect(Math.abs(estimate - bpm) / bpm).toBeLessThan(0.02);
  });

  it('falls back to 120 BPM without two onsets', () => {
    expect(estimateTempo([])).toBe(120);
    expect(estimateTempo([{ pitch: 60, onsetSeconds: 1, offsetSeconds: 2, velocity: 80 }])).toBe(120);
  });
});

describe('trackBeats', () => {
  it('puts a beat within 30 ms of every played beat at 100 BPM with jitter', () => {
    const notes = performed(melody(32), { bpm: 100, jitterSeconds: 0.015, seed: 11, offsetSeconds: 0.3 });
    const { bpm, beatTimesSeconds } = trackBeats(notes, { fromSeconds: 0.3, toSeconds: notes[notes.length - 1]?.offsetSeconds ?? 0 });
    expect(Math.abs(bpm - 100)).toBeLessThan(2);
    for (let beat = 0; beat < 32; beat += 1) {
      const played = 0.3 + beat * 0.6;
      const nearest = Math.min(...beatTimesSeconds.map((t) => Math.abs(t - played)));
      expect(nearest).toBeLessThan(0.03);
    }
  });

  it('follows a tempo change from 100 to 140 BPM and the score marks both tempi', () => {
    const first = performed(melody(32, 5), { bpm: 100, jitterSeconds: 0.01, seed: 2 });
    const switchAt = (32 * 60) / 100;
    const second = performed(melody(48, 6), { bpm: 140, jitterSeconds: 0.01, seed: 4, offsetSeconds: switchAt });
    const score = buildScore([...first, ...second]);
    const marks = (score.parts[0]?.measures ?? []).filter((m) => m.tempoBpm !== undefined).map((m) => [m.number, m.tempoBpm]);
    expect(marks[0]).toEqual([1, 100]);
    expect(marks).toHaveLength(2);
    const [bar, tempo] = marks[1] as [number, number];
    expect(Math.abs(tempo - 140)).toBeLessThanOrEqual(3);
    // The change is at bar 9; the mark may land a bar either side while the local estimate crosses over.
    expect(Math.abs(bar - 9)).toBeLessThanOrEqual(1);
  });
});

describe('onsetEvents', () => {
  it('merges onsets closer than 35 ms into one accented event', () => {
    const notes: Note[] = [
      { pitch: 60, onsetSeconds: 0, offsetSeconds: 1, velocity: 127 },
      { pitch: 64, onsetSeconds: 0.02, offsetSeconds: 1, velocity: 64 },
      { pitch: 67, onsetSeconds: 0.5, offsetSeconds: 1, velocity: 127 },
    ];
    expect(onsetEvents(notes)).toEqual([
      { timeSeconds: 0, weight: 1.75 },
      { timeSeconds: 0.5, weight: 1.5 },
    ]);
  });
});

describe('tempoMarks', () => {
  it('marks bar 1 and a lasting change, but not a single slow bar', () => {
    // Six 4/4 bars at 0.5 s per beat (120), one bar at 0.6 s (100) in the middle, then four bars at 0.4 s (150).
    const periods = [...Array(12).fill(0.5), ...Array(4).fill(0.6), ...Array(8).fill(0.5), ...Array(16).fill(0.4)] as number[];
    const beats = [0];
    for (const p of periods) beats.push((beats[beats.length - 1] as number) + p);
    const starts = Array.from({ length: periods.length / 4 + 1 }, (_, k) => 4 * k);
    expect([...tempoMarks(beats, starts)]).toEqual([
      [0, 120],
      [6, 150],
    ]);
  });
});
