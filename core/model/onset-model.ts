import * as ort from 'onnxruntime-node';
import { DSP_PARAMETERS_HASH } from '../features';
import { BIN_COUNT, KEY_COUNT, WINDOW_FRAME_COUNT } from '../params';
import { shapeProblems, type ModelCard } from './card';
import { MODEL_INPUT_SHAPE, MODEL_IO, MODEL_OUTPUT_KEYS } from './contract';
import { ModelError } from './errors';

/** Execution providers the engine knows how to ask onnxruntime for, in order of preference. */
export type ExecutionProvider = 'cuda' | 'cpu';

export interface LoadOnsetModelOptions {
  /** Providers to try in order; the first that creates a session wins. CPU is always tried last. @default ['cpu'] */
  readonly executionProviders?: readonly ExecutionProvider[];
  /** onnxruntime intra-op threads (1 for the one-core benchmark). @default onnxruntime's choice (all cores) */
  readonly intraOpNumThreads?: number;
  /** The DSP parameter hash the card must carry. @default core/features DSP_PARAMETERS_HASH */
  readonly expectedDspParametersHash?: string;
}

export interface PredictOptions {
  /** Windows per onnxruntime call; results do not depend on it. @default DEFAULT_BATCH_SIZE */
  readonly batchSize?: number;
}

/** Per-onset, per-key model outputs, row-major `[count][KEY_COUNT]`. */
export interface OnsetPrediction {
  /** 0…1. */
  readonly onsetProbability: Float32Array;
  /** MIDI velocity / 127. */
  readonly velocity: Float32Array;
  /** Seconds from the onset frame to where each key's strike starts (core/model/contract.ts); absent on v1 models. */
  readonly onsetShiftSeconds?: Float32Array;
}

/** A loaded, checked onset classifier. */
export interface OnsetModel {
  readonly card: ModelCard;
  /** The provider the session actually runs on. */
  readonly executionProvider: ExecutionProvider;
  /** Human-readable notes on provider selection (e.g. why CUDA was not used), for logs. */
  readonly providerNotes: readonly string[];
  /**
   * Classifies `count` windows laid out `[count][WINDOW_FRAME_COUNT][BIN_COUNT]` (core/onsets `extractWindows`).
   * @returns `[count][88]` onset probabilities and velocities
   */
  predict(windows: Float32Array, count: number, options?: PredictOptions): Promise<OnsetPrediction>;
  /** Frees the onnxruntime session. */
  release(): Promise<void>;
}

/** 64 windows of 13×352 floats is 1.2 MB per call: large enough to amortise call overhead, small enough for any cache. */
export const DEFAULT_BATCH_SIZE = 64;

const WINDOW_SIZE = WINDOW_FRAME_COUNT * BIN_COUNT;

/**
 * Loads an ONNX onset model and checks it against its card and the engine: the card's DSP parameter hash must equal
 * this engine's (else `MODEL_MISMATCH` naming both), and the session's input/output names and shapes must match
 * core/model/contract.ts. Unreadable bytes give `MODEL_LOAD_FAILED`.
 *
 * @example
 * const model = await loadOnsetModel(onnxBytes, parseModelCard(cardBytes), { executionProviders: ['cuda', 'cpu'] });
 * const { onsetProbability } = await model.predict(windows, onsetCount, { batchSize: 64 });
 */
export async function loadOnsetModel(
  onnxBytes: Uint8Array,
  card: ModelCard,
  options: LoadOnsetModelOptions = {},
): Promise<OnsetModel> {
  const expectedHash = options.expectedDspParametersHash ?? DSP_PARAMETERS_HASH;
  if (card.dspParametersHash !== expectedHash) {
    throw new ModelError(
      'MODEL_MISMATCH',
      `Model "${card.name}" was trained on other DSP parameters (card hash ${card.dspParametersHash}, ` +
        `engine hash ${expectedHash}); retrain it on features from this engine`,
      { context: { cardHash: card.dspParametersHash, engineHash: expectedHash, model: card.name } },
    );
  }
  const { session, provider, notes } = await createSession(onnxBytes, options);
  try {
    checkSession(session, card);
  } catch (error) {
    await session.release();
    throw error;
  }
  return {
    card,
    executionProvider: provider,
    providerNotes: notes,
    predict: (windows, count, predictOptions = {}) =>
      predict(session, windows, count, session.outputNames.includes(MODEL_IO.onsetShift), predictOptions.batchSize),
    release: () => session.release(),
  };
}

