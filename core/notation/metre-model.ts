/**
 * The learned metre: the notation model (models/notescribe-notation-v1.onnx, trained by training/notation/train.py
 * on ASAP performances) reads frame features of the performed notes and gives per frame a beat and a downbeat
 * activation, the bar length (2, 3 or 4 beats) and whether the beat divides in three. `decodeMetre` turns those into
 * a beat grid and a metre that `buildScore` takes in place of its rule-based tracker (`BuildScoreOptions.metre`).
 */
import * as ort from 'onnxruntime-node';
import type { Note } from '../types';
import { ModelError } from '../model/errors';
import { createCheckedSession } from '../model/session';
import { NotationError } from './errors';
import { offBeatFit } from './meter';
import { sanitiseNotes } from './score';
import { onsetEvents } from './tempo';

/**
 * Feature frames per second (training/notation/notation_data.py FRAME_RATE_HZ; the card carries it and loading checks):
 * 20 ms frames keep a beat within beat F-measure's 70 ms while a three-minute piece stays 9000 frames.
 */
export const METRE_FRAME_RATE_HZ = 50;
/** Octave bands of the onset-count features, from C1 (notation_data.py OCTAVE_BANDS). */
export const METRE_OCTAVE_BANDS = 7;
/** Features per frame (notation_data.py FEATURE_COUNT; their order is `metreFeatures`'). */
export const METRE_FEATURE_COUNT = 2 + 12 + METRE_OCTAVE_BANDS + 2 + 1 + 1 + 12 + 12;
/** Bar lengths in beats the model tells apart, in the order of its bar-length channels (notation_data.py BAR_BEATS). */
export const METRE_BAR_BEATS = [2, 3, 4] as const;
/** ONNX tensor names (training/notation/metre_net.py) and the output channels' order. */
export const METRE_MODEL_IO = { input: 'features', output: 'metre' } as const;
export const METRE_OUTPUT_CHANNELS = ['beat', 'downbeat', 'bar2', 'bar3', 'bar4', 'compound'] as const;

/** The slowest and fastest beat the decoder accepts, beats per minute (the engine's tempo range). */
const MIN_BEAT_BPM = 30;
const MAX_BEAT_BPM = 240;

/** Tuning of `decodeMetre` (tuned on the evaluation's tuning pieces with scripts/eval-notation-beats.ts). */
export interface DecodeMetreOptions {
  /**
   * Penalty on the squared log ratio of consecutive beat intervals in the beat dynamic programme, in activation
   * units: at 10, a 10 % change of interval costs 0.09 × 10 ≈ 0.9 of one beat's activation, so rubato is followed
   * where the activations show it, and silent stretches keep the last interval.
   */
  readonly intervalTightness: number;
  /**
   * Each beat of the programme scores its activation less this: without it every extra beat (even on silence before
   * the first note) would add a little, and a sequence would start as early as it may; with it a sequence starts on
   * the first beat the model believes in.
   */
  readonly beatRewardFloor: number;
  /** A beat interval may stray this factor either way from the global period (no octave jumps mid-piece). */
  readonly localPeriodRange: number;
  /** Log-Gaussian prior on the global beat period: centre, beats per minute, and width in octaves. */
  readonly periodPriorBpm: number;
  readonly periodPriorOctaves: number;
  /**
   * Weight of the bar-length head's mean probability beside the downbeat contrast when the bar length is chosen
   * (contrast: mean downbeat activation on every n-th beat less that on the others, 0…1).
   */
  readonly barHeadWeight: number;
  /** Multiples of the global period also tried as the beat (`chooseBeatLevel`); empty: the global period only. */
  readonly levelFactors: readonly number[];
  /** Activation a beat must exceed to be worth its place when beat levels are compared. */
  readonly levelFloor: number;
  /** Weight of the log tempo prior (`periodPriorBpm`, `periodPriorOctaves`) against activation per second. */
  readonly levelPriorWeight: number;
  /** Weight of the notes' division evidence (`divisionEvidence`, thirds against quarters of the beat). */
  readonly divisionWeight: number;
  /** Subtracted from the division evidence of a ternary reading (negative: ternary readings are favoured). */
  readonly compoundBias: number;
  /**
   * Share of the cleanest division fit granted to a level with (almost) no onsets off its beats: all of it would call
   * such a level as likely as any; music that moves only on its beats is rarer than music that moves on their
   * divisions, so a slower level under which the same onsets fill the division's grid should still be able to win.
   */
  readonly sparseDivisionFit: number;
  /**
   * When the notes (almost) never fall between the beats tracked at the global period, those beats are the music's
   * surface (a waltz of crotchets, a chorale): read them as simple beats, and do not regroup them in threes as the
   * thirds of a slower compound beat. Without it the division head decides such a level, and the sub-beat prior
   * (trained on music that moves in its divisions) prefers the regrouping.
   */
  readonly surfaceBeatsStaySimple: boolean;
  /**
   * `divisionEvidence` is clamped to ± this before it counts: onsets on a beat's halves lie a sixth of a beat from
   * its thirds, but onsets on its thirds only a twelfth from its quarters, so unclamped the evidence for a binary
   * division runs up to 2.7 and that for a ternary one only to 1.5, and a slower binary level wins over the ternary
   * one on the same eighths. @default the ternary maximum (CLEANEST_TERNARY_FIT, 1.5)
   */
  readonly divisionEvidenceCap: number;
  /** Weight, centre (sub-beat over the median onset interval) and width (octaves) of the sub-beat prior. */
  readonly subBeatPriorWeight: number;
  readonly subBeatPerOnset: number;
  readonly subBeatPriorOctaves: number;
  /**
   * The sub-beat prior's penalty stops growing this many widths from its centre: a surface of beats only (a chorale,
   * a waltz's melody) says little about the sub-beat, and must not outvote a confident beat activation.
   */
  readonly subBeatPriorCap: number;
  /** Weight of the contrast between the activation on the beats and the strongest activation between them. */
  readonly contrastWeight: number;
  /**
   * Weights of the readings' features (`LEVEL_FEATURES`) in `chooseBeatLevel`'s linear score, in place of the ones the
   * hand-set weights above give (`handLevelWeights`); fitted by scripts/fit-metre-decoder.ts. Undefined: hand-set.
   */
  readonly levelWeights?: Readonly<Partial<Record<LevelFeature, number>>>;
  /**
   * Weights of the bar readings' features (`BAR_FEATURES`); the default is `FITTED_BAR_WEIGHTS`. Undefined: the
   * hand-set `handBarWeights` (downbeat contrast + `barHeadWeight` × the head, the decoder before the fit).
   */
  readonly barWeights?: Readonly<Partial<Record<BarFeature, number>>> | undefined;
}

