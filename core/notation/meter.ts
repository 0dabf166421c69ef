/** Time signature and downbeat phase from accent evidence at the tracked beats. */
import type { Note } from '../types';
import { COMPOUND_ACCENT_BIAS, COMPOUND_METRE_RATIO, SHORTEST_BAR_BIAS, TRIPLE_METER_BIAS } from './constants';
import type { TimeSignature } from './model';

/** Accent of a new bass note, and how far (semitones) below its neighbours' lowest notes it must lie. */
const BASS_ACCENT = 1;
const BASS_STEP = 5;

/** Least downbeat contrast (relative to the mean accent) that counts as evidence of a metre or phase at all. */
const MIN_CONTRAST = 0.1;

/** Fractional beat position of a time, by linear interpolation between tracked beats (extrapolated at the ends). */
export function beatPosition(beats: readonly number[], seconds: number): number {
  const n = beats.length;
  if (n < 2) return 0;
  let lo = 0;
  let hi = n - 1;
  if (seconds <= (beats[0] as number)) hi = 1;
  else if (seconds >= (beats[n - 1] as number)) lo = n - 2;
  else {
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((beats[mid] as number) <= seconds) lo = mid;
      else hi = mid;
    }
  }
  if (hi !== lo + 1) hi = lo + 1;
  const b0 = beats[lo] as number;
  const b1 = beats[hi] as number;
  return lo + (seconds - b0) / (b1 - b0);
}

/** The chosen meter: beats per measure (quarter-note beats) and the index of a downbeat in the beat list. */
export interface MeterChoice {
  readonly beatsPerMeasure: number;
  readonly downbeatPhase: number;
  /** Downbeat contrast of each candidate bar length, in beats (for diagnostics and tests). */
  readonly evidence: Readonly<Record<number, number>>;
}

/** Options of `chooseMeter`. */
export interface ChooseMeterOptions {
  /** A known bar length in beats (from a time-signature hint): only the downbeat phase is chosen. */
  readonly beatsPerMeasure?: number;
}

/**
 * Accent of every beat: the loudest note starting on it, lengthened by the longest such note (long notes fall on
 * strong beats), plus BASS_ACCENT when its lowest note lies well below the lowest notes of both neighbouring beats
 * (the "oom" of oom-pah-pah, a new bass note with each bar). Counting notes would favour the accompaniment's
 * off-beat chords, so only the maximum of each feature counts.
 */
export function beatAccents(notes: readonly Note[], beats: readonly number[]): Float64Array {
  const n = beats.length;
  const loudest = new Float64Array(n);
  const longest = new Float64Array(n);
  const lowest = new Float64Array(n).fill(Infinity);
  for (const note of notes) {
    const position = beatPosition(beats, note.onsetSeconds);
    const beat = Math.round(position);
    if (beat < 0 || beat >= n || Math.abs(position - beat) > 0.2) continue;
    loudest[beat] = Math.max(loudest[beat] as number, note.velocity / 127);
    longest[beat] = Math.max(longest[beat] as number, Math.min(2, beatPosition(beats, note.offsetSeconds) - position));
    lowest[beat] = Math.min(lowest[beat] as number, note.pitch);
  }
  const accents = new Float64Array(n);
  for (let b = 0; b < n; b += 1) {
    if (loudest[b] === 0) continue;
    const low = lowest[b] as number;
    const bass = low <= (lowest[b - 1] ?? Infinity) - BASS_STEP && low <= (lowest[b + 1] ?? Infinity) - BASS_STEP ? BASS_ACCENT : 0;
    accents[b] = (loudest[b] as number) * (1 + Math.max(0, longest[b] as number)) + bass;
  }
  return accents;
}

/**
 * Chooses 4/4 or 3/4 (or takes a given bar length) and the downbeat phase from the beat accents (`beatAccents`): the
 * metre whose best phase makes downbeats stand out most from the other beats wins, with a bias to 4/4.
 */
