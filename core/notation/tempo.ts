/**
 * Tempo estimation and beat tracking from note onsets, after D. P. W. Ellis, "Beat Tracking by Dynamic Programming",
 * J. New Music Research 36(1), 2007: an onset-strength envelope, a tempo from its prior-weighted autocorrelation,
 * then the beat sequence that best balances landing on onsets against keeping the (local) tempo.
 */
import type { Note } from '../types';
import {
  BEAT_TIGHTNESS,
  DEFAULT_TEMPO_BPM,
  ENVELOPE_RATE_HZ,
  ENVELOPE_SIGMA_SECONDS,
  LOCAL_TEMPO_HOP_SECONDS,
  LOCAL_TEMPO_WINDOW_SECONDS,
  MAX_TEMPO_BPM,
  MIN_TEMPO_BPM,
  ONSET_CLUSTER_SECONDS,
  TEMPO_PRIOR_CENTRE_BPM,
  TEMPO_PRIOR_OCTAVES,
  TEMPO_SWITCH_COST,
} from './constants';

/** An onset event: one or more notes starting together. */
export interface OnsetEvent {
  readonly timeSeconds: number;
  /** Accent strength: loudness and number of notes. */
  readonly weight: number;
}

/** The tracked beats. */
export interface BeatTrack {
  /** Global tempo, quarter notes per minute. */
  readonly bpm: number;
  /** Beat times in seconds, ascending, roughly one beat period apart. */
  readonly beatTimesSeconds: number[];
}

/** Groups note onsets closer than ONSET_CLUSTER_SECONDS into events. Notes must be sorted by onset. */
export function onsetEvents(notes: readonly Note[]): OnsetEvent[] {
  const events: OnsetEvent[] = [];
  let start = 0;
  while (start < notes.length) {
    const first = notes[start] as Note;
    let end = start + 1;
    let loudest = first.velocity;
    while (end < notes.length && (notes[end] as Note).onsetSeconds - first.onsetSeconds < ONSET_CLUSTER_SECONDS) {
      loudest = Math.max(loudest, (notes[end] as Note).velocity);
      end += 1;
    }
    const count = end - start;
    // Loudness dominates; extra chord notes add accent but saturate so a cluster cannot drown a melody.
    events.push({ timeSeconds: first.onsetSeconds, weight: 0.5 + loudest / 127 + 0.25 * Math.min(count - 1, 4) });
    start = end;
  }
  return events;
}

/** Onset-strength envelope at ENVELOPE_RATE_HZ: a Gaussian bump (peak = weight) per event, padded 2 s at the end. */
export function onsetEnvelope(events: readonly OnsetEvent[]): Float64Array {
  const last = events.length === 0 ? 0 : (events[events.length - 1] as OnsetEvent).timeSeconds;
  const length = Math.ceil((Math.max(0, last) + 2) * ENVELOPE_RATE_HZ) + 1;
  const envelope = new Float64Array(length);
  const sigma = ENVELOPE_SIGMA_SECONDS * ENVELOPE_RATE_HZ;
  const radius = Math.ceil(3 * sigma);
  for (const event of events) {
    const centre = Math.max(0, event.timeSeconds) * ENVELOPE_RATE_HZ;
    const lo = Math.max(0, Math.floor(centre) - radius);
    const hi = Math.min(length - 1, Math.ceil(centre) + radius);
    for (let frame = lo; frame <= hi; frame += 1) {
      const z = (frame - centre) / sigma;
      envelope[frame] = (envelope[frame] as number) + event.weight * Math.exp(-0.5 * z * z);
    }
  }
  return envelope;
}

function tempoPrior(lagFrames: number): number {
  const bpm = (60 * ENVELOPE_RATE_HZ) / lagFrames;
  const octaves = Math.log2(bpm / TEMPO_PRIOR_CENTRE_BPM) / TEMPO_PRIOR_OCTAVES;
  return Math.exp(-0.5 * octaves * octaves);
}

