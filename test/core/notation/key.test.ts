import { estimateKey, keyAlter, KRUMHANSL_KESSLER, spellPitch } from '../../../core/notation';
import type { Note } from '../../../core/types';

/** Consecutive quarter-second notes (chords: simultaneous), each 0.25 s long. */
function sequence(steps: readonly (number | readonly number[])[]): Note[] {
  return steps.flatMap((step, i) =>
    (typeof step === 'number' ? [step] : step).map((pitch) => ({ pitch, onsetSeconds: i * 0.25, offsetSeconds: (i + 1) * 0.25, velocity: 80 })),
  );
}

const MAJOR_STEPS = [0, 2, 4, 5, 7, 9, 11, 12];
const HARMONIC_MINOR_STEPS = [0, 2, 3, 5, 7, 8, 11, 12];

function scale(tonic: number, steps: readonly number[]): number[] {
  const up = steps.map((s) => tonic + s);
  return [...up, ...[...up].reverse(), tonic];
}

/** I–IV–V–I in root position triads, tonic held in the bass. */
function cadence(tonic: number, minor: boolean): (readonly number[])[] {
  const third = minor ? 3 : 4;
  return [
    [tonic - 12, tonic, tonic + third, tonic + 7],
    [tonic - 7, tonic + 5, tonic + 5 + (minor ? 3 : 4), tonic + 12],
    [tonic - 5, tonic + 7, tonic + 11, tonic + 14],
    [tonic - 12, tonic, tonic + third, tonic + 7],
  ];
}

describe('estimateKey', () => {
  it.each([
    ['C major', 60, false, 0],
    ['G major', 67, false, 1],
    ['D major', 62, false, 2],
    ['F major', 65, false, -1],
    ['B♭ major', 70, false, -2],
    ['E♭ major', 63, false, -3],
    ['A minor', 69, true, 0],
    ['E minor', 64, true, 1],
    ['D minor', 62, true, -1],
    ['C minor', 60, true, -3],
  ])('finds %s from its scale and a cadence', (_name, tonic, minor, fifths) => {
    const notes = sequence([...scale(tonic, minor ? HARMONIC_MINOR_STEPS : MAJOR_STEPS), ...cadence(tonic, minor), ...cadence(tonic, minor)]);
    const key = estimateKey(notes);
    expect([key.fifths, key.mode, key.tonicPitchClass]).toEqual([fifths, minor ? 'minor' : 'major', tonic % 12]);
  });

  it('keeps a G-major piece full of D-major chords in G (Temperley profiles), where Krumhansl–Kessler says D', () => {
    // The little waltz's duration-weighted pitch classes: much D and A, no C♯, some C.
    const weights: Record<number, number> = { 0: 3.4, 2: 8.3, 4: 3.1, 6: 4.7, 7: 7.2, 9: 8.8, 11: 8.1 };
    const notes = Object.entries(weights).map(([pc, seconds]) => ({ pitch: 60 + Number(pc), onsetSeconds: 0, offsetSeconds: seconds / 4, velocity: 80 }));
    // Durations are capped at 2 s per note, so split each weight into quarter-length notes.
    const spread = notes.flatMap((n) => Array.from({ length: 4 }, (_, k) => ({ ...n, onsetSeconds: k * 10, offsetSeconds: k * 10 + n.offsetSeconds })));
    expect([estimateKey(spread).fifths, estimateKey(spread).mode]).toEqual([1, 'major']);
    expect(estimateKey(spread, KRUMHANSL_KESSLER).fifths).toBe(2);
  });

  it('gives C major with zero correlation for no notes', () => {
    expect(estimateKey([])).toEqual({ fifths: 0, mode: 'major', tonicPitchClass: 0, correlation: 0 });
  });
});

describe('spellPitch', () => {
  const name = (midi: number, fifths: number, mode: 'major' | 'minor' = 'major'): string => {
    const { step, alter, octave } = spellPitch(midi, { fifths, mode });
    return `${step}${['bb', 'b', '', '#', '##'][alter + 2]}${octave}`;
  };

  it('uses sharps in sharp keys and flats in flat keys', () => {
    expect([61, 63, 66, 68, 70].map((m) => name(m, 2))).toEqual(['C#4', 'D#4', 'F#4', 'G#4', 'A#4']);
    expect([61, 63, 66, 68, 70].map((m) => name(m, -3))).toEqual(['Db4', 'Eb4', 'Gb4', 'Ab4', 'Bb4']);
  });

  it('spells C major chromatics as C#, Eb, F#, Ab, Bb and takes the raised leading tone in minor', () => {
    expect([61, 63, 66, 68, 70].map((m) => name(m, 0))).toEqual(['C#4', 'Eb4', 'F#4', 'Ab4', 'Bb4']);
    expect(name(68, 0, 'minor')).toBe('G#4'); // A minor
    expect(name(61, -1, 'minor')).toBe('C#4'); // D minor
    expect(name(71, -3, 'minor')).toBe('B4'); // C minor
  });

  it('spells the scale degrees of remote keys on their own letters', () => {
    expect(name(65, 6)).toBe('E#4'); // F♯ major's seventh degree
    expect(name(59, -6)).toBe('Cb4'); // G♭ major's fourth degree, octave follows the letter
    expect(name(60, 5)).toBe('C4'); // not B♯: B major has no B♯ in its scale
    expect(name(67, 5)).toBe('G4'); // not F𝄪
    expect(name(12, 6)).toBe('C0');
  });

  it('knows which steps the signature alters', () => {
    expect(['F', 'C', 'G', 'D', 'A', 'E', 'B'].map((s) => keyAlter(s as 'C', 3))).toEqual([1, 1, 1, 0, 0, 0, 0]);
    expect(['F', 'C', 'G', 'D', 'A', 'E', 'B'].map((s) => keyAlter(s as 'C', -2))).toEqual([0, 0, 0, 0, 0, -1, -1]);
    expect(keyAlter('F', 0)).toBe(0);
  });
});