async function createSession(
  onnxBytes: Uint8Array,
  options: LoadOnsetModelOptions,
): Promise<{ session: ort.InferenceSession; provider: ExecutionProvider; notes: string[] }> {
  const wanted = options.executionProviders ?? ['cpu'];
  const order = [...new Set<ExecutionProvider>([...wanted, 'cpu'])];
  const notes: string[] = [];
  // A provider that cannot load (CUDA on a machine without it) is reported in `notes`; onnxruntime's process-wide
  // logger would also print it in red on stderr whatever the session's severity. That logger reads its level once,
  // at the first session of the process, so it is set before every creation, not only before a CUDA one.
  ort.env.logLevel = 'fatal';
  let lastError: unknown;
  for (const provider of order) {
    try {
      const session = await ort.InferenceSession.create(onnxBytes, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        // Quiet: onnxruntime's warnings (unused initialisers, a missing CUDA library) are reported in providerNotes.
        logSeverityLevel: provider === 'cpu' ? 3 : 4,
        ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
      });
      notes.push(`onnxruntime is running the model on ${provider.toUpperCase()}`);
      return { session, provider, notes };
    } catch (error) {
      lastError = error;
      notes.push(`${provider.toUpperCase()} execution provider unavailable: ${(error as Error).message.split('\n')[0] ?? ''}`);
    }
  }
  throw new ModelError('MODEL_LOAD_FAILED', `onnxruntime could not load the model: ${notes.join('; ')}`, {
    cause: lastError,
  });
}

function checkSession(session: ort.InferenceSession, card: ModelCard): void {
  const problems: string[] = [];
  const expected: [string, readonly number[], readonly string[]][] = [
    [MODEL_IO.input, MODEL_INPUT_SHAPE, session.inputNames],
    [MODEL_IO.onsetProbability, [MODEL_OUTPUT_KEYS], session.outputNames],
    [MODEL_IO.velocity, [MODEL_OUTPUT_KEYS], session.outputNames],
  ];
  // An optional output is checked when the graph has it or the card promises it.
  if (session.outputNames.includes(MODEL_IO.onsetShift) || card.io.onsetShift !== undefined) {
    expected.push([MODEL_IO.onsetShift, [MODEL_OUTPUT_KEYS], session.outputNames]);
  }
  const metadata = [...session.inputMetadata, ...session.outputMetadata];
  for (const [name, shape, names] of expected) {
    if (!names.includes(name)) {
      problems.push(`the graph has no tensor "${name}" (it has ${names.map((n) => `"${n}"`).join(', ')})`);
      continue;
    }
    const meta = metadata.find((m) => m.name === name);
    // An empty shape means the graph does not declare one; the first predict would then fail loudly instead.
    if (meta?.isTensor && meta.shape.length > 0) problems.push(...shapeProblems(`graph tensor "${name}"`, meta.shape, shape));
  }
  if (problems.length > 0) {
    throw new ModelError('MODEL_MISMATCH', `Model "${card.name}" does not match the engine's contract: ${problems.join('; ')}`, {
      context: { problems },
    });
  }
}

async function predict(
  session: ort.InferenceSession,
  windows: Float32Array,
  count: number,
  withShift: boolean,
  batchSize: number = DEFAULT_BATCH_SIZE,
): Promise<OnsetPrediction> {
  if (!Number.isInteger(count) || count < 0 || windows.length < count * WINDOW_SIZE) {
    throw new ModelError('MODEL_MISMATCH', `predict: ${count} windows need ${count * WINDOW_SIZE} floats, got ${windows.length}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ModelError('MODEL_MISMATCH', `predict: batch size must be a positive integer, got ${batchSize}`);
  }
  const onsetProbability = new Float32Array(count * KEY_COUNT);
  const velocity = new Float32Array(count * KEY_COUNT);
  const onsetShiftSeconds = withShift ? new Float32Array(count * KEY_COUNT) : undefined;
  const outputs = [MODEL_IO.onsetProbability, MODEL_IO.velocity, ...(withShift ? [MODEL_IO.onsetShift] : [])];
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const input = new ort.Tensor('float32', windows.subarray(start * WINDOW_SIZE, (start + n) * WINDOW_SIZE), [
      n,
      ...MODEL_INPUT_SHAPE,
    ]);
    const output = await session.run({ [MODEL_IO.input]: input }, outputs);
    onsetProbability.set(outputData(output, MODEL_IO.onsetProbability, n), start * KEY_COUNT);
    velocity.set(outputData(output, MODEL_IO.velocity, n), start * KEY_COUNT);
    onsetShiftSeconds?.set(outputData(output, MODEL_IO.onsetShift, n), start * KEY_COUNT);
    input.dispose();
  }
  return { onsetProbability, velocity, ...(onsetShiftSeconds === undefined ? {} : { onsetShiftSeconds }) };
}

function outputData(output: ort.InferenceSession.ReturnType, name: string, n: number): Float32Array {
  const tensor = output[name];
  const data = tensor?.data;
  if (!(data instanceof Float32Array) || data.length !== n * KEY_COUNT) {
    throw new ModelError('MODEL_MISMATCH', `Model output "${name}" is not float32 [${n}, ${KEY_COUNT}]`);
  }
  return data;
}