/** Floor of the mean squared errors in `divisionEvidence`, beats². */
const DIVISION_ERROR_FLOOR = 2e-3;
/**
 * `divisionEvidence` of onsets exactly on one grid's points and a sixth of a beat off the other's (eighths against
 * triplets): the best fit a division can show.
 */
const CLEANEST_DIVISION_FIT = Math.log((1 / 36 + DIVISION_ERROR_FLOOR) / DIVISION_ERROR_FLOOR);
/** `divisionEvidence` of onsets on a beat's thirds only: a twelfth of a beat from its quarters' grid. */
const CLEANEST_TERNARY_FIT = Math.log((1 / 144 + DIVISION_ERROR_FLOOR) / DIVISION_ERROR_FLOOR);

/**
 * The bar stage's weights fitted to models/notescribe-notation-v1 1.1.0 (`scripts/fit-metre-decoder.ts TRAIN.json VAL.json
 * --stage bar` on the 717 training performances, augmented once; docs/notation.md "Fitting the decoder's weights"): on
 * the tuning pieces' 92 performances downbeat F 0.346 → 0.375 against the hand-set `handBarWeights`. They belong to
 * that model's activations: refit them with a new model.
 */
export const FITTED_BAR_WEIGHTS: Readonly<Record<BarFeature, number>> = {
  downbeatContrast: 5.5024,
  barHead: 3.1434,
  twoBeats: 1.1136,
  threeBeats: -0.1373,
  onsetContrast: -0.4349,
  loudnessContrast: -0.3109,
  bassContrast: 1.2165,
  lengthContrast: 0.6965,
  harmonyContrast: 1.2291,
};

export const DEFAULT_DECODE_METRE_OPTIONS: DecodeMetreOptions = {
  intervalTightness: 10,
  beatRewardFloor: 0.1,
  localPeriodRange: 1.4,
  periodPriorBpm: 100,
  periodPriorOctaves: 1,
  barHeadWeight: 0.5,
  levelFactors: [0.5, 2, 3],
  levelFloor: 0.15,
  levelPriorWeight: 0,
  divisionWeight: 1,
  compoundBias: -0.5,
  sparseDivisionFit: 1,
  surfaceBeatsStaySimple: true,
  divisionEvidenceCap: CLEANEST_TERNARY_FIT,
  subBeatPriorWeight: 0.5,
  subBeatPerOnset: 2.5,
  subBeatPriorOctaves: 0.6,
  subBeatPriorCap: 2.5,
  contrastWeight: 1,
  barWeights: FITTED_BAR_WEIGHTS,
};

/** The model's reading of the metre, as `buildScore` takes it. */
export interface MetreEstimate {
  /** Notated beats (quarters in simple metres, dotted quarters in compound ones), seconds, ascending. */
  readonly beatTimesSeconds: readonly number[];
  /** Index into `beatTimesSeconds` of a downbeat. */
  readonly downbeatIndex: number;
  /** Beats per bar: 2, 3 or 4. */
  readonly barBeats: number;
  /** Beats divide in three (6/8, 9/8, 12/8). */
  readonly compound: boolean;
}

/** The notation model card (models/notescribe-notation-v1.card.json), the fields the engine reads. */
export interface NotationModelCard {
  readonly name: string;
  readonly input: { readonly name: string; readonly frameRateHz: number; readonly featureCount: number; readonly octaveBands: number };
  readonly output: { readonly name: string; readonly channels: readonly string[]; readonly barBeats: readonly number[] };
  readonly [extra: string]: unknown;
}

/** A loaded, checked notation model. */
export interface NotationModel {
  readonly card: NotationModelCard;
  /** The metre of performed notes (any order); undefined when they are too few to show one (the rules decide then). */
  estimateMetre(notes: readonly Note[], options?: Partial<DecodeMetreOptions>): Promise<MetreEstimate | undefined>;
  /** The model's raw output for performed notes: logits `[6][frames]` and the sanitised notes they are of; undefined under four notes. */
  metreLogits(notes: readonly Note[]): Promise<{ readonly logits: Float32Array; readonly frames: number; readonly notes: readonly Note[] } | undefined>;
  release(): Promise<void>;
}

/** Options of `loadNotationModel`. */
export interface LoadNotationModelOptions {
  /** onnxruntime intra-op threads (1 for the one-core benchmark). @default onnxruntime's choice */
  readonly intraOpNumThreads?: number;
}

/**
 * Parses a notation model card and checks it against this engine's features and outputs: every difference is
 * collected, then one `ModelError` (`MODEL_MISMATCH`) names them all; text that is not JSON is `MODEL_LOAD_FAILED`.
 */
