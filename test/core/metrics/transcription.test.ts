import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  evaluateTranscription,
  InvalidNoteListError,
  matchNotes,
  parseNoteList,
  type EvalNote,
  type TranscriptionScores,
} from '../../../core/metrics';

const VECTORS = path.resolve(__dirname, '../../../../shared/data/mir_eval-transcription');

function note(onsetSeconds: number, offsetSeconds: number, frequencyHz: number): EvalNote {
  return { onsetSeconds, offsetSeconds, frequencyHz };
}

describe('mir_eval reference vectors', () => {
  const cases = readdirSync(VECTORS)
    .filter((name) => /^ref\d+\.txt$/.test(name))
    .map((name) => name.slice(3, -4))
    .sort();

  it('finds the shared vectors', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases)('reproduces every score of case %s to 1e-6', (id) => {
    const ref = parseNoteList(readFileSync(path.join(VECTORS, `ref${id}.txt`), 'utf8'));
    const est = parseNoteList(readFileSync(path.join(VECTORS, `est${id}.txt`), 'utf8'));
    const expected = JSON.parse(readFileSync(path.join(VECTORS, `output${id}.json`), 'utf8')) as Record<string, number>;
    const actual = evaluateTranscription(ref, est) as unknown as Record<keyof TranscriptionScores, number>;
    const mismatches = Object.entries(expected)
      .filter(([key, value]) => !(Math.abs((actual[key as keyof TranscriptionScores] ?? NaN) - value) <= 1e-6))
      .map(([key, value]) => `${key}: expected ${value}, got ${actual[key as keyof TranscriptionScores]}`);
    expect(mismatches).toEqual([]);
  });
});

describe('matchNotes', () => {
  it('matches within 50 ms and 50 cents, inclusive after rounding to 4 decimals', () => {
    const ref = [note(1, 2, 440)];
    expect(matchNotes(ref, [note(1.05, 2, 440)], { offsetRatio: null })).toEqual([[0, 0]]);
    expect(matchNotes(ref, [note(1.0501, 2, 440)], { offsetRatio: null })).toEqual([]);
    expect(matchNotes(ref, [note(1, 2, 440 * 2 ** (49 / 1200))], { offsetRatio: null })).toEqual([[0, 0]]);
    expect(matchNotes(ref, [note(1, 2, 440 * 2 ** (51 / 1200))], { offsetRatio: null })).toEqual([]);
  });

  it('requires offsets within 20% of the reference duration (at least 50 ms) unless disabled', () => {
    const ref = [note(0, 1, 440)];
    expect(matchNotes(ref, [note(0, 1.2, 440)])).toEqual([[0, 0]]);
    expect(matchNotes(ref, [note(0, 1.25, 440)])).toEqual([]);
    expect(matchNotes(ref, [note(0, 1.25, 440)], { offsetRatio: null })).toEqual([[0, 0]]);
  });

  it('finds a maximum matching, not a greedy one', () => {
    // Greedy would pair estimate 0 with reference 0 and leave reference 1 unmatched.
    const ref = [note(1.0, 2, 440), note(1.06, 2, 440)];
    const est = [note(1.03, 2, 440), note(0.96, 2, 440)];
    expect(matchNotes(ref, est, { offsetRatio: null })).toHaveLength(2);
  });
});

describe('parseNoteList', () => {
  it('reads tab, space and comma separated lines and skips comments', () => {
    expect(parseNoteList('# header\n0.5\t1.0\t440\n1 2 220 # trailing\n\n3,4,110\n')).toEqual([
      note(0.5, 1, 440),
      note(1, 2, 220),
      note(3, 4, 110),
    ]);
  });

  it('names the line it cannot read', () => {
    expect(() => parseNoteList('0 1 440\n0 one 440')).toThrow(/line 2/);
  });

  it('refuses what mir_eval refuses', () => {
    expect(() => evaluateTranscription([note(1, 0.5, 440)], [])).toThrow(InvalidNoteListError);
    expect(() => evaluateTranscription([note(0, 1, 0)], [])).toThrow(InvalidNoteListError);
  });

  it('scores empty lists as zero', () => {
    expect(evaluateTranscription([], [note(0, 1, 440)]).Precision).toBe(0);
  });
});
