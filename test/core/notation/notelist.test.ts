import { toNoteJson, toNoteListText } from '../../../core/notation';
import type { Note } from '../../../core/types';

const notes: Note[] = [
  { pitch: 69, onsetSeconds: 1.5, offsetSeconds: 2, velocity: 90 },
  { pitch: 60, onsetSeconds: 0, offsetSeconds: 0.25, velocity: 64 },
];

describe('toNoteListText', () => {
  it("writes mir_eval's onset, offset, frequency lines sorted by onset", () => {
    expect(toNoteListText(notes)).toBe('0.000000\t0.250000\t261.6256\n1.500000\t2.000000\t440.0000\n');
  });

  it('writes nothing for no notes', () => {
    expect(toNoteListText([])).toBe('');
  });
});

describe('toNoteJson', () => {
  it('writes a versioned JSON document with frequencies', () => {
    const parsed = JSON.parse(toNoteJson(notes)) as { format: string; version: number; notes: (Note & { frequencyHz: number })[] };
    expect(parsed.format).toBe('notescribe-notes');
    expect(parsed.version).toBe(1);
    expect(parsed.notes.map((n) => [n.pitch, n.onsetSeconds, n.offsetSeconds, n.velocity, Math.round(n.frequencyHz * 1000) / 1000])).toEqual([
      [60, 0, 0.25, 64, 261.626],
      [69, 1.5, 2, 90, 440],
    ]);
  });
});