export function parseNotationModelCard(bytes: Uint8Array | string): NotationModelCard {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes);
  let card: NotationModelCard;
  try {
    card = JSON.parse(text) as NotationModelCard;
  } catch (error) {
    throw new ModelError('MODEL_LOAD_FAILED', `The notation model card is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const problems: string[] = [];
  const expect = (what: string, actual: unknown, wanted: unknown): void => {
    if (JSON.stringify(actual) !== JSON.stringify(wanted)) problems.push(`${what} is ${JSON.stringify(actual)}, the engine's is ${JSON.stringify(wanted)}`);
  };
  expect('input.name', card.input?.name, METRE_MODEL_IO.input);
  expect('input.frameRateHz', card.input?.frameRateHz, METRE_FRAME_RATE_HZ);
  expect('input.featureCount', card.input?.featureCount, METRE_FEATURE_COUNT);
  expect('input.octaveBands', card.input?.octaveBands, METRE_OCTAVE_BANDS);
  expect('output.name', card.output?.name, METRE_MODEL_IO.output);
  expect('output.channels', card.output?.channels, METRE_OUTPUT_CHANNELS);
  expect('output.barBeats', card.output?.barBeats, METRE_BAR_BEATS);
  if (problems.length > 0) throw new ModelError('MODEL_MISMATCH', `Notation model card "${String(card.name)}" does not fit this engine: ${problems.join('; ')}`);
  return card;
}

/**
 * Loads the notation model from its ONNX bytes and card, and checks that the graph has the card's tensors.
 *
 * @example
 * const model = await loadNotationModel(onnxBytes, parseNotationModelCard(cardBytes));
 * const metre = await model.estimateMetre(notes);
 * const score = buildScore(notes, metre === undefined ? {} : { metre });
 */
export async function loadNotationModel(onnxBytes: Uint8Array, card: NotationModelCard, options: LoadNotationModelOptions = {}): Promise<NotationModel> {
  const tensors = { inputs: [{ name: METRE_MODEL_IO.input }], outputs: [{ name: METRE_MODEL_IO.output }] };
  const { session } = await createCheckedSession('Notation model', onnxBytes, card, tensors, options);
  const metreLogits: NotationModel['metreLogits'] = async (raw) => {
    // The notes buildScore will see: clamped, finite, by onset.
    const notes = sanitiseNotes(raw);
    if (notes.length < 4) return undefined;
    const frames = metreFrameCount(notes);
    const input = new ort.Tensor('float32', metreFeatures(notes, frames), [1, METRE_FEATURE_COUNT, frames]);
    const result = await session.run({ [METRE_MODEL_IO.input]: input });
    const output = result[METRE_MODEL_IO.output];
    if (output === undefined) throw new NotationError(`Notation model "${card.name}" returned no "${METRE_MODEL_IO.output}"`);
    return { logits: output.data as Float32Array, frames, notes };
  };
  return {
    card,
    metreLogits,
    async estimateMetre(raw, decodeOptions = {}) {
      const output = await metreLogits(raw);
      return output === undefined ? undefined : decodeMetre(output.logits, output.frames, output.notes, decodeOptions);
    },
    release: () => session.release(),
  };
}

/** Frames the model is run over: to one second past the last note's end. */
export function metreFrameCount(notes: readonly Note[]): number {
  const end = notes.reduce((e, n) => Math.max(e, n.offsetSeconds, n.onsetSeconds), 0);
  return Math.floor((end + 1) * METRE_FRAME_RATE_HZ) + 1;
}

/**
 * Frame features `[METRE_FEATURE_COUNT][frames]` (row-major) of notes, as training/notation/notation_data.py `features`:
 * per frame, of the notes starting in it, log(1 + count), loudest velocity / 127, velocity-weighted chroma (max, 12),
 * log(1 + onsets) per octave band from C1 (7), lowest and highest pitch ((p − 21) / 87), log2 of the longest duration
 * / 4 + 1 (clipped to −1…2); and log(1 + notes sounding); then 1 for each pitch class sounding (12) and 1 for the
 * pitch class of the lowest note starting (12).
 */