export function chooseMeter(notes: readonly Note[], beats: readonly number[], options: ChooseMeterOptions = {}): MeterChoice {
  const accents = beatAccents(notes, beats);
  let first = Infinity;
  let last = -Infinity;
  for (const note of notes) {
    const position = beatPosition(beats, note.onsetSeconds);
    first = Math.min(first, position);
    last = Math.max(last, position);
  }
  const firstBeat = notes.length === 0 ? 0 : Math.round(first);
  const span = notes.length === 0 ? 0 : last - first;
  // Only the beats the music covers count: empty beats before and after would favour phases that avoid them.
  const lo = Math.max(0, firstBeat);
  const hi = Math.min(accents.length - 1, notes.length === 0 ? -1 : Math.round(last));
  const candidates = options.beatsPerMeasure === undefined ? [3, 4] : [options.beatsPerMeasure];
  const evidence: Record<number, number> = Object.fromEntries(candidates.map((c) => [c, 0]));
  const phases: Record<number, number> = Object.fromEntries(candidates.map((c) => [c, 0]));
  let total = 0;
  for (let i = lo; i <= hi; i += 1) total += accents[i] as number;
  const mean = total / Math.max(1, hi - lo + 1);
  for (const meter of candidates) {
    if (hi - lo + 1 < 6 || mean === 0) continue;
    let best = -Infinity;
    for (let phase = 0; phase < meter; phase += 1) {
      let down = 0;
      let downCount = 0;
      let other = 0;
      let otherCount = 0;
      for (let i = lo; i <= hi; i += 1) {
        if ((((i - phase) % meter) + meter) % meter === 0) {
          down += accents[i] as number;
          downCount += 1;
        } else {
          other += accents[i] as number;
          otherCount += 1;
        }
      }
      const contrast = (down / Math.max(1, downCount) - other / Math.max(1, otherCount)) / mean;
      if (contrast > best + 1e-9) {
        best = contrast;
        phases[meter] = phase;
      }
    }
    evidence[meter] = best;
  }
  // Music spanning less than two bars of 4/4 cannot show a metre: read it as 4/4.
  const triple = span >= 8 && (evidence[3] ?? 0) > MIN_CONTRAST && (evidence[3] ?? 0) > Math.max(0, evidence[4] ?? 0) * TRIPLE_METER_BIAS;
  const beatsPerMeasure = options.beatsPerMeasure ?? (triple ? 3 : 4);
  // Without a clear accent pattern over at least two bars, the first note starts the first bar.
  const clear = span >= 2 * beatsPerMeasure && (evidence[beatsPerMeasure] ?? 0) > MIN_CONTRAST;
  const phase = clear ? (phases[beatsPerMeasure] ?? 0) : ((firstBeat % beatsPerMeasure) + beatsPerMeasure) % beatsPerMeasure;
  return { beatsPerMeasure, downbeatPhase: phase, evidence };
}

/** The metre the score is written in, and how the tracked beats map onto it. */
export interface MetrePlan {
  readonly timeSignature: TimeSignature;
  /** The beats the metre counts: the tracked ones, or dotted quarters regrouped from their half beats. */
  readonly beats: readonly number[];
  /** Quarter notes per beat: 1, or 1.5 where the tracked beat is a dotted quarter (6/8, 9/8, 12/8). */
  readonly quartersPerBeat: number;
  /** Beats divide in three (the notated beat is dotted): quantise in eighths and sixteenths, never in triplets. */
  readonly compound: boolean;
  /** A downbeat, as a position in `beats` (fractional only for bars such as 5/8). */
  readonly downbeatPhase: number;
}

/** Mean squared distances of the off-beat onsets to a beat's quarters and to its thirds, and how many there were. */
export interface OffBeatFit {
  readonly binary: number;
  readonly ternary: number;
  readonly count: number;
}

/**
 * How the notes' off-beat onsets fit a beat's quarters and its thirds. Chord notes and rolled chords (onsets within
 * 35 ms) count once; onsets within a tenth of a beat of the beat say nothing and are skipped.
 */
export function offBeatFit(notes: readonly Note[], beats: readonly number[]): OffBeatFit {
  let binary = 0;
  let ternary = 0;
  let count = 0;
  let previous = Number.NEGATIVE_INFINITY;
  for (const note of notes) {
    if (note.onsetSeconds - previous < 0.035) continue;
    previous = note.onsetSeconds;
    const x = beatPosition(beats, note.onsetSeconds);
    const frac = x - Math.floor(x);
    if (frac < 0.1 || frac > 0.9) continue;
    const eb = frac - Math.round(frac * 4) / 4;
    const et = frac - Math.round(frac * 3) / 3;
    binary += eb * eb;
    ternary += et * et;
    count += 1;
  }
  return count === 0 ? { binary: 0, ternary: 0, count } : { binary: binary / count, ternary: ternary / count, count };
}

/**
 * Compound metre when the off-beat onsets fit a beat's thirds with under COMPOUND_METRE_RATIO of the squared error of
 * its quarters; fewer than eight off-beat onsets say nothing.
 */
export function isCompound(notes: readonly Note[], beats: readonly number[]): boolean {
  const { binary, ternary, count } = offBeatFit(notes, beats);
  return count >= 8 && ternary < COMPOUND_METRE_RATIO * binary;
}

/**
 * Plans the written metre. With a hinted time signature: that signature, its beat (a dotted value in 6/8, 9/8, 12/8,
 * 6/16 …) taken as the tracked beat, and the downbeat phase from accents. Without: compound when the beats divide in
 * three (`isCompound`) or when the tracked beats' halves accent in threes rather than twos (the tracker took two
 * eighths of 6/8 for a beat; COMPOUND_ACCENT_BIAS), then the bar length in beats by downbeat contrast (`chooseMeter`):
 * 3/4 or 4/4 for simple beats; 6/8 unless 9/8 or 12/8 stand out by SHORTEST_BAR_BIAS for compound ones.
 */
