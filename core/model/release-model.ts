import { CARD_TENSOR_SCHEMA, cardSchemaChecker, cardTensorProblems, parseCardJson, type ModelCardTensor } from './card';
import { RELEASE_MODEL_IO, RELEASE_WINDOW } from './contract';
import { ModelError } from './errors';
import type { PredictOptions } from './onset-model';
import { createCheckedSession, runBatched, type ExpectedTensor, type SessionOptions } from './session';

/** The card beside a release model (`notescribe-release-*.card.json`, written by training/release.py). */
export interface ReleaseModelCard {
  readonly cardVersion: 1;
  readonly name: string;
  readonly dspParametersHash: string;
  readonly io: { readonly input: ModelCardTensor; readonly heldProbability: ModelCardTensor };
  /** Probability below which the key counts as up. */
  readonly thresholds: { readonly held: number };
  readonly [extra: string]: unknown;
}

/** A loaded, checked release model. */
export interface ReleaseModel {
  readonly card: ReleaseModelCard;
  /**
   * `count` note windows laid out `[count][RELEASE_WINDOW.channels][RELEASE_WINDOW.steps]` (core/notes
   * `cutReleaseWindows`) → `[count][RELEASE_WINDOW.steps]` probabilities that the key is still down.
   */
  predict(windows: Float32Array, count: number, options?: PredictOptions): Promise<Float32Array>;
  release(): Promise<void>;
}

const INPUT: ExpectedTensor = { name: RELEASE_MODEL_IO.input, shape: [RELEASE_WINDOW.channels, RELEASE_WINDOW.steps] };
const HELD: ExpectedTensor = { name: RELEASE_MODEL_IO.heldProbability, shape: [RELEASE_WINDOW.steps] };
const BATCH_SIZE = 256;

const releaseCardSchema = {
  type: 'object',
  required: ['cardVersion', 'name', 'dspParametersHash', 'io', 'thresholds'],
  properties: {
    cardVersion: { const: 1 },
    name: { type: 'string', minLength: 1 },
    dspParametersHash: { type: 'string', minLength: 1 },
    io: {
      type: 'object',
      required: ['input', 'heldProbability'],
      properties: { input: CARD_TENSOR_SCHEMA, heldProbability: CARD_TENSOR_SCHEMA },
    },
    thresholds: {
      type: 'object',
      required: ['held'],
      properties: { held: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 } },
    },
  },
} as const;

const checkReleaseCardSchema = cardSchemaChecker<ReleaseModelCard>(releaseCardSchema, 'release model card');

/** Checks a parsed release-model card and returns it typed (MODEL_LOAD_FAILED when malformed, MODEL_MISMATCH when it describes another interface). */
export function validateReleaseModelCard(value: unknown): ReleaseModelCard {
  const card = checkReleaseCardSchema(value);
  const problems = cardTensorProblems(card.io, { input: INPUT, heldProbability: HELD });
  if (problems.length > 0) {
    throw new ModelError('MODEL_MISMATCH', `Release model card does not match the engine: ${problems.join('; ')}`, {
      context: { problems },
    });
  }
  return card;
}

/** Parses and validates a release-model card from its JSON bytes or text. */
export function parseReleaseModelCard(json: Uint8Array | string): ReleaseModelCard {
  return validateReleaseModelCard(parseCardJson(json, 'Release model card'));
}

/**
 * Loads a release model on CPU (it is small: about a million multiply-adds per note) and checks it against its card
 * and this engine's DSP parameter hash, like core/model `loadOnsetModel`.
 */
export async function loadReleaseModel(
  onnxBytes: Uint8Array,
  card: ReleaseModelCard,
  options: Pick<SessionOptions, 'intraOpNumThreads' | 'expectedDspParametersHash'> = {},
): Promise<ReleaseModel> {
  const { session } = await createCheckedSession('Release model', onnxBytes, card, { inputs: [INPUT], outputs: [HELD] }, options);
  return {
    card,
    predict: async (windows, count, predictOptions = {}) => {
      const [held] = await runBatched(session, INPUT, [HELD], windows, count, predictOptions.batchSize ?? BATCH_SIZE);
      return held ?? new Float32Array(0);
    },
    release: () => session.release(),
  };
}