/**
 * Mean-normalised autocorrelation of envelope[from, to) for lag 0 and lags minLag … maxLag (the others are left 0:
 * the callers read only their candidate periods and their doubles, and skipping the short lags saves a fifth of the
 * beat tracker's time).
 */
function autocorrelation(envelope: Float64Array, from: number, to: number, maxLag: number, minLag = 0): Float64Array {
  const ac = new Float64Array(maxLag + 1);
  for (let lag = 0; lag <= maxLag && lag < to - from; lag = lag === 0 ? Math.max(1, minLag) : lag + 1) {
    let sum = 0;
    for (let t = from; t + lag < to; t += 1) sum += (envelope[t] as number) * (envelope[t + lag] as number);
    ac[lag] = sum / (to - from - lag);
  }
  return ac;
}

/**
 * Periodicity of a beat period: its autocorrelation plus half that of its double (after Ellis's TPS2, which adds the
 * neighbouring metrical level). The true beat has support at the two-beat level too, while a syncopation period
 * (say 3/4 of a beat) mostly does not. The half-beat level is left out: it would pull every tempo an octave down.
 */
function harmonicScore(ac: Float64Array, lag: number): number {
  return (ac[lag] ?? 0) + 0.5 * (ac[2 * lag] ?? 0);
}

/**
 * Best beat period in frames over envelope[from, to), searched between minLag and maxLag with the tempo prior, with
 * parabolic refinement. Returns undefined when the envelope has no periodicity there (fewer than two onsets).
 */
function bestLag(envelope: Float64Array, from: number, to: number, minLag: number, maxLag: number): number | undefined {
  const lo = Math.max(2, Math.floor(minLag));
  const hi = Math.min(Math.ceil(maxLag), to - from - 1);
  if (hi < lo) return undefined;
  const ac = autocorrelation(envelope, from, to, 2 * (hi + 1), lo - 1);
  const score = (lag: number): number => harmonicScore(ac, lag) * tempoPrior(lag);
  // A lone onset's bump overlaps itself a little at short lags; demand real repetition.
  const floor = 1e-3 * (ac[0] as number);
  let best = -1;
  let bestScore = 0;
  for (let lag = lo; lag <= hi; lag += 1) {
    const value = score(lag);
    if (value > bestScore) {
      bestScore = value;
      best = lag;
    }
  }
  if (best < 0 || bestScore <= floor) return undefined;
  const left = score(best - 1);
  const right = score(best + 1);
  const curvature = left - 2 * bestScore + right;
  const shift = curvature < 0 ? (0.5 * (left - right)) / curvature : 0;
  return best + Math.max(-0.5, Math.min(0.5, shift));
}

/**
 * Estimates the global tempo (quarter notes per minute) of sorted notes from the autocorrelation of their onset
 * envelope, weighted by a log-Gaussian prior around TEMPO_PRIOR_CENTRE_BPM. DEFAULT_TEMPO_BPM without evidence.
 */
export function estimateTempo(notes: readonly Note[]): number {
  const envelope = onsetEnvelope(onsetEvents(notes));
  const lag = bestLag(envelope, 0, envelope.length, lagOf(MAX_TEMPO_BPM), lagOf(MIN_TEMPO_BPM));
  return lag === undefined ? DEFAULT_TEMPO_BPM : (60 * ENVELOPE_RATE_HZ) / lag;
}

function lagOf(bpm: number): number {
  return (60 * ENVELOPE_RATE_HZ) / bpm;
}

/**
 * Local beat period (frames) at every frame. Each analysis window scores candidate periods within a factor 1.5 of
 * the global one; a Viterbi path through the windows, charged TEMPO_SWITCH_COST per octave of change, follows real
 * tempo changes (which persist over several windows) but not a few bars of syncopation or a pause.
 */