export function planMetre(notes: readonly Note[], beats: readonly number[], hint?: TimeSignature): MetrePlan {
  if (hint !== undefined) {
    const compound = hint.beatType >= 8 && hint.beats % 3 === 0;
    const quartersPerBeat = compound ? 12 / hint.beatType : 1;
    const barBeats = (4 * hint.beats) / hint.beatType / quartersPerBeat;
    const first = notes.length === 0 ? 0 : Math.round(beatPosition(beats, (notes[0] as Note).onsetSeconds));
    const downbeatPhase = Number.isInteger(barBeats) ? chooseMeter(notes, beats, { beatsPerMeasure: barBeats }).downbeatPhase : first;
    return { timeSignature: hint, beats, quartersPerBeat, compound, downbeatPhase };
  }
  if (isCompound(notes, beats)) return planCompound(notes, beats);
  // The tracker often locks onto two eighths of a compound metre: group its half beats in threes where they accent so.
  const halves = subdivide(beats, 2);
  const accents = beatAccents(notes, halves);
  const [lo, hi] = coveredRange(notes, halves);
  const inTwos = groupingContrast(accents, 2, 0, lo, hi);
  let inThrees = -Infinity;
  let threePhase = 0;
  for (let phase = 0; phase < 3; phase += 1) {
    const contrast = groupingContrast(accents, 3, phase, lo, hi);
    if (contrast > inThrees + 1e-9) {
      inThrees = contrast;
      threePhase = phase;
    }
  }
  if (hi - lo + 1 >= 12 && inThrees > Math.max(MIN_CONTRAST, inTwos * COMPOUND_ACCENT_BIAS)) {
    return planCompound(notes, halves.filter((_, k) => (k - threePhase) % 3 === 0));
  }
  const meter = chooseMeter(notes, beats);
  return { timeSignature: { beats: meter.beatsPerMeasure, beatType: 4 }, beats, quartersPerBeat: 1, compound: false, downbeatPhase: meter.downbeatPhase };
}

/** Every tracked beat cut into `parts` equal parts (the last beat kept whole). */
function subdivide(beats: readonly number[], parts: number): number[] {
  const out: number[] = [];
  for (let k = 0; k + 1 < beats.length; k += 1) {
    const a = beats[k] as number;
    const b = beats[k + 1] as number;
    for (let j = 0; j < parts; j += 1) out.push(a + ((b - a) * j) / parts);
  }
  if (beats.length > 0) out.push(beats[beats.length - 1] as number);
  return out;
}

/** The beat indices the notes span (first and last onset, rounded). */
function coveredRange(notes: readonly Note[], beats: readonly number[]): [number, number] {
  if (notes.length === 0) return [0, -1];
  const first = Math.round(beatPosition(beats, (notes[0] as Note).onsetSeconds));
  const last = Math.round(beatPosition(beats, (notes[notes.length - 1] as Note).onsetSeconds));
  return [Math.max(0, first), Math.min(beats.length - 1, last)];
}

/** How much the accents at every `period`-th beat from `phase` stand out from the rest, relative to the mean accent. */
function groupingContrast(accents: Float64Array, period: number, phase: number, lo: number, hi: number): number {
  let down = 0;
  let downCount = 0;
  let other = 0;
  let otherCount = 0;
  for (let i = lo; i <= hi; i += 1) {
    if ((((i - phase) % period) + period) % period === 0) {
      down += accents[i] as number;
      downCount += 1;
    } else {
      other += accents[i] as number;
      otherCount += 1;
    }
  }
  const mean = (down + other) / Math.max(1, downCount + otherCount);
  return mean === 0 ? 0 : (down / Math.max(1, downCount) - other / Math.max(1, otherCount)) / mean;
}

/** A compound metre over dotted-quarter beats: 6/8 unless 9/8 or 12/8 stand out by SHORTEST_BAR_BIAS. */
function planCompound(notes: readonly Note[], beats: readonly number[]): MetrePlan {
  const choices = [2, 3, 4].map((barBeats) => ({ barBeats, meter: chooseMeter(notes, beats, { beatsPerMeasure: barBeats }) }));
  const evidenceOf = (k: number): number => choices[k]?.meter.evidence[choices[k]?.barBeats ?? 0] ?? 0;
  let best = 0;
  for (const k of [1, 2]) if (evidenceOf(k) > Math.max(MIN_CONTRAST, evidenceOf(best) * SHORTEST_BAR_BIAS)) best = k;
  const chosen = choices[best] as { barBeats: number; meter: MeterChoice };
  return { timeSignature: { beats: 3 * chosen.barBeats, beatType: 8 }, beats, quartersPerBeat: 1.5, compound: true, downbeatPhase: chosen.meter.downbeatPhase };
}
