import { bipartiteMatch } from './bipartite-match';
import { InvalidNoteListError } from './errors';

/**
 * Note-level transcription metrics, a port of `mir_eval.transcription` (Raffel et al., ISMIR 2014; MIT licence)
 * that reproduces its published reference vectors to 1e-6. Notes are intervals in seconds with a pitch in Hz.
 */

/** One note as mir_eval sees it: `onset offset frequency_hz`. */
export interface EvalNote {
  readonly onsetSeconds: number;
  readonly offsetSeconds: number;
  readonly frequencyHz: number;
}

export interface MatchOptions {
  /** Largest onset difference that counts as a match, seconds. @default 0.05 */
  readonly onsetToleranceSeconds?: number;
  /** Largest pitch difference that counts as a match, cents. @default 50 */
  readonly pitchToleranceCents?: number;
  /** Offset tolerance as a share of the reference note's duration; `null` ignores offsets. @default 0.2 */
  readonly offsetRatio?: number | null;
  /** Floor of the offset tolerance, seconds. @default 0.05 */
  readonly offsetMinToleranceSeconds?: number;
  /** Use `<` instead of `<=` against the tolerances. @default false */
  readonly strict?: boolean;
  /** Weight of recall in the F-measure. @default 1 */
  readonly beta?: number;
}

export interface PrecisionRecallF {
  readonly precision: number;
  readonly recall: number;
  readonly fMeasure: number;
}

export interface OverlapScores extends PrecisionRecallF {
  readonly averageOverlapRatio: number;
}

/** The same keys and values as `mir_eval.transcription.evaluate`. */
export interface TranscriptionScores {
  readonly Precision: number;
  readonly Recall: number;
  readonly 'F-measure': number;
  readonly Average_Overlap_Ratio: number;
  readonly Precision_no_offset: number;
  readonly Recall_no_offset: number;
  readonly 'F-measure_no_offset': number;
  readonly Average_Overlap_Ratio_no_offset: number;
  readonly Onset_Precision: number;
  readonly Onset_Recall: number;
  readonly 'Onset_F-measure': number;
  readonly Offset_Precision: number;
  readonly Offset_Recall: number;
  readonly 'Offset_F-measure': number;
}

/** mir_eval rounds every time distance to 4 decimals before comparing, so that e.g. 0.05000000001 still matches. */
const DISTANCE_DECIMALS = 4;

/** numpy.around: scale, round half to even (numpy's rint), unscale. */
function roundLikeNumpy(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  const scaled = value * scale;
  let rounded = Math.round(scaled);
  if (Math.abs(scaled - Math.trunc(scaled)) === 0.5) rounded = 2 * Math.round(scaled / 2);
  return rounded / scale;
}

function withDefaults(options: MatchOptions): Required<Omit<MatchOptions, 'offsetRatio'>> & { offsetRatio: number | null } {
  return {
    onsetToleranceSeconds: options.onsetToleranceSeconds ?? 0.05,
    pitchToleranceCents: options.pitchToleranceCents ?? 50,
    offsetRatio: options.offsetRatio === undefined ? 0.2 : options.offsetRatio,
    offsetMinToleranceSeconds: options.offsetMinToleranceSeconds ?? 0.05,
    strict: options.strict ?? false,
    beta: options.beta ?? 1,
  };
}

/** mir_eval.util.f_measure. */
export function fMeasure(precision: number, recall: number, beta = 1): number {
  if (precision === 0 && recall === 0) return 0;
  return ((1 + beta ** 2) * precision * recall) / (beta ** 2 * precision + recall);
}

/** Throws InvalidNoteListError for anything mir_eval.transcription.validate would refuse. */
export function validateNotes(notes: readonly EvalNote[], label: string): void {
  notes.forEach((note, index) => {
    const { onsetSeconds, offsetSeconds, frequencyHz } = note;
    if (![onsetSeconds, offsetSeconds, frequencyHz].every(Number.isFinite)) {
      throw new InvalidNoteListError(`${label} note ${index}: values must be finite numbers`, { index });
    }
    if (onsetSeconds < 0 || offsetSeconds < 0) {
      throw new InvalidNoteListError(`${label} note ${index}: negative time`, { index });
    }
    if (offsetSeconds < onsetSeconds) {
      throw new InvalidNoteListError(`${label} note ${index}: offset before onset`, { index });
    }
    if (frequencyHz <= 0) {
      throw new InvalidNoteListError(`${label} note ${index}: frequency must be positive`, { index });
    }
  });
}