function localPeriods(envelope: Float64Array, globalLag: number): Float64Array {
  const window = Math.round(LOCAL_TEMPO_WINDOW_SECONDS * ENVELOPE_RATE_HZ);
  const hop = Math.round(LOCAL_TEMPO_HOP_SECONDS * ENVELOPE_RATE_HZ);
  const periods = new Float64Array(envelope.length).fill(globalLag);
  if (envelope.length <= window) return periods;
  const lo = Math.max(2, Math.floor(globalLag / 1.5));
  const hi = Math.ceil(globalLag * 1.5);
  const states = hi - lo + 1;
  const centres: number[] = [];
  const evidence: Float64Array[] = [];
  for (let from = 0; from + window <= envelope.length; from += hop) {
    const ac = autocorrelation(envelope, from, from + window, 2 * (hi + 1), lo);
    const scores = new Float64Array(states);
    let max = 0;
    for (let s = 0; s < states; s += 1) {
      scores[s] = harmonicScore(ac, lo + s);
      max = Math.max(max, scores[s] as number);
    }
    // A window without onsets says nothing: equal evidence for every period.
    for (let s = 0; s < states; s += 1) scores[s] = Math.log(0.05 + (max > 0 ? (scores[s] as number) / max : 1));
    centres.push(from + window / 2);
    evidence.push(scores);
  }
  const switchCost = (a: number, b: number): number => TEMPO_SWITCH_COST * Math.abs(Math.log2((lo + a) / (lo + b)));
  let total = Float64Array.from(evidence[0] as Float64Array, (e, s) => e - 0.5 * switchCost(s, Math.round(globalLag) - lo));
  const back: Int32Array[] = [];
  for (let w = 1; w < evidence.length; w += 1) {
    const next = new Float64Array(states);
    const from = new Int32Array(states);
    for (let s = 0; s < states; s += 1) {
      let best = -Infinity;
      for (let r = 0; r < states; r += 1) {
        const value = (total[r] as number) - switchCost(r, s);
        if (value > best) {
          best = value;
          from[s] = r;
        }
      }
      next[s] = best + ((evidence[w] as Float64Array)[s] as number);
    }
    back.push(from);
    total = next;
  }
  let state = 0;
  for (let s = 1; s < states; s += 1) if ((total[s] as number) > (total[state] as number)) state = s;
  const path = new Array<number>(evidence.length);
  for (let w = evidence.length - 1; w >= 0; w -= 1) {
    path[w] = lo + state;
    if (w > 0) state = (back[w - 1] as Int32Array)[state] as number;
  }
  let k = 0;
  for (let frame = 0; frame < envelope.length; frame += 1) {
    while (k + 1 < centres.length && (centres[k + 1] as number) <= frame) k += 1;
    const c0 = centres[k] as number;
    const next = centres[k + 1];
    if (frame <= c0 || next === undefined) periods[frame] = path[k] as number;
    else {
      const f = (frame - c0) / (next - c0);
      periods[frame] = (path[k] as number) * (1 - f) + (path[k + 1] as number) * f;
    }
  }
  return periods;
}

/** Options of `trackBeats`. */
export interface TrackBeatsOptions {
  /** A known tempo (quarter notes per minute, from ScoreHints): the global beat period is searched only near it. */
  readonly tempoBpm?: number;
}

/** How far (a factor either way) the global tempo may stray from a hinted one: performers rarely keep to the mark. */
const HINTED_TEMPO_TOLERANCE = 1.08;

/**
 * Tracks beats through sorted notes (Ellis 2007 dynamic programme with a time-varying period), then extends the
 * sequence at the local period so that it covers [fromSeconds, toSeconds].
 */
export function trackBeats(
  notes: readonly Note[],
  cover: { fromSeconds: number; toSeconds: number },
  options: TrackBeatsOptions = {},
): BeatTrack {
  const envelope = onsetEnvelope(onsetEvents(notes));
  const hinted = options.tempoBpm;
  // A known tempo only narrows the global search: the local periods still follow rubato around it.
  const [fastest, slowest] = hinted === undefined ? [MAX_TEMPO_BPM, MIN_TEMPO_BPM] : [hinted * HINTED_TEMPO_TOLERANCE, hinted / HINTED_TEMPO_TOLERANCE];
  const globalLag = bestLag(envelope, 0, envelope.length, lagOf(fastest), lagOf(slowest)) ?? (hinted === undefined ? undefined : lagOf(hinted));
  let beats: number[];
  if (globalLag === undefined) {
    const first = notes[0]?.onsetSeconds ?? 0;
    beats = [first];
  } else {
    beats = dynamicProgrammeBeats(envelope, localPeriods(envelope, globalLag)).map((f) => f / ENVELOPE_RATE_HZ);
  }
  const fallbackPeriod = 60 / (globalLag === undefined ? DEFAULT_TEMPO_BPM : (60 * ENVELOPE_RATE_HZ) / globalLag);
  const extended = extendBeats(beats, fallbackPeriod, cover);
  const bpm = globalLag === undefined ? DEFAULT_TEMPO_BPM : medianBpm(beats, fallbackPeriod);
  return { bpm, beatTimesSeconds: extended };
}

