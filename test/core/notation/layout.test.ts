import { assignStaves, assignVoices, chooseBeatGrids, quantiseNotes, snapToGrid, writeDuration } from '../../../core/notation';
import type { QuantisedNote } from '../../../core/notation';

const describeValues = (position: number, length: number, measure = 48): string[] =>
  writeDuration(position, length, measure).map((v) => `${v.duration}${v.type}${'.'.repeat(v.dots)}${v.triplet ? '3' : ''}`);

describe('writeDuration', () => {
  it('writes plain and dotted values on the beat', () => {
    expect(describeValues(0, 48)).toEqual(['48whole']);
    expect(describeValues(0, 36)).toEqual(['36half.']);
    expect(describeValues(12, 18)).toEqual(['18quarter.']);
    expect(describeValues(0, 36, 36)).toEqual(['36half.']);
  });

  it('splits values that would straddle a beat into tied pieces', () => {
    expect(describeValues(6, 12)).toEqual(['6eighth', '6eighth']);
    expect(describeValues(3, 9)).toEqual(['9eighth.']);
    expect(describeValues(9, 30)).toEqual(['316th', '24half', '316th']);
    expect(describeValues(0, 60, 60)).toEqual(['48whole', '12quarter']);
  });

  it('writes triplet values on the triplet grid', () => {
    expect(describeValues(12, 4)).toEqual(['4eighth3']);
    expect(describeValues(16, 8)).toEqual(['8quarter3']);
    expect(describeValues(20, 8)).toEqual(['4eighth3', '4eighth3']);
    // Ending on a triplet: a quarter and a triplet quarter, not a dotted quarter and a sixteenth triplet.
    expect(describeValues(0, 20)).toEqual(['12quarter', '8quarter3']);
    expect(describeValues(3, 13)).toEqual(['9eighth.', '4eighth3']);
  });

  it('always terminates, falling back to the smallest value', () => {
    expect(describeValues(1, 2)).toEqual(['132nd3', '132nd3']);
    expect(describeValues(46, 2)).toEqual(['216th3']);
  });
});

describe('quantisation grid', () => {
  it('chooses triplets only for beats whose onsets fit them markedly better', () => {
    const grids = chooseBeatGrids([0, 0.5, 1, 1.34, 1.66, 2, 2.25, 2.5, 3.02], 4);
    expect(Array.from(grids)).toEqual([4, 3, 4, 4]);
    expect(snapToGrid(1.31, grids)).toBe(16);
    expect(snapToGrid(2.27, grids)).toBe(27);
    expect(snapToGrid(0.97, grids)).toBe(12);
  });

  it('merges same-pitch notes on one grid point and ends an overlapped note at the next strike', () => {
    const beats = [0, 0.5, 1, 1.5, 2, 2.5];
    const { notes } = quantiseNotes(
      [
        { pitch: 60, onsetSeconds: 0, offsetSeconds: 1, velocity: 50 },
        { pitch: 60, onsetSeconds: 0.01, offsetSeconds: 0.5, velocity: 90 },
        { pitch: 60, onsetSeconds: 0.5, offsetSeconds: 1.5, velocity: 70 },
      ],
      beats,
    );
    expect(notes).toEqual([
      { pitch: 60, velocity: 90, start: 0, end: 12 },
      { pitch: 60, velocity: 70, start: 12, end: 36 },
    ]);
  });
});

describe('staves and voices', () => {
  const q = (pitch: number, start: number, end: number): QuantisedNote => ({ pitch, velocity: 80, start, end });

  it('splits a wide chord between the hands and keeps a melody dipping below middle C on the treble staff', () => {
    const notes = [q(36, 0, 12), q(43, 0, 12), q(64, 0, 12), q(72, 0, 12), q(62, 12, 24), q(59, 24, 36), q(57, 36, 48), q(60, 48, 60)];
    expect(Array.from(assignStaves(notes))).toEqual([2, 2, 1, 1, 1, 1, 1, 1]);
  });

  it('puts overlapping rhythms in two voices and cuts a third overlapping line short', () => {
    const [one, two] = assignVoices([q(72, 0, 12), q(60, 0, 24), q(74, 12, 24), q(76, 18, 30)]);
    expect(one.map((e) => `${e.start}-${e.end}:${e.pitches.map((p) => p.midi).join(',')}`)).toEqual(['0-12:72', '12-18:74', '18-30:76']);
    expect(two.map((e) => `${e.start}-${e.end}:${e.pitches.map((p) => p.midi).join(',')}`)).toEqual(['0-24:60']);
  });
});
