import type { ModelCard } from './card';
import { MODEL_INPUT_SHAPE, MODEL_IO, MODEL_OUTPUT_KEYS } from './contract';
import { createCheckedSession, runBatched, type ExecutionProvider, type ExpectedTensor, type SessionOptions } from './session';

export type { ExecutionProvider } from './session';
export type LoadOnsetModelOptions = SessionOptions;

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

const INPUT: ExpectedTensor = { name: MODEL_IO.input, shape: MODEL_INPUT_SHAPE };
const OUTPUTS: readonly ExpectedTensor[] = [
  { name: MODEL_IO.onsetProbability, shape: [MODEL_OUTPUT_KEYS] },
  { name: MODEL_IO.velocity, shape: [MODEL_OUTPUT_KEYS] },
];
const SHIFT_OUTPUT: ExpectedTensor = { name: MODEL_IO.onsetShift, shape: [MODEL_OUTPUT_KEYS] };

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
  // The timing output is optional: checked when the card promises it, used when the graph has it.
  const promisesShift = card.io.onsetShift !== undefined;
  const { session, executionProvider, providerNotes } = await createCheckedSession(
    'Model',
    onnxBytes,
    card,
    { inputs: [INPUT], outputs: promisesShift ? [...OUTPUTS, SHIFT_OUTPUT] : OUTPUTS },
    options,
  );
  const outputs = promisesShift || session.outputNames.includes(SHIFT_OUTPUT.name) ? [...OUTPUTS, SHIFT_OUTPUT] : OUTPUTS;
  return {
    card,
    executionProvider,
    providerNotes,
    predict: async (windows, count, predictOptions = {}) => {
      const [onsetProbability, velocity, onsetShiftSeconds] = await runBatched(
        session,
        INPUT,
        outputs,
        windows,
        count,
        predictOptions.batchSize ?? DEFAULT_BATCH_SIZE,
      );
      return {
        onsetProbability: onsetProbability ?? new Float32Array(0),
        velocity: velocity ?? new Float32Array(0),
        ...(onsetShiftSeconds === undefined ? {} : { onsetShiftSeconds }),
      };
    },
    release: () => session.release(),
  };
}