export function metreFeatures(notes: readonly Note[], frames: number): Float32Array {
  const x = new Float32Array(METRE_FEATURE_COUNT * frames);
  const count = new Float32Array(frames);
  const low = new Float64Array(frames).fill(Infinity);
  const high = new Float64Array(frames).fill(-Infinity);
  const longest = new Float64Array(frames);
  const delta = new Float32Array(frames + 1);
  const classDelta = new Float32Array(12 * (frames + 1));
  const band0 = 14;
  const r = band0 + METRE_OCTAVE_BANDS;
  for (const note of notes) {
    const frame = Math.floor(note.onsetSeconds * METRE_FRAME_RATE_HZ + 0.5);
    if (frame < 0 || frame >= frames) continue;
    const pitch = Math.round(note.pitch);
    const velocity = note.velocity / 127;
    count[frame] = (count[frame] as number) + 1;
    x[frames + frame] = Math.max(x[frames + frame] as number, velocity);
    const chroma = (2 + (((pitch % 12) + 12) % 12)) * frames + frame;
    x[chroma] = Math.max(x[chroma] as number, velocity);
    const band = Math.min(METRE_OCTAVE_BANDS - 1, Math.max(0, Math.floor((pitch - 24) / 12)));
    x[(band0 + band) * frames + frame] = (x[(band0 + band) * frames + frame] as number) + 1;
    low[frame] = Math.min(low[frame] as number, pitch);
    high[frame] = Math.max(high[frame] as number, pitch);
    longest[frame] = Math.max(longest[frame] as number, Math.max(note.offsetSeconds - note.onsetSeconds, 1e-3));
    const off = Math.min(frames, Math.max(0, Math.floor(note.offsetSeconds * METRE_FRAME_RATE_HZ + 0.5)));
    delta[frame] = (delta[frame] as number) + 1;
    const end = Math.max(off, frame + 1);
    delta[end] = (delta[end] as number) - 1;
    const pc = ((pitch % 12) + 12) % 12;
    classDelta[pc * (frames + 1) + frame] = (classDelta[pc * (frames + 1) + frame] as number) + 1;
    classDelta[pc * (frames + 1) + end] = (classDelta[pc * (frames + 1) + end] as number) - 1;
  }
  const classRow = r + 4;
  for (let pc = 0; pc < 12; pc += 1) {
    let on = 0;
    for (let f = 0; f < frames; f += 1) {
      on += classDelta[pc * (frames + 1) + f] as number;
      if (on > 0.5) x[(classRow + pc) * frames + f] = 1;
    }
  }
  let sounding = 0;
  for (let f = 0; f < frames; f += 1) {
    const c = count[f] as number;
    x[f] = Math.log1p(c);
    for (let b = 0; b < METRE_OCTAVE_BANDS; b += 1) x[(band0 + b) * frames + f] = Math.log1p(x[(band0 + b) * frames + f] as number);
    if (c > 0) {
      x[r * frames + f] = ((low[f] as number) - 21) / 87;
      x[(r + 1) * frames + f] = ((high[f] as number) - 21) / 87;
      x[(r + 2) * frames + f] = Math.min(2, Math.max(-1, Math.log2(longest[f] as number) / 4 + 1));
      x[(classRow + 12 + ((((low[f] as number) % 12) + 12) % 12)) * frames + f] = 1;
    }
    sounding += delta[f] as number;
    x[(r + 3) * frames + f] = Math.log1p(Math.max(0, sounding));
  }
  return x;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * Beats and metre from the model's output logits `[6][frames]` (row-major, METRE_OUTPUT_CHANNELS): the global beat
 * period from the beat activation's autocorrelation (log-Gaussian prior, `periodPriorBpm`); beats by a dynamic
 * programme over the beat activation whose intervals stay within `localPeriodRange` of a period and pay
 * `intervalTightness` for changing (Ellis 2007, with the previous interval as the reference instead of a fixed one,
 * so rubato is followed), run at that period and its multiples, the beat level and its division (two or three) then
 * chosen over the whole performance (`chooseBeatLevel`; the division head's mean only where the notes say nothing);
 * the bar length and the downbeat together: the bar length n (2, 3, 4) and phase whose every n-th beat has the most
 * downbeat activation above the other beats', plus `barHeadWeight` times the bar-length head's mean probability of n.
 * Undefined without a period.
 */
export function decodeMetre(
  logits: Float32Array,
  frames: number,
  notes: readonly Note[],
  options: Partial<DecodeMetreOptions> = {},
): MetreEstimate | undefined {
  const tuning = { ...DEFAULT_DECODE_METRE_OPTIONS, ...options };
  const reading = readActivations(logits, frames, notes, tuning);
  if (reading === undefined) return undefined;
  const { beat, down, first, last, period, bar, headCompound } = reading;
  // With no division evidence (divisionWeight 0, or too few off-beat onsets) the division head's reading stands.
  const { frames: beatFrames, compound: isCompound } = chooseBeatLevel(beat, first, last, period, notes, tuning, headCompound);
  if (beatFrames.length < 2) return undefined;
  const beats = extend(beatFrames.map((f) => f / METRE_FRAME_RATE_HZ), notes);
  const weights = tuning.barWeights ?? handBarWeights(tuning);
  let barBeats = 4;
  let downbeatIndex = 0;
  let bestScore = -Infinity;
  for (const candidate of barCandidates(beats, down, first, last, bar, notes)) {
    const score = barScore(candidate, weights);
    if (score > bestScore + 1e-12) {
      bestScore = score;
      barBeats = candidate.barBeats;
      downbeatIndex = candidate.downbeatIndex;
    }
  }
  return { beatTimesSeconds: beats, downbeatIndex, barBeats, compound: isCompound };
}

/** The model's activations over one performance, as `decodeMetre` reads them. */
interface MetreActivations {
  readonly beat: Float64Array;
  readonly down: Float64Array;
  /** Frames of the first onset and the last. */
  readonly first: number;
  readonly last: number;
  /** The global beat period, frames. */
  readonly period: number;
  /** The bar-length head's summed probabilities of 2, 3 and 4 beats over the notes' span. */
  readonly bar: readonly number[];
  /** The division head's mean probability of a ternary beat over the notes' span. */
  readonly headCompound: number;
}

function readActivations(logits: Float32Array, frames: number, notes: readonly Note[], tuning: DecodeMetreOptions): MetreActivations | undefined {
  const beat = new Float64Array(frames);
  const down = new Float64Array(frames);
  for (let f = 0; f < frames; f += 1) {
    beat[f] = sigmoid(logits[f] as number);
    down[f] = sigmoid(logits[frames + f] as number);
  }
  const first = Math.max(0, Math.floor((notes[0]?.onsetSeconds ?? 0) * METRE_FRAME_RATE_HZ));
  const lastOnset = notes.reduce((e, n) => Math.max(e, n.onsetSeconds), 0);
  const last = Math.min(frames - 1, Math.ceil(lastOnset * METRE_FRAME_RATE_HZ));
  // Bar length and division: mean probabilities over the span of the notes.
  const bar = [0, 0, 0];
  let compound = 0;
  for (let f = first; f <= last; f += 1) {
    const l = [2, 3, 4].map((c) => logits[c * frames + f] as number);
    const m = Math.max(...l);
    const e = l.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    e.forEach((v, k) => (bar[k] = (bar[k] as number) + v / s));
    compound += sigmoid(logits[5 * frames + f] as number);
  }
  const period = globalPeriod(beat, first, last, tuning);
  if (period === undefined) return undefined;
  return { beat, down, first, last, period, bar, headCompound: compound / Math.max(1, last - first + 1) };
}

/**
 * The readings of the beat `decodeMetre` chooses among for these logits, with their features (to fit `levelWeights`:
 * scripts/fit-metre-decoder.ts); beat frames at METRE_FRAME_RATE_HZ. Empty without a period.
 */
export function metreLevelCandidates(logits: Float32Array, frames: number, notes: readonly Note[], options: Partial<DecodeMetreOptions> = {}): BeatLevelCandidate[] {
  const tuning = { ...DEFAULT_DECODE_METRE_OPTIONS, ...options };
  const reading = readActivations(logits, frames, notes, tuning);
  if (reading === undefined) return [];
  return beatLevelCandidates(reading.beat, reading.first, reading.last, reading.period, notes, tuning, reading.headCompound);
}

/**
 * What the bar length n and downbeat phase are chosen by, for each (n, phase) over the chosen beats (those the notes
 * span):
 * - `downbeatContrast`: the mean downbeat activation on every n-th beat less that on the other beats;
 * - `barHead`: the bar-length head's mean probability of n; `twoBeats`, `threeBeats`: 1 for n = 2, 3 (4 is neither);
 * - the notes' contrasts, each the mean on the downbeats less that on the other beats over the spread on all beats:
 *   `onsetContrast` (notes struck with the beat), `loudnessContrast` (the loudest of them), `bassContrast` (how low the
 *   lowest of them is), `lengthContrast` (the longest of them, in beats), `harmonyContrast` (how far the pitch classes
 *   sounding from the beat to the next differ from those from the beat before).
 */
export const BAR_FEATURES = ['downbeatContrast', 'barHead', 'twoBeats', 'threeBeats', 'onsetContrast', 'loudnessContrast', 'bassContrast', 'lengthContrast', 'harmonyContrast'] as const;
export type BarFeature = (typeof BAR_FEATURES)[number];

/** The downbeats among `beats`: every `barBeats`-th beat from (and before) `downbeatIndex`. */
export function downbeatTimes(beats: readonly number[], reading: { readonly downbeatIndex: number; readonly barBeats: number }): number[] {
  const { downbeatIndex, barBeats } = reading;
  return beats.filter((_, k) => (((k - downbeatIndex) % barBeats) + barBeats) % barBeats === 0);
}

/** A bar length and downbeat phase with the features they are scored by. */
export interface BarCandidate {
  readonly barBeats: number;
  /** Index into the beats of a downbeat. */
  readonly downbeatIndex: number;
  readonly features: Readonly<Record<BarFeature, number>>;
}

/** The weights the hand-set options give the bar features: downbeat contrast plus `barHeadWeight` × the head. */
export function handBarWeights(tuning: DecodeMetreOptions): Record<BarFeature, number> {
  return {
    downbeatContrast: 1,
    barHead: tuning.barHeadWeight,
    twoBeats: 0,
    threeBeats: 0,
    onsetContrast: 0,
    loudnessContrast: 0,
    bassContrast: 0,
    lengthContrast: 0,
    harmonyContrast: 0,
  };
}

/** What the notes do at each beat: the per-beat values the bar features contrast. */
function beatNoteValues(beats: readonly number[], notes: readonly Note[]): { onsets: number[]; loudness: number[]; bass: number[]; length: number[]; harmony: number[] } {
  const n = beats.length;
  const onsets = new Array<number>(n).fill(0);
  const loudness = new Array<number>(n).fill(0);
  const bass = new Array<number>(n).fill(0);
  const length = new Array<number>(n).fill(0);
  const chroma = Array.from({ length: n }, () => new Float64Array(12));
  const interval = (k: number): number => ((beats[Math.min(n - 1, k + 1)] as number) - (beats[Math.max(0, Math.min(n - 2, k))] as number)) || 0.5;
  let k = 0;
  for (const note of notes) {
    while (k + 1 < n && (beats[k + 1] as number) <= note.onsetSeconds) k += 1;
    // The beat this onset is struck with: this one, or the next when the onset is just before it.
    const next = k + 1 < n && (beats[k + 1] as number) - note.onsetSeconds < 0.15 * interval(k) ? k + 1 : k;
    const d = interval(next);
    if (Math.abs(note.onsetSeconds - (beats[next] as number)) <= 0.15 * d) {
      onsets[next] = (onsets[next] as number) + 1;
      loudness[next] = Math.max(loudness[next] as number, note.velocity / 127);
      bass[next] = Math.max(bass[next] as number, (108 - note.pitch) / 87);
      length[next] = Math.max(length[next] as number, Math.min(8, (note.offsetSeconds - note.onsetSeconds) / d));
    }
    // Pitch classes sounding in each beat's span, weighted by how long.
    for (let b = k; b < n - 1 && (beats[b] as number) < note.offsetSeconds; b += 1) {
      const overlap = Math.min(note.offsetSeconds, beats[b + 1] as number) - Math.max(note.onsetSeconds, beats[b] as number);
      const span = chroma[b] as Float64Array;
      if (overlap > 0) span[note.pitch % 12] = (span[note.pitch % 12] as number) + overlap;
    }
  }
  const harmony = chroma.map((c, b) => {
    const previous = chroma[b - 1];
    if (previous === undefined) return 0;
    let dot = 0;
    let a2 = 0;
    let b2 = 0;
    for (let p = 0; p < 12; p += 1) {
      dot += (c[p] as number) * (previous[p] as number);
      a2 += (c[p] as number) ** 2;
      b2 += (previous[p] as number) ** 2;
    }
    return a2 === 0 || b2 === 0 ? 0 : 1 - dot / Math.sqrt(a2 * b2);
  });
  return { onsets, loudness, bass, length, harmony };
}

/**
 * Every bar length (METRE_BAR_BEATS) and downbeat phase over `beats` (seconds), with their features (`BAR_FEATURES`):
 * `down` is the downbeat activation per frame, [first, last] the notes' frames, `bar` the bar-length head's summed
 * probabilities of 2, 3 and 4 beats.
 */
export function barCandidates(beats: readonly number[], down: Float64Array, first: number, last: number, bar: readonly number[], notes: readonly Note[]): BarCandidate[] {
  const frames = down.length;
  // Downbeat activation at each beat (its peak within ±2 frames), over the beats the notes span.
  const peaks = beats.map((t) => {
    const centre = Math.round(t * METRE_FRAME_RATE_HZ);
    let peak = 0;
    for (let f = Math.max(0, centre - 2); f <= Math.min(frames - 1, centre + 2); f += 1) peak = Math.max(peak, down[f] as number);
    return peak;
  });
  const spanned = beats.map((t) => t >= first / METRE_FRAME_RATE_HZ - 0.05 && t <= last / METRE_FRAME_RATE_HZ + 0.05);
  const values = beatNoteValues(beats, notes);
  const totalProbability = Math.max(1e-9, bar.reduce((a, b) => a + b, 0));
  const contrastOf = (series: readonly number[], n: number, phase: number, normalise: boolean): number => {
    let on = 0;
    let onCount = 0;
    let off = 0;
    let offCount = 0;
    let sum = 0;
    let sumSquares = 0;
    series.forEach((value, k) => {
      if (!(spanned[k] as boolean)) return;
      sum += value;
      sumSquares += value * value;
      if ((k - phase) % n === 0) {
        on += value;
        onCount += 1;
      } else {
        off += value;
        offCount += 1;
      }
    });
    const contrast = on / Math.max(1, onCount) - off / Math.max(1, offCount);
    if (!normalise) return contrast;
    const count = onCount + offCount;
    const spread = Math.sqrt(Math.max(0, sumSquares / Math.max(1, count) - (sum / Math.max(1, count)) ** 2));
    return spread < 1e-9 ? 0 : contrast / spread;
  };
  const candidates: BarCandidate[] = [];
  METRE_BAR_BEATS.forEach((n, c) => {
    for (let phase = 0; phase < n; phase += 1) {
      candidates.push({
        barBeats: n,
        downbeatIndex: phase,
        features: {
          downbeatContrast: contrastOf(peaks, n, phase, false),
          barHead: (bar[c] as number) / totalProbability,
          twoBeats: n === 2 ? 1 : 0,
          threeBeats: n === 3 ? 1 : 0,
          onsetContrast: contrastOf(values.onsets, n, phase, true),
          loudnessContrast: contrastOf(values.loudness, n, phase, true),
          bassContrast: contrastOf(values.bass, n, phase, true),
          lengthContrast: contrastOf(values.length, n, phase, true),
          harmonyContrast: contrastOf(values.harmony, n, phase, true),
        },
      });
    }
  });
  return candidates;
}

/**
 * The bar readings `decodeMetre` chooses among for these logits (over the beats its level stage chooses), with the
 * beats (seconds) they index; empty without beats.
 */
export function metreBarCandidates(
  logits: Float32Array,
  frames: number,
  notes: readonly Note[],
  options: Partial<DecodeMetreOptions> = {},
): { readonly beats: readonly number[]; readonly candidates: readonly BarCandidate[] } {
  const tuning = { ...DEFAULT_DECODE_METRE_OPTIONS, ...options };
  const reading = readActivations(logits, frames, notes, tuning);
  if (reading === undefined) return { beats: [], candidates: [] };
  const { frames: beatFrames } = chooseBeatLevel(reading.beat, reading.first, reading.last, reading.period, notes, tuning, reading.headCompound);
  if (beatFrames.length < 2) return { beats: [], candidates: [] };
  const beats = extend(beatFrames.map((f) => f / METRE_FRAME_RATE_HZ), notes);
  return { beats, candidates: barCandidates(beats, reading.down, reading.first, reading.last, reading.bar, notes) };
}

/** A reading of the notated beat: its frames and whether it divides in three. */
export interface BeatLevel {
  readonly frames: number[];
  readonly compound: boolean;
}

/**
 * What `chooseBeatLevel` knows of each reading of the beat, the terms of its linear score:
 * - `activation`: the beat activation its beats collect above `levelFloor`, per second (beats skipped at too slow a
 *   level cost theirs);
 * - `contrast`: the mean activation on its beats less the strongest activation between them, away from both;
 * - `tempoPrior`: −½ z² of the log tempo prior (`periodPriorBpm`, `periodPriorOctaves`); `tempoOctaves`: z itself;
 * - `divisionFit`: how cleanly the off-beat onsets fit the reading's division (`divisionEvidence`, clamped to
 *   ±`divisionEvidenceCap`, less `compoundBias` when ternary; `sparseDivisionFit` of the cleanest fit when almost no
 *   onsets fall off the beats);
 * - `subBeatPrior`: −½ z² (z capped at `subBeatPriorCap`) of the prior that the sub-beat (the beat over its division,
 *   MV2H's tatum) is `subBeatPerOnset` median onset intervals; `subBeatOctaves`: z itself, uncapped but within ±4;
 * - `compound`: 1 for a ternary reading; `compoundHead`: the division head's mean probability for the reading's
 *   division, less ½.
 */
export const LEVEL_FEATURES = ['activation', 'contrast', 'tempoPrior', 'tempoOctaves', 'divisionFit', 'subBeatPrior', 'subBeatOctaves', 'compound', 'compoundHead'] as const;
export type LevelFeature = (typeof LEVEL_FEATURES)[number];

/** A reading of the beat with the features `chooseBeatLevel` scores it by. */
export interface BeatLevelCandidate extends BeatLevel {
  /** The multiple of the global period it was tracked at. */
  readonly factor: number;
  readonly features: Readonly<Record<LevelFeature, number>>;
}

/** The weights the hand-set options give the features: the score `chooseBeatLevel` used before weights were fitted. */
export function handLevelWeights(tuning: DecodeMetreOptions): Record<LevelFeature, number> {
  return {
    activation: 1,
    contrast: tuning.contrastWeight,
    tempoPrior: tuning.levelPriorWeight,
    tempoOctaves: 0,
    divisionFit: tuning.divisionWeight,
    subBeatPrior: tuning.subBeatPriorWeight,
    subBeatOctaves: 0,
    compound: 0,
    compoundHead: 0,
  };
}

/** A candidate's linear score under `weights` (absent features weigh 0). */
export function levelScore(candidate: BeatLevelCandidate, weights: Readonly<Partial<Record<LevelFeature, number>>>): number {
  return weightedSum(LEVEL_FEATURES, candidate.features, weights);
}

/** A bar reading's score under `weights` (a feature without a weight counts 0). */
export function barScore(candidate: BarCandidate, weights: Readonly<Partial<Record<BarFeature, number>>>): number {
  return weightedSum(BAR_FEATURES, candidate.features, weights);
}

/** Σ weight × feature over `names`: how both decoder stages score a candidate. */
function weightedSum<F extends string>(names: readonly F[], features: Readonly<Record<F, number>>, weights: Readonly<Partial<Record<F, number>>>): number {
  return names.reduce((sum, name) => sum + (weights[name] ?? 0) * features[name], 0);
}

/**
 * The notated beat, decided over the whole performance. The autocorrelation cannot tell a period from its double (an
 * activation on every beat repeats at two beats as well), and the model's division head barely moves, so the beat
 * programme is run at the global period and at each of `levelFactors` times it (within the engine's tempo range), and
 * each sequence is read with a binary and a ternary division (`beatLevelCandidates`); the reading with the best
 * linear score of its features (`levelWeights`, or the hand-set weights) wins. The notated eighth is about two of
 * the surface's notes, whatever the tempo: hence the sub-beat prior.
 */
export function chooseBeatLevel(
  beat: Float64Array,
  first: number,
  last: number,
  period: number,
  notes: readonly Note[],
  tuning: DecodeMetreOptions,
  headCompound = 0.5,
): BeatLevel {
  const weights = tuning.levelWeights ?? handLevelWeights(tuning);
  let best: BeatLevel = { frames: [], compound: false };
  let bestScore = -Infinity;
  for (const candidate of beatLevelCandidates(beat, first, last, period, notes, tuning, headCompound)) {
    const score = levelScore(candidate, weights);
    if (score > bestScore + 1e-9) {
      bestScore = score;
      best = { frames: candidate.frames, compound: candidate.compound };
    }
  }
  return best;
}

/**
 * The readings `chooseBeatLevel` chooses among: the beat programme at the global period and `levelFactors` times it
 * (within the engine's tempo range), each read as simple and as compound, with their features (`LEVEL_FEATURES`).
 * Without off-beat onsets the notes say nothing of the division: only the division head's reading
 * (`headCompound` > ½: compound) is offered then.
 */
export function beatLevelCandidates(
  beat: Float64Array,
  first: number,
  last: number,
  period: number,
  notes: readonly Note[],
  tuning: DecodeMetreOptions,
  headCompound = 0.5,
): BeatLevelCandidate[] {
  const minPeriod = (60 * METRE_FRAME_RATE_HZ) / MAX_BEAT_BPM;
  const maxPeriod = (60 * METRE_FRAME_RATE_HZ) / MIN_BEAT_BPM;
  const seconds = Math.max(1, last - first + 1) / METRE_FRAME_RATE_HZ;
  const ioi = medianOnsetInterval(notes);
  const cleanest = Math.min(tuning.divisionEvidenceCap, CLEANEST_DIVISION_FIT);
  const candidates: BeatLevelCandidate[] = [];
  let surfaceBeats = false;
  for (const factor of [1, ...tuning.levelFactors]) {
    const candidate = period * factor;
    if (factor !== 1 && (candidate < minPeriod || candidate > maxPeriod)) continue;
    const frames = beatProgramme(beat, first, last, candidate, tuning);
    if (frames.length < 2) continue;
    let reward = 0;
    let onSum = 0;
    let gapSum = 0;
    let count = 0;
    frames.forEach((f, k) => {
      if (f < first - 2 || f > last + 2) return;
      let peak = 0;
      for (let g = Math.max(0, f - 2); g <= Math.min(beat.length - 1, f + 2); g += 1) peak = Math.max(peak, beat[g] as number);
      reward += peak - tuning.levelFloor;
      const next = frames[k + 1];
      if (next === undefined) return;
      // The strongest activation between this beat and the next, away from both: a beat the sequence skipped.
      const margin = Math.max(2, Math.round(0.2 * (next - f)));
      let gap = 0;
      for (let g = f + margin; g <= next - margin; g += 1) gap = Math.max(gap, beat[g] as number);
      onSum += peak;
      gapSum += gap;
      count += 1;
    });
    const contrast = count === 0 ? 0 : (onSum - gapSum) / count;
    const tempoOctaves = Math.log2((60 * METRE_FRAME_RATE_HZ) / candidate / tuning.periodPriorBpm) / tuning.periodPriorOctaves;
    const evidence = tuning.divisionWeight === 0 && tuning.levelWeights === undefined ? 0 : divisionEvidence(notes, frames.map((f) => f / METRE_FRAME_RATE_HZ));
    const clamped = Math.max(-tuning.divisionEvidenceCap, Math.min(tuning.divisionEvidenceCap, evidence));
    if (factor === 1) surfaceBeats = tuning.surfaceBeatsStaySimple && evidence === 0;
    const divisions = evidence !== 0 ? [false, true] : surfaceBeats ? [false] : [headCompound > 0.5];
    for (const compound of divisions) {
      if (surfaceBeats && compound && factor === 3) continue;
      // A level whose off-beat onsets sit cleanly on its division's grid is likely the notated one; one with (almost)
      // no onsets off its beats fits any division as cleanly as can be.
      const divisionFit = evidence === 0 ? tuning.sparseDivisionFit * cleanest : compound ? clamped - tuning.compoundBias : -clamped;
      let subBeatOctaves = 0;
      let subBeatPrior = 0;
      if (ioi !== undefined) {
        const subBeat = candidate / METRE_FRAME_RATE_HZ / (compound ? 3 : 2);
        subBeatOctaves = Math.max(-4, Math.min(4, Math.log2(subBeat / (tuning.subBeatPerOnset * ioi)) / tuning.subBeatPriorOctaves));
        const z = Math.min(tuning.subBeatPriorCap, Math.abs(subBeatOctaves));
        subBeatPrior = -0.5 * z * z;
      }
      candidates.push({
        frames,
        compound,
        factor,
        features: {
          activation: reward / seconds,
          contrast,
          tempoPrior: -0.5 * tempoOctaves * tempoOctaves,
          tempoOctaves,
          divisionFit,
          subBeatPrior,
          subBeatOctaves,
          compound: compound ? 1 : 0,
          compoundHead: compound ? headCompound - 0.5 : 0.5 - headCompound,
        },
      });
    }
  }
  return candidates;
}

/** Median interval (seconds) between onset events (tempo.ts `onsetEvents`: a chord is one); undefined under 8 events. */
export function medianOnsetInterval(notes: readonly Note[]): number | undefined {
  const events = onsetEvents(notes).map((event) => event.timeSeconds);
  if (events.length < 8) return undefined;
  const gaps = events.slice(1).map((t, k) => t - (events[k] as number)).sort((a, b) => a - b);
  return gaps[gaps.length >> 1];
}

/**
 * How much better the notes' off-beat onsets fit thirds of the beats than quarters (log of the ratio of mean squared
 * errors, as in meter.ts `isCompound`): positive for a beat that divides in three, negative for one in two, 0 under
 * eight off-beat onsets.
 */
export function divisionEvidence(notes: readonly Note[], beats: readonly number[]): number {
  const { binary, ternary, count } = offBeatFit(notes, beats);
  if (count < 8) return 0;
  return Math.log((binary + DIVISION_ERROR_FLOOR) / (ternary + DIVISION_ERROR_FLOOR));
}

/** The beat period (frames) whose autocorrelation of the beat activation over [first, last], times the prior, is largest. */
function globalPeriod(beat: Float64Array, first: number, last: number, tuning: DecodeMetreOptions): number | undefined {
  const lo = Math.floor((60 * METRE_FRAME_RATE_HZ) / MAX_BEAT_BPM);
  const hi = Math.ceil((60 * METRE_FRAME_RATE_HZ) / MIN_BEAT_BPM);
  let best: number | undefined;
  let bestScore = 0;
  for (let lag = lo; lag <= hi && lag < last - first; lag += 1) {
    let sum = 0;
    for (let t = first; t + lag <= last; t += 1) sum += (beat[t] as number) * (beat[t + lag] as number);
    const octaves = Math.log2((60 * METRE_FRAME_RATE_HZ) / lag / tuning.periodPriorBpm) / tuning.periodPriorOctaves;
    const score = (sum / (last - first + 1 - lag)) * Math.exp(-0.5 * octaves * octaves);
    if (score > bestScore) {
      bestScore = score;
      best = lag;
    }
  }
  return best;
}

/**
 * Best beat sequence over the activation: state (frame t, interval i into t); score(t, i) = act(t) + max over the
 * previous interval j of score(t − i, j) − intervalTightness · log²(i / j) (act less beatRewardFloor). A sequence may start within one interval
 * of the first onset and ends at the best state within one interval of the last.
 */
function beatProgramme(act: Float64Array, first: number, last: number, period: number, tuning: DecodeMetreOptions): number[] {
  const minI = Math.max(2, Math.floor(period / tuning.localPeriodRange));
  const maxI = Math.ceil(period * tuning.localPeriodRange);
  const width = maxI - minI + 1;
  const from = Math.max(0, first - maxI);
  const to = last + maxI;
  const n = Math.min(act.length, to + 1) - from;
  if (n <= maxI) return [];
  const score = new Float64Array(n * width).fill(-Infinity);
  const back = new Int32Array(n * width).fill(-1);
  // Transition costs by interval pair, computed once.
  const cost = new Float64Array(width * width);
  for (let a = 0; a < width; a += 1) {
    for (let b = 0; b < width; b += 1) {
      const r = Math.log((minI + a) / (minI + b));
      cost[a * width + b] = tuning.intervalTightness * r * r;
    }
  }
  const startLimit = first + maxI - from;
  for (let t = 0; t < n; t += 1) {
    const a = (act[from + t] as number) - tuning.beatRewardFloor;
    for (let i = 0; i < width; i += 1) {
      const p = t - (minI + i);
      let best = t <= startLimit ? 0 : -Infinity;
      let arg = -1;
      if (p >= 0) {
        const row = p * width;
        for (let j = 0; j < width; j += 1) {
          const v = (score[row + j] as number) - (cost[i * width + j] as number);
          if (v > best) {
            best = v;
            arg = j;
          }
        }
      }
      if (best === -Infinity) continue;
      score[t * width + i] = a + best;
      back[t * width + i] = arg;
    }
  }
  let bestT = -1;
  let bestI = 0;
  let bestScore = -Infinity;
  for (let t = Math.max(0, last - maxI - from); t < n; t += 1) {
    for (let i = 0; i < width; i += 1) {
      if ((score[t * width + i] as number) > bestScore) {
        bestScore = score[t * width + i] as number;
        bestT = t;
        bestI = i;
      }
    }
  }
  const out: number[] = [];
  let t = bestT;
  let i = bestI;
  while (t >= 0) {
    out.push(from + t);
    const j = back[t * width + i] as number;
    if (j < 0) break;
    t -= minI + i;
    i = j;
  }
  return out.reverse();
}

/** Adds beats at the edge intervals until they cover the first onset and the last note's end. */
function extend(beats: number[], notes: readonly Note[]): number[] {
  const out = [...beats];
  const start = notes[0]?.onsetSeconds ?? 0;
  const end = notes.reduce((e, n) => Math.max(e, n.offsetSeconds), 0);
  const head = (out[1] as number) - (out[0] as number);
  while ((out[0] as number) > start + 0.05 && (out[0] as number) - head >= 0) out.unshift((out[0] as number) - head);
  const tail = (out[out.length - 1] as number) - (out[out.length - 2] as number);
  while ((out[out.length - 1] as number) < end) out.push((out[out.length - 1] as number) + tail);
  return out;
}
