import { buildScore, toMidi, toMusicXml, toMxl } from '../../../core/notation';
import type { Score } from '../../../core/notation';
import type { Note } from '../../../core/types';
import { assertValidMusicXml, parseXml, queryAll, textsOf } from '../../helpers/xml';
import { seededRandom } from './fixtures';

/** Every voice of every measure must add up to the measure's length, or the file is unreadable however valid. */
function expectMeasuresFull(score: Score): void {
  for (const part of score.parts) {
    for (const measure of part.measures) {
      for (const voice of measure.voices) {
        const total = voice.elements.reduce((sum, e) => sum + e.duration, 0);
        if (total !== measure.duration) throw new Error(`measure ${measure.number} voice ${voice.voice}: ${total} ≠ ${measure.duration}`);
      }
    }
  }
  expect(true).toBe(true);
}

function expectWritable(notes: readonly Note[]): { score: Score; xml: string } {
  const score = buildScore(notes, { title: 'Edge' });
  const xml = toMusicXml(score);
  assertValidMusicXml(xml);
  expect(toMxl(score).length).toBeGreaterThan(0);
  expect(toMidi(score).length).toBeGreaterThan(0);
  expectMeasuresFull(score);
  return { score, xml };
}

/** Notes a sounding piano roll might produce: random pitches, random overlapping lengths, clustered onsets. */
function randomNotes(count: number, seed: number): Note[] {
  const random = seededRandom(seed);
  const notes: Note[] = [];
  let t = 0;
  for (let i = 0; i < count; i += 1) {
    t += random() < 0.3 ? 0.005 : random() * 0.4;
    notes.push({ pitch: 21 + Math.floor(random() * 88), onsetSeconds: t, offsetSeconds: t + 0.02 + random() * 2, velocity: 1 + Math.floor(random() * 127) });
  }
  return notes;
}

describe('buildScore on extreme input', () => {
  it('handles a single note at t = 0', () => {
    const { xml } = expectWritable([{ pitch: 60, onsetSeconds: 0, offsetSeconds: 0.5, velocity: 80 }]);
    const doc = parseXml(xml);
    expect(textsOf(doc, '//note[pitch]/pitch/step')).toEqual(['C']);
    expect(queryAll(doc, '//measure')).toHaveLength(1);
  });

  it('handles 2000 random, overlapping notes and keeps every one of their pitches', () => {
    const notes = randomNotes(2000, 17);
    const { score, xml } = expectWritable(notes);
    const written = new Set<number>();
    for (const m of score.parts[0]?.measures ?? []) for (const v of m.voices) for (const e of v.elements) for (const p of e.pitches) written.add(p.midi);
    expect(written).toEqual(new Set(notes.map((n) => n.pitch)));
    expect(queryAll(parseXml(xml), '//measure').length).toBe(score.parts[0]?.measures.length);
  });

  it('handles overlapping same-pitch notes, duplicates and zero-length notes', () => {
    expectWritable([
      { pitch: 64, onsetSeconds: 0, offsetSeconds: 2, velocity: 80 },
      { pitch: 64, onsetSeconds: 0, offsetSeconds: 2, velocity: 80 },
      { pitch: 64, onsetSeconds: 0.5, offsetSeconds: 1, velocity: 70 },
      { pitch: 64, onsetSeconds: 0.51, offsetSeconds: 0.51, velocity: 70 },
      { pitch: 67, onsetSeconds: 1, offsetSeconds: 0.9, velocity: 70 },
    ]);
  });

  it('drops non-finite values and clamps out-of-range pitches, velocities and negative times', () => {
    const { score } = expectWritable([
      { pitch: Number.NaN, onsetSeconds: 0, offsetSeconds: 1, velocity: 80 },
      { pitch: 60, onsetSeconds: Number.POSITIVE_INFINITY, offsetSeconds: 1, velocity: 80 },
      { pitch: 200, onsetSeconds: -1, offsetSeconds: 0.5, velocity: 300 },
      { pitch: -5, onsetSeconds: 0.5, offsetSeconds: 1, velocity: 0 },
    ]);
    expect(score.notes).toEqual([
      { pitch: 127, onsetSeconds: 0, offsetSeconds: 0.5, velocity: 127 },
      { pitch: 12, onsetSeconds: 0.5, offsetSeconds: 1, velocity: 1 },
    ]);
  });

  it('handles a long silence before the first note and between notes', () => {
    const { score } = expectWritable([
      { pitch: 60, onsetSeconds: 30, offsetSeconds: 30.5, velocity: 80 },
      { pitch: 62, onsetSeconds: 30.5, offsetSeconds: 31, velocity: 80 },
      { pitch: 64, onsetSeconds: 90, offsetSeconds: 91, velocity: 80 },
    ]);
    // The leading silence is not written out: the score starts at the first note's bar.
    const first = score.parts[0]?.measures[0]?.voices[0]?.elements[0];
    expect(first?.pitches.map((p) => p.midi)).toEqual([60]);
  });

  it('drops characters XML cannot carry from the title', () => {
    const xml = toMusicXml(buildScore([], { title: 'a\u0001b\uD800c ✓ 日本' }));
    assertValidMusicXml(xml);
    expect(textsOf(parseXml(xml), 'score-partwise/work/work-title')).toEqual(['abc ✓ 日本']);
  });

  it('is deterministic', () => {
    const notes = randomNotes(300, 5);
    expect(toMusicXml(buildScore(notes))).toBe(toMusicXml(buildScore([...notes].reverse())));
  });
});
