import { assignStaves, assignVoices, chooseBeatGrids, DIVISIONS_PER_QUARTER, quantiseNotes, snapToGrid, writeDuration } from '../../../core/notation';
import type { QuantisedNote } from '../../../core/notation';

/** Written values as `<divisions><type><dots><3 for triplets>`, at DIVISIONS_PER_QUARTER = 24 (4/4 bar: 96). */
const describeValues = (position: number, length: number, measure = 96, beat = 24): string[] =>
  writeDuration(position, length, measure, beat).map((v) => `${v.duration}${v.type}${'.'.repeat(v.dots)}${v.triplet ? '3' : ''}`);

describe('writeDuration', () => {
  it('writes plain and dotted values on the beat', () => {
    expect(DIVISIONS_PER_QUARTER).toBe(24);
    expect(describeValues(0, 96)).toEqual(['96whole']);
    expect(describeValues(0, 72)).toEqual(['72half.']);
    expect(describeValues(24, 36)).toEqual(['36quarter.']);
    expect(describeValues(0, 72, 72)).toEqual(['72half.']);
  });

  it('splits values that would straddle a beat into tied pieces', () => {
    expect(describeValues(12, 24)).toEqual(['12eighth', '12eighth']);
    expect(describeValues(6, 18)).toEqual(['18eighth.']);
    expect(describeValues(18, 60)).toEqual(['616th', '48half', '616th']);
    expect(describeValues(0, 120, 120)).toEqual(['96whole', '24quarter']);
  });

  it('writes triplet values on the triplet grid', () => {
    expect(describeValues(24, 8)).toEqual(['8eighth3']);
    expect(describeValues(32, 16)).toEqual(['16quarter3']);
    expect(describeValues(40, 16)).toEqual(['8eighth3', '8eighth3']);
    // Ending on a triplet: a quarter and a triplet quarter, not a dotted quarter and a sixteenth triplet.
    expect(describeValues(0, 40)).toEqual(['24quarter', '16quarter3']);
    expect(describeValues(6, 26)).toEqual(['18eighth.', '8eighth3']);
  });

  it('writes 32nds, dotted sixteenths and sixteenth-note triplets for dense beats', () => {
    expect(describeValues(0, 3)).toEqual(['332nd']);
    expect(describeValues(3, 3)).toEqual(['332nd']);
    expect(describeValues(0, 9)).toEqual(['916th.']);
    expect(describeValues(4, 4)).toEqual(['416th3']);
  });

  it('writes a compound beat (a dotted quarter in 6/8) whole, and never a half note across two of its beats', () => {
    // 6/8: bar 72 divisions, beat 36.
    expect(describeValues(0, 36, 72, 36)).toEqual(['36quarter.']);
    expect(describeValues(0, 24, 72, 36)).toEqual(['24quarter']);
    expect(describeValues(24, 12, 72, 36)).toEqual(['12eighth']);
    expect(describeValues(0, 48, 72, 36)).toEqual(['36quarter.', '12eighth']);
    expect(describeValues(0, 72, 72, 36)).toEqual(['72half.']);
  });

  it('always terminates, falling back to the smallest value', () => {
    expect(describeValues(1, 2)).toEqual(['164th3', '164th3']);
    expect(describeValues(92, 4)).toEqual(['416th3']);
  });
});

describe('quantisation grid', () => {
  it('chooses triplets only for beats whose onsets fit them markedly better', () => {
    const grids = chooseBeatGrids([0, 0.5, 1, 1.34, 1.66, 2, 2.25, 2.5, 3.02], 4);
    expect(Array.from(grids)).toEqual([4, 3, 4, 4]);
    expect(snapToGrid(1.31, grids)).toBe(32);
    expect(snapToGrid(2.27, grids)).toBe(54);
    expect(snapToGrid(0.97, grids)).toBe(24);
  });

  it('goes to 32nds or sixteenth triplets only where the coarse grid would merge distinct onsets', () => {
    const thirtySeconds = [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875].map((f) => 1 + f + 0.01);
    const sextuplets = [0, 1, 2, 3, 4, 5].map((k) => 2 + k / 6 - 0.01);
    const grids = chooseBeatGrids([0, 0.25, 0.5, 0.75, ...thirtySeconds, ...sextuplets], 3);
    expect(Array.from(grids)).toEqual([4, 8, 6]);
    expect(snapToGrid(1.125, grids)).toBe(27);
    expect(snapToGrid(2 + 1 / 6, grids)).toBe(52);
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
    expect(notes.map(({ sources, ...note }) => ({ ...note, sources: [...(sources ?? [])].sort() }))).toEqual([
      { pitch: 60, velocity: 90, start: 0, end: 24, sources: [0, 1] },
      { pitch: 60, velocity: 70, start: 24, end: 72, sources: [2] },
    ]);
  });
});

