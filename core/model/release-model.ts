import * as ort from 'onnxruntime-node';
import { DSP_PARAMETERS_HASH } from '../features';
import { shapeProblems, type ModelCardTensor } from './card';
import { RELEASE_MODEL_IO, RELEASE_WINDOW } from './contract';
import { ModelError } from './errors';
import type { LoadOnsetModelOptions, PredictOptions } from './onset-model';

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

const INPUT_SHAPE = [RELEASE_WINDOW.channels, RELEASE_WINDOW.steps] as const;
const WINDOW_SIZE = RELEASE_WINDOW.channels * RELEASE_WINDOW.steps;
const BATCH_SIZE = 256;

/** Checks a parsed release-model card and returns it typed (MODEL_LOAD_FAILED when malformed, MODEL_MISMATCH when it describes another interface). */
export function validateReleaseModelCard(value: unknown): ReleaseModelCard {
  const card = value as Partial<ReleaseModelCard> | null;
  const problems: string[] = [];
  if (card === null || typeof card !== 'object') throw new ModelError('MODEL_LOAD_FAILED', 'Invalid release model card: not an object');
  if (card.cardVersion !== 1) problems.push('cardVersion must be 1');
  if (typeof card.name !== 'string' || card.name.length === 0) problems.push('name is missing');
  if (typeof card.dspParametersHash !== 'string') problems.push('dspParametersHash is missing');
  const held = card.thresholds?.held;
  if (typeof held !== 'number' || !(held > 0 && held < 1)) problems.push('thresholds.held must be a number in (0, 1)');
  if (card.io?.input === undefined || card.io.heldProbability === undefined) problems.push('io.input and io.heldProbability are required');
  if (problems.length > 0) {
    throw new ModelError('MODEL_LOAD_FAILED', `Invalid release model card: ${problems.join('; ')}`, { context: { problems } });
  }
  const typed = card as ReleaseModelCard;
  const mismatches = [
    ...(typed.io.input.name === RELEASE_MODEL_IO.input ? [] : [`io.input is named "${typed.io.input.name}"`]),
    ...(typed.io.heldProbability.name === RELEASE_MODEL_IO.heldProbability
      ? []
      : [`io.heldProbability is named "${typed.io.heldProbability.name}"`]),
    ...shapeProblems('card io.input', typed.io.input.shape, INPUT_SHAPE),
    ...shapeProblems('card io.heldProbability', typed.io.heldProbability.shape, [RELEASE_WINDOW.steps]),
  ];
  if (mismatches.length > 0) {
    throw new ModelError('MODEL_MISMATCH', `Release model card does not match the engine: ${mismatches.join('; ')}`, {
      context: { problems: mismatches },
    });
  }
  return typed;
}

/** Parses and validates a release-model card from its JSON bytes or text. */
export function parseReleaseModelCard(json: Uint8Array | string): ReleaseModelCard {
  const text = typeof json === 'string' ? json : new TextDecoder().decode(json);
  try {
    return validateReleaseModelCard(JSON.parse(text));
  } catch (cause) {
    if (cause instanceof ModelError) throw cause;
    throw new ModelError('MODEL_LOAD_FAILED', `Release model card is not JSON: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Loads a release model on CPU (it is small: about a million multiply-adds per note) and checks it against its card
 * and this engine's DSP parameter hash, like core/model `loadOnsetModel`.
 */
export async function loadReleaseModel(
  onnxBytes: Uint8Array,
  card: ReleaseModelCard,
  options: Pick<LoadOnsetModelOptions, 'intraOpNumThreads' | 'expectedDspParametersHash'> = {},
): Promise<ReleaseModel> {
  const expectedHash = options.expectedDspParametersHash ?? DSP_PARAMETERS_HASH;
  if (card.dspParametersHash !== expectedHash) {
    throw new ModelError(
      'MODEL_MISMATCH',
      `Release model "${card.name}" was trained on other DSP parameters (card hash ${card.dspParametersHash}, engine hash ${expectedHash})`,
      { context: { cardHash: card.dspParametersHash, engineHash: expectedHash, model: card.name } },
    );
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnxBytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
    });
  } catch (cause) {
    throw new ModelError('MODEL_LOAD_FAILED', `onnxruntime could not load the release model: ${(cause as Error).message}`, { cause });
  }
  if (!session.inputNames.includes(RELEASE_MODEL_IO.input) || !session.outputNames.includes(RELEASE_MODEL_IO.heldProbability)) {
    await session.release();
    throw new ModelError(
      'MODEL_MISMATCH',
      `Release model "${card.name}" does not have the tensors "${RELEASE_MODEL_IO.input}" and "${RELEASE_MODEL_IO.heldProbability}"`,
    );
  }
  return {
    card,
    predict: async (windows, count, predictOptions = {}) => {
      const batchSize = predictOptions.batchSize ?? BATCH_SIZE;
      if (!Number.isInteger(count) || count < 0 || windows.length < count * WINDOW_SIZE) {
        throw new ModelError('MODEL_MISMATCH', `release predict: ${count} windows need ${count * WINDOW_SIZE} floats, got ${windows.length}`);
      }
      const held = new Float32Array(count * RELEASE_WINDOW.steps);
      for (let start = 0; start < count; start += batchSize) {
        const n = Math.min(batchSize, count - start);
        const input = new ort.Tensor('float32', windows.subarray(start * WINDOW_SIZE, (start + n) * WINDOW_SIZE), [n, ...INPUT_SHAPE]);
        const output = await session.run({ [RELEASE_MODEL_IO.input]: input }, [RELEASE_MODEL_IO.heldProbability]);
        const data = output[RELEASE_MODEL_IO.heldProbability]?.data;
        if (!(data instanceof Float32Array) || data.length !== n * RELEASE_WINDOW.steps) {
          throw new ModelError('MODEL_MISMATCH', `Release model output is not float32 [${n}, ${RELEASE_WINDOW.steps}]`);
        }
        held.set(data, start * RELEASE_WINDOW.steps);
        input.dispose();
      }
      return held;
    },
    release: () => session.release(),
  };
}
