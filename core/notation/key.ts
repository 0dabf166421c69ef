/**
 * Key estimation (the Krumhansl–Schmuckler correlation method, with Temperley's Kostka–Payne profiles by default)
 * and pitch spelling on the line of fifths.
 */
import type { Note } from '../types';
import type { KeySignature, NotatedPitch } from './model';

/** A major and a minor key profile: relative weight of each pitch class above the tonic, tonic first. */
export interface KeyProfiles {
  readonly major: readonly number[];
  readonly minor: readonly number[];
}

/**
 * Temperley's profiles from the Kostka–Payne corpus (D. Temperley, "Music and Probability", 2007): the default.
 * They give non-scale tones far less weight than Krumhansl–Kessler, so a piece in G with many D-major (V) chords but
 * no C♯ stays in G (the bundled little waltz: Temperley r = 0.94 for G vs 0.76 for D; Krumhansl–Kessler prefers D).
 */
export const TEMPERLEY_KOSTKA_PAYNE: KeyProfiles = {
  major: [0.748, 0.06, 0.488, 0.082, 0.67, 0.46, 0.096, 0.715, 0.104, 0.366, 0.057, 0.4],
  minor: [0.712, 0.084, 0.474, 0.618, 0.049, 0.46, 0.105, 0.747, 0.404, 0.067, 0.133, 0.33],
};

/** Krumhansl–Kessler probe-tone profiles (Krumhansl 1990), tonic first. */
export const KRUMHANSL_KESSLER = {
  major: [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88],
  minor: [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17],
} as const;

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i += 1) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i += 1) {
    const da = (a[i] as number) - ma;
    const db = (b[i] as number) - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

/** Fifths (−6 … 5) of the major key whose tonic has pitch class `pc`: flats for G♭/D♭, as most editions write them. */
export function majorKeyFifths(pc: number): number {
  const q = (((7 * pc) % 12) + 12) % 12; // position on the line of fifths, 0 … 11
  return q > 5 ? q - 12 : q;
}

/**
 * The key of the notes: the major or minor key whose profile best correlates with the duration-weighted pitch-class
 * histogram. C major (correlation 0) for an empty list.
 */
export function estimateKey(notes: readonly Note[], profiles: KeyProfiles = TEMPERLEY_KOSTKA_PAYNE): KeySignature {
  const histogram = pitchClassHistogram(notes);
  let best: KeySignature = { fifths: 0, mode: 'major', tonicPitchClass: 0, correlation: 0 };
  for (const mode of ['major', 'minor'] as const) {
    const profile = profiles[mode];
    for (let tonic = 0; tonic < 12; tonic += 1) {
      const rotated = histogram.map((_, pc) => profile[(pc - tonic + 12) % 12] as number);
      const correlation = pearson(histogram, rotated);
      if (correlation > best.correlation + 1e-12) {
        const fifths = majorKeyFifths(mode === 'major' ? tonic : (tonic + 3) % 12);
        best = { fifths, mode, tonicPitchClass: tonic, correlation };
      }
    }
  }
  return best;
}

/** Duration-weighted pitch-class histogram: long notes weigh more, but a single pedal note must not outvote the rest. */
function pitchClassHistogram(notes: readonly Note[]): number[] {
  const histogram = new Array<number>(12).fill(0);
  for (const note of notes) {
    const pc = ((note.pitch % 12) + 12) % 12;
    const weight = Math.min(2, Math.max(0.05, note.offsetSeconds - note.onsetSeconds));
    histogram[pc] = (histogram[pc] as number) + weight;
  }
  return histogram;
}

/** A given key (a user's hint) with the correlation the notes have with its profile, as `estimateKey` reports it. */
export function fitKey(
  notes: readonly Note[],
  key: Pick<KeySignature, 'fifths' | 'mode' | 'tonicPitchClass'>,
  profiles: KeyProfiles = TEMPERLEY_KOSTKA_PAYNE,
): KeySignature {
  const histogram = pitchClassHistogram(notes);
  const profile = profiles[key.mode];
  const rotated = histogram.map((_, pc) => profile[(pc - key.tonicPitchClass + 12) % 12] as number);
  return { ...key, correlation: pearson(histogram, rotated) };
}

const STEPS = ['F', 'C', 'G', 'D', 'A', 'E', 'B'] as const;

/**
 * Spells a MIDI pitch in a key: the spelling nearest the key's centre on the line of fifths, so sharps in sharp keys
 * and flats in flat keys; at the tritone tie, minor keys take the sharp side (their raised leading tone) and major
 * keys the side of their signature (flats in C major). Outside the key's own scale, E♯, B♯, C♭, F♭ and double
 * accidentals are avoided (C♮, not B♯, in B major).
 */
export function spellPitch(midi: number, key: Pick<KeySignature, 'fifths' | 'mode'>): Pick<NotatedPitch, 'step' | 'alter' | 'octave'> {
  const pc = ((midi % 12) + 12) % 12;
  const q0 = (7 * pc) % 12; // fifths position of the sharp-or-natural spelling relative to C, 0 … 11
  const centre = key.fifths + 2;
  const inScale = (q: number): boolean => q >= key.fifths - 1 && q <= key.fifths + 5;
  const all = [q0 - 12, q0, q0 + 12];
  const plain = all.filter((q) => inScale(q) || (q >= -6 && q <= 10));
  const sharpSide = key.mode === 'minor' || key.fifths > 0;
  let best = Number.NaN;
  for (const q of plain.length > 0 ? plain : all) {
    const d = Math.abs(q - centre);
    const bestD = Math.abs(best - centre);
    if (Number.isNaN(best) || d < bestD || (d === bestD && (sharpSide ? q > best : q < best))) best = q;
  }
  // q = −1 is F, 0 C … 5 B; each 7 further is one sharp (or flat going down).
  const index = (((best + 1) % 7) + 7) % 7;
  const step = STEPS[index] as NotatedPitch['step'];
  const alter = Math.floor((best + 1) / 7);
  const naturalPc = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 }[step];
  const octave = Math.round((midi - alter - naturalPc) / 12) - 1;
  return { step, alter, octave };
}

/** The alteration the key signature gives a step: −1, 0 or 1. */
export function keyAlter(step: NotatedPitch['step'], fifths: number): number {
  const q = STEPS.indexOf(step) - 1; // F = −1 … B = 5
  if (fifths > 0 && q + 7 <= fifths + 5 && q + 7 >= 6) return 1; // sharps: F(6), C(7), G(8) … up to fifths+5
  if (fifths < 0 && q - 7 >= fifths - 1 && q - 7 <= -2) return -1; // flats: B(−2), E(−3) … down to fifths−1
  return 0;
}