type HitTest = (refIndex: number, estIndex: number) => boolean;

/** Builds mir_eval's graph (estimate → references, in np.where's row-major order) and matches it. */
function matchWhere(refCount: number, estCount: number, isHit: HitTest): Array<[number, number]> {
  const graph = new Map<number, number[]>();
  for (let r = 0; r < refCount; r++) {
    for (let e = 0; e < estCount; e++) {
      if (!isHit(r, e)) continue;
      const refs = graph.get(e);
      if (refs) refs.push(r);
      else graph.set(e, [r]);
    }
  }
  const matching = [...bipartiteMatch(graph).entries()];
  return matching.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

function lessOrEqual(strict: boolean): (a: number, b: number) => boolean {
  return strict ? (a, b) => a < b : (a, b) => a <= b;
}

function onsetHit(ref: readonly EvalNote[], est: readonly EvalNote[], tolerance: number, strict: boolean): HitTest {
  const within = lessOrEqual(strict);
  return (r, e) =>
    within(roundLikeNumpy(Math.abs(ref[r]!.onsetSeconds - est[e]!.onsetSeconds), DISTANCE_DECIMALS), tolerance);
}

function offsetHit(ref: readonly EvalNote[], est: readonly EvalNote[], ratio: number, minTolerance: number, strict: boolean): HitTest {
  const within = lessOrEqual(strict);
  return (r, e) => {
    const reference = ref[r]!;
    const tolerance = Math.max(ratio * (reference.offsetSeconds - reference.onsetSeconds), minTolerance);
    return within(roundLikeNumpy(Math.abs(reference.offsetSeconds - est[e]!.offsetSeconds), DISTANCE_DECIMALS), tolerance);
  };
}

function pitchHit(ref: readonly EvalNote[], est: readonly EvalNote[], toleranceCents: number, strict: boolean): HitTest {
  const within = lessOrEqual(strict);
  return (r, e) =>
    within(Math.abs(1200 * (Math.log2(ref[r]!.frequencyHz) - Math.log2(est[e]!.frequencyHz))), toleranceCents);
}

/** mir_eval.transcription.match_notes: pairs `[refIndex, estIndex]` matched on onset, pitch and (optionally) offset. */
export function matchNotes(ref: readonly EvalNote[], est: readonly EvalNote[], options: MatchOptions = {}): Array<[number, number]> {
  const o = withDefaults(options);
  const tests = [onsetHit(ref, est, o.onsetToleranceSeconds, o.strict), pitchHit(ref, est, o.pitchToleranceCents, o.strict)];
  if (o.offsetRatio !== null) tests.push(offsetHit(ref, est, o.offsetRatio, o.offsetMinToleranceSeconds, o.strict));
  return matchWhere(ref.length, est.length, (r, e) => tests.every((test) => test(r, e)));
}

/** mir_eval.transcription.average_overlap_ratio over a matching. */
export function averageOverlapRatio(ref: readonly EvalNote[], est: readonly EvalNote[], matching: ReadonlyArray<readonly [number, number]>): number {
  if (matching.length === 0) return 0;
  let sum = 0;
  for (const [r, e] of matching) {
    const a = ref[r]!;
    const b = est[e]!;
    const overlap = Math.min(a.offsetSeconds, b.offsetSeconds) - Math.max(a.onsetSeconds, b.onsetSeconds);
    const span = Math.max(a.offsetSeconds, b.offsetSeconds) - Math.min(a.onsetSeconds, b.onsetSeconds);
    sum += overlap / span;
  }
  return sum / matching.length;
}

function scoresFromMatches(matches: number, refCount: number, estCount: number, beta: number): PrecisionRecallF {
  if (refCount === 0 || estCount === 0) return { precision: 0, recall: 0, fMeasure: 0 };
  const precision = matches / estCount;
  const recall = matches / refCount;
  return { precision, recall, fMeasure: fMeasure(precision, recall, beta) };
}

/** mir_eval.transcription.precision_recall_f1_overlap. */
export function precisionRecallF1Overlap(ref: readonly EvalNote[], est: readonly EvalNote[], options: MatchOptions = {}): OverlapScores {
  validateNotes(ref, 'reference');
  validateNotes(est, 'estimate');
  if (ref.length === 0 || est.length === 0) return { precision: 0, recall: 0, fMeasure: 0, averageOverlapRatio: 0 };
  const matching = matchNotes(ref, est, options);
  return {
    ...scoresFromMatches(matching.length, ref.length, est.length, options.beta ?? 1),
    averageOverlapRatio: averageOverlapRatio(ref, est, matching),
  };
}

/** mir_eval.transcription.onset_precision_recall_f1: onsets alone, pitch ignored. */
export function onsetPrecisionRecallF1(ref: readonly EvalNote[], est: readonly EvalNote[], options: MatchOptions = {}): PrecisionRecallF {
  validateNotes(ref, 'reference');
  validateNotes(est, 'estimate');
  if (ref.length === 0 || est.length === 0) return { precision: 0, recall: 0, fMeasure: 0 };
  const o = withDefaults(options);
  const matching = matchWhere(ref.length, est.length, onsetHit(ref, est, o.onsetToleranceSeconds, o.strict));
  return scoresFromMatches(matching.length, ref.length, est.length, o.beta);
}

/** mir_eval.transcription.offset_precision_recall_f1: offsets alone, pitch ignored. */
export function offsetPrecisionRecallF1(ref: readonly EvalNote[], est: readonly EvalNote[], options: MatchOptions = {}): PrecisionRecallF {
  validateNotes(ref, 'reference');
  validateNotes(est, 'estimate');
  if (ref.length === 0 || est.length === 0) return { precision: 0, recall: 0, fMeasure: 0 };
  const o = withDefaults(options);
  const ratio = o.offsetRatio ?? 0.2;
  const matching = matchWhere(ref.length, est.length, offsetHit(ref, est, ratio, o.offsetMinToleranceSeconds, o.strict));
  return scoresFromMatches(matching.length, ref.length, est.length, o.beta);
}

/** mir_eval.transcription.evaluate: every score, under the same names. */
export function evaluateTranscription(ref: readonly EvalNote[], est: readonly EvalNote[], options: MatchOptions = {}): TranscriptionScores {
  const withOffsets = precisionRecallF1Overlap(ref, est, options);
  const noOffsets = precisionRecallF1Overlap(ref, est, { ...options, offsetRatio: null });
  const onsets = onsetPrecisionRecallF1(ref, est, options);
  const offsets = offsetPrecisionRecallF1(ref, est, options);
  return {
    Precision: withOffsets.precision,
    Recall: withOffsets.recall,
    'F-measure': withOffsets.fMeasure,
    Average_Overlap_Ratio: withOffsets.averageOverlapRatio,
    Precision_no_offset: noOffsets.precision,
    Recall_no_offset: noOffsets.recall,
    'F-measure_no_offset': noOffsets.fMeasure,
    Average_Overlap_Ratio_no_offset: noOffsets.averageOverlapRatio,
    Onset_Precision: onsets.precision,
    Onset_Recall: onsets.recall,
    'Onset_F-measure': onsets.fMeasure,
    Offset_Precision: offsets.precision,
    Offset_Recall: offsets.recall,
    'Offset_F-measure': offsets.fMeasure,
  };
}

/**
 * Parses a note list in mir_eval's text format (`onset offset frequency_hz` per line, whitespace- or
 * comma-separated; `#` starts a comment), as `mir_eval.io.load_valued_intervals` reads it.
 */
export function parseNoteList(text: string, source = 'note list'): EvalNote[] {
  const notes: EvalNote[] = [];
  text.split(/\r?\n/).forEach((rawLine, lineIndex) => {
    const line = rawLine.replace(/#.*$/, '').trim();
    if (line === '') return;
    const fields = line.split(/[\s,]+/).map(Number);
    if (fields.length < 3 || fields.slice(0, 3).some((value) => !Number.isFinite(value))) {
      throw new InvalidNoteListError(`${source}, line ${lineIndex + 1}: expected "onset offset frequency_hz"`, {
        line: lineIndex + 1,
      });
    }
    notes.push({ onsetSeconds: fields[0]!, offsetSeconds: fields[1]!, frequencyHz: fields[2]! });
  });
  return notes;
}
