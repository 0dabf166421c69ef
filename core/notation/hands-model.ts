/**
 * The learned hands: the hands model (models/notescribe-notation-hands-v1.onnx, trained by
 * training/notation/hands.py on ASAP performances matched to their scores' staves) gives each performed note the
 * probability that the left hand plays it; `buildScore` weighs it in its rule-based split (`BuildScoreOptions.leftHand`,
 * a cost term of `assignStaves`).
 */
import * as ort from 'onnxruntime-node';
import type { Note } from '../types';
import { ModelError } from '../model/errors';
import { createCheckedSession } from '../model/session';
import { NotationError } from './errors';
import { sanitiseNotes } from './score';

/** Features per note (training/notation/hands.py HAND_FEATURE_COUNT; their order is `handFeatures'`). */
export const HAND_FEATURE_COUNT = 12;
/** Onsets this close (s) are one chord; this far either way (s) is a note's neighbourhood (hands.py). */
export const HAND_CHORD_SECONDS = 0.035;
export const HAND_CONTEXT_SECONDS = 1.0;
/** ONNX tensor names (hands.py INPUT_NAME, OUTPUT_NAME). */
export const HANDS_MODEL_IO = { input: 'notes', output: 'left_hand' } as const;

/** The hands model card (models/notescribe-notation-hands-v1.card.json), the fields the engine reads. */
export interface HandsModelCard {
  readonly name: string;
  readonly input: { readonly name: string; readonly featureCount: number; readonly chordSeconds: number; readonly contextSeconds: number };
  readonly output: { readonly name: string };
  readonly [extra: string]: unknown;
}

/** A loaded, checked hands model. */
export interface HandsModel {
  readonly card: HandsModelCard;
  /**
   * The probability (0…1) that the left hand plays each note, in the order of `sanitiseNotes(notes)` (by onset, then
   * pitch: the order `buildScore` works in). Empty for no notes.
   */
  leftHand(notes: readonly Note[]): Promise<Float32Array>;
  release(): Promise<void>;
}

/** Parses a hands model card; every field that differs from this engine is named in one `ModelError`. */
export function parseHandsModelCard(bytes: Uint8Array | string): HandsModelCard {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes);
  let card: HandsModelCard;
  try {
    card = JSON.parse(text) as HandsModelCard;
  } catch (error) {
    throw new ModelError('MODEL_LOAD_FAILED', `The hands model card is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const problems: string[] = [];
  const expect = (what: string, actual: unknown, wanted: unknown): void => {
    if (actual !== wanted) problems.push(`${what} is ${JSON.stringify(actual)}, the engine's is ${JSON.stringify(wanted)}`);
  };
  expect('input.name', card.input?.name, HANDS_MODEL_IO.input);
  expect('input.featureCount', card.input?.featureCount, HAND_FEATURE_COUNT);
  expect('input.chordSeconds', card.input?.chordSeconds, HAND_CHORD_SECONDS);
  expect('input.contextSeconds', card.input?.contextSeconds, HAND_CONTEXT_SECONDS);
  expect('output.name', card.output?.name, HANDS_MODEL_IO.output);
  if (problems.length > 0) throw new ModelError('MODEL_MISMATCH', `Hands model card "${String(card.name)}" does not fit this engine: ${problems.join('; ')}`);
  return card;
}

/** Loads the hands model from its ONNX bytes and card, and checks the graph's tensor names. */
export async function loadHandsModel(onnxBytes: Uint8Array, card: HandsModelCard, options: { readonly intraOpNumThreads?: number } = {}): Promise<HandsModel> {
  const tensors = { inputs: [{ name: HANDS_MODEL_IO.input }], outputs: [{ name: HANDS_MODEL_IO.output }] };
  const { session } = await createCheckedSession('Hands model', onnxBytes, card, tensors, options);
  return {
    card,
    async leftHand(raw) {
      const notes = sanitiseNotes(raw);
      if (notes.length === 0) return new Float32Array(0);
      const input = new ort.Tensor('float32', handFeatures(notes), [1, HAND_FEATURE_COUNT, notes.length]);
      const output = (await session.run({ [HANDS_MODEL_IO.input]: input }))[HANDS_MODEL_IO.output];
      if (output === undefined) throw new NotationError(`Hands model "${card.name}" returned no "${HANDS_MODEL_IO.output}"`);
      return Float32Array.from(output.data as Float32Array, (logit) => 1 / (1 + Math.exp(-logit)));
    },
    release: () => session.release(),
  };
}

/**
 * Per-note features `[HAND_FEATURE_COUNT][notes]` (row-major) of notes sorted by onset then pitch, as
 * training/notation/hands.py `note_features`: (pitch − 21) / 87; velocity / 127; log2 duration / 4 + 1 (−1…2);
 * log(1 + 10 s) to the previous and the next onset; of the chord (onsets within HAND_CHORD_SECONDS): log(size), share
 * of it below the note, distance to its lowest and highest note / 24; of the neighbourhood (HAND_CONTEXT_SECONDS):
 * the note less their mean, less their lowest, and their highest less the note, / 24.
 */
export function handFeatures(notes: readonly Note[]): Float32Array {
  const n = notes.length;
  const x = new Float32Array(HAND_FEATURE_COUNT * n);
  const on = notes.map((note) => note.onsetSeconds);
  const set = (row: number, i: number, value: number): void => {
    x[row * n + i] = value;
  };
  for (let i = 0; i < n; i += 1) {
    const note = notes[i] as Note;
    set(0, i, (note.pitch - 21) / 87);
    set(1, i, note.velocity / 127);
    set(2, i, Math.min(2, Math.max(-1, Math.log2(Math.max(note.offsetSeconds - note.onsetSeconds, 1e-3)) / 4 + 1)));
    if (i > 0) set(3, i, Math.log1p(10 * ((on[i] as number) - (on[i - 1] as number))));
    if (i + 1 < n) set(4, i, Math.log1p(10 * ((on[i + 1] as number) - (on[i] as number))));
  }
  // Two windows, each as numpy's searchsorted bounds: [first onset ≥ t − w, last onset ≤ t + w].
  for (const [window, chord] of [
    [HAND_CHORD_SECONDS, true],
    [HAND_CONTEXT_SECONDS, false],
  ] as const) {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < n; i += 1) {
      const t = on[i] as number;
      while ((on[lo] as number) < t - window) lo += 1;
      while (hi < n && (on[hi] as number) <= t + window) hi += 1;
      const pitch = (notes[i] as Note).pitch;
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      let below = 0;
      for (let j = lo; j < hi; j += 1) {
        const p = (notes[j] as Note).pitch;
        min = Math.min(min, p);
        max = Math.max(max, p);
        sum += p;
        if (p < pitch) below += 1;
      }
      const count = hi - lo;
      if (chord) {
        set(5, i, Math.log(count));
        set(6, i, below / Math.max(1, count - 1));
        set(7, i, (pitch - min) / 24);
        set(8, i, (max - pitch) / 24);
      } else {
        set(9, i, (pitch - sum / count) / 24);
        set(10, i, (pitch - min) / 24);
        set(11, i, (max - pitch) / 24);
      }
    }
  }
  return x;
}