function medianBpm(beats: readonly number[], fallbackPeriod: number): number {
  const intervals: number[] = [];
  for (let i = 1; i < beats.length; i += 1) intervals.push((beats[i] as number) - (beats[i - 1] as number));
  if (intervals.length === 0) return 60 / fallbackPeriod;
  intervals.sort((a, b) => a - b);
  const mid = intervals.length >> 1;
  const median = intervals.length % 2 === 1 ? (intervals[mid] as number) : ((intervals[mid - 1] as number) + (intervals[mid] as number)) / 2;
  return 60 / median;
}

function dynamicProgrammeBeats(envelope: Float64Array, periods: Float64Array): number[] {
  const n = envelope.length;
  const score = new Float64Array(n);
  const back = new Int32Array(n).fill(-1);
  for (let t = 0; t < n; t += 1) {
    const period = periods[t] as number;
    const lo = Math.max(0, Math.floor(t - 2 * period));
    const hi = Math.floor(t - period / 2);
    let best = 0;
    let bestFrom = -1;
    for (let p = lo; p <= hi; p += 1) {
      const r = Math.log((t - p) / period);
      const candidate = (score[p] as number) - BEAT_TIGHTNESS * r * r;
      if (candidate > best) {
        best = candidate;
        bestFrom = p;
      }
    }
    score[t] = (envelope[t] as number) + best;
    back[t] = bestFrom;
  }
  // End on the best-scoring frame within the last period of the envelope (Ellis's choice).
  const lastPeriod = periods[n - 1] as number;
  let end = n - 1;
  for (let t = Math.max(0, Math.floor(n - 1 - lastPeriod)); t < n; t += 1) {
    if ((score[t] as number) > (score[end] as number)) end = t;
  }
  const beats: number[] = [];
  for (let t = end; t >= 0; t = back[t] as number) beats.push(t);
  return beats.reverse();
}

/** Extends beats backwards and forwards at the period of their nearest intervals until they cover the range. */
function extendBeats(beats: number[], fallbackPeriod: number, cover: { fromSeconds: number; toSeconds: number }): number[] {
  const out = beats.length === 0 ? [0] : [...beats];
  const edgePeriod = (atStart: boolean): number => {
    if (out.length < 2) return fallbackPeriod;
    const span = Math.min(4, out.length - 1);
    return atStart
      ? ((out[span] as number) - (out[0] as number)) / span
      : ((out[out.length - 1] as number) - (out[out.length - 1 - span] as number)) / span;
  };
  const startPeriod = Math.max(60 / MAX_TEMPO_BPM, edgePeriod(true));
  const endPeriod = Math.max(60 / MAX_TEMPO_BPM, edgePeriod(false));
  const before: number[] = [];
  for (let t = (out[0] as number) - startPeriod; t + startPeriod > cover.fromSeconds; t -= startPeriod) before.push(t);
  const extended = [...before.reverse(), ...out];
  // Drop trailing beats the DP placed in the padding after the last note only if they are beyond the range.
  while (extended.length > 2 && (extended[extended.length - 2] as number) > cover.toSeconds) extended.pop();
  for (let t = (extended[extended.length - 1] as number) + endPeriod; (extended[extended.length - 1] as number) < cover.toSeconds; t += endPeriod) {
    extended.push(t);
  }
  return extended;
}
