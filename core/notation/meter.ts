/** Time signature and downbeat phase from accent evidence at the tracked beats. */
import type { Note } from '../types';
import { TRIPLE_METER_BIAS } from './constants';

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