describe('staves and voices', () => {
  const q = (pitch: number, start: number, end: number): QuantisedNote => ({ pitch, velocity: 80, start, end });

  it('splits a wide chord between the hands and keeps a melody dipping below middle C on the treble staff', () => {
    const notes = [q(36, 0, 12), q(43, 0, 12), q(64, 0, 12), q(72, 0, 12), q(62, 12, 24), q(59, 24, 36), q(57, 36, 48), q(60, 48, 60)];
    expect(Array.from(assignStaves(notes))).toEqual([2, 2, 1, 1, 1, 1, 1, 1]);
  });

  it('writes notes struck together as one chord despite uneven releases (no false second voice)', () => {
    const [one, two] = assignVoices([q(60, 0, 20), q(64, 0, 24), q(67, 0, 18), q(65, 24, 48)]);
    expect(one.map((e) => `${e.start}-${e.end}:${e.pitches.map((p) => p.midi).join(',')}`)).toEqual(['0-24:60,64,67', '24-48:65']);
    expect(two).toEqual([]);
  });

  it('puts overlapping rhythms in two voices and cuts a third overlapping line short', () => {
    const [one, two] = assignVoices([q(72, 0, 12), q(60, 0, 24), q(74, 12, 24), q(76, 18, 30)]);
    expect(one.map((e) => `${e.start}-${e.end}:${e.pitches.map((p) => p.midi).join(',')}`)).toEqual(['0-12:72', '12-18:74', '18-30:76']);
    expect(two.map((e) => `${e.start}-${e.end}:${e.pitches.map((p) => p.midi).join(',')}`)).toEqual(['0-24:60']);
  });

  const show = (events: readonly { start: number; end: number; pitches: readonly { midi: number }[] }[]): string[] =>
    events.map((e) => `${e.start}-${e.end}:${e.pitches.map((p) => p.midi).join(',')}`);

  it('writes a legato line whose notes overlap (released late) as one voice, each note ending at the next', () => {
    // Each note lasts past the next onset but not past the next note's end: a staircase, not two lines.
    const [one, two] = assignVoices([q(72, 0, 30), q(74, 24, 54), q(76, 48, 72), q(77, 72, 96)]);
    expect(show(one)).toEqual(['0-24:72', '24-48:74', '48-72:76', '72-96:77']);
    expect(two).toEqual([]);
    // Released together with the next note (an arpeggio under the pedal, read as ending at once): still one line.
    const [arpeggio, none] = assignVoices([q(60, 0, 24), q(64, 6, 24), q(67, 12, 24), q(72, 18, 24)]);
    expect(show(arpeggio)).toEqual(['0-6:60', '6-12:64', '12-18:67', '18-24:72']);
    expect(none).toEqual([]);
  });

  it('keeps a note held an eighth or more past the notes above it as a second voice, and a running second line', () => {
    // A quarter note under a melody in sixteenths, struck with its second note: the held note is its own voice.
    const [one, two] = assignVoices([q(72, 0, 6), q(74, 6, 12), q(60, 6, 30), q(76, 12, 18), q(77, 18, 24)]);
    expect(show(one)).toEqual(['0-6:72', '6-12:74', '12-18:76', '18-24:77']);
    expect(show(two)).toEqual(['6-30:60']);
    // Held only a sixteenth past the notes above it, the same note is their legato: one voice.
    const [line, nothing] = assignVoices([q(72, 0, 6), q(74, 6, 12), q(60, 12, 30), q(76, 18, 24)]);
    expect(show(line)).toEqual(['0-6:72', '6-12:74', '12-18:60', '18-24:76']);
    expect(nothing).toEqual([]);
    // A melody held over a moving inner line: the line is voice 2 and stays there though its notes overlap a little.
    const [melody, inner] = assignVoices([q(79, 0, 96), q(64, 24, 50), q(62, 48, 74), q(60, 72, 96)]);
    expect(show(melody)).toEqual(['0-96:79']);
    expect(show(inner)).toEqual(['24-48:64', '48-72:62', '72-96:60']);
  });
});
