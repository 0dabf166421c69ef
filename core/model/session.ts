import * as ort from 'onnxruntime-node';
import { DSP_PARAMETERS_HASH } from '../features';
import { shapeProblems } from './card';
import { ModelError } from './errors';

/**
 * What every model the engine runs shares: session creation with provider fallback, the check of the graph's tensors
 * against the contract, the DSP-hash refusal for models that read DSP features, and the batched run. The onset and
 * release models differ only in their tensors (core/model/contract.ts) and in what they do with the outputs; the
 * notation models (core/notation) read notes, so their cards carry no DSP hash, and run one sequence of any length.
 */

/** Execution providers the engine knows how to ask onnxruntime for, in order of preference. */
export type ExecutionProvider = 'cuda' | 'cpu';

export interface SessionOptions {
  /** Providers to try in order; the first that creates a session wins. CPU is always tried last. @default ['cpu'] */
  readonly executionProviders?: readonly ExecutionProvider[];
  /** onnxruntime intra-op threads (1 for the one-core benchmark). @default onnxruntime's choice (all cores) */
  readonly intraOpNumThreads?: number;
  /** The DSP parameter hash the card must carry. @default core/features DSP_PARAMETERS_HASH */
  readonly expectedDspParametersHash?: string;
}

/** A tensor the graph must have: its name and its shape after the batch axis. */
export interface ExpectedTensor {
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * A tensor `createCheckedSession` looks for: by name, and by shape where the graph fixes one. The notation models give
 * none: their sequence axis is dynamic and their batch is one sequence, which `shapeProblems` would refuse.
 */
export type TensorCheck = Pick<ExpectedTensor, 'name'> & Partial<Pick<ExpectedTensor, 'shape'>>;

export interface CheckedSession {
  readonly session: ort.InferenceSession;
  /** The provider the session actually runs on. */
  readonly executionProvider: ExecutionProvider;
  /** Human-readable notes on provider selection (e.g. why CUDA was not used), for logs. */
  readonly providerNotes: readonly string[];
}

/**
 * Refuses a model trained on other DSP parameters (when its card carries a hash: the notation models' cards do not),
 * creates its session (providers in order, CPU last) and checks that the graph has `inputs` and `outputs`, with their
 * shapes where given. `label` names the model in messages ("Model", "Release model", "Notation model"). Unreadable
 * bytes give `MODEL_LOAD_FAILED`; a hash, name or shape that disagrees gives `MODEL_MISMATCH`.
 */
export async function createCheckedSession(
  label: string,
  onnxBytes: Uint8Array,
  card: { readonly name: string; readonly dspParametersHash?: string },
  tensors: { readonly inputs: readonly TensorCheck[]; readonly outputs: readonly TensorCheck[] },
  options: SessionOptions = {},
): Promise<CheckedSession> {
  const expectedHash = options.expectedDspParametersHash ?? DSP_PARAMETERS_HASH;
  if (card.dspParametersHash !== undefined && card.dspParametersHash !== expectedHash) {
    throw new ModelError(
      'MODEL_MISMATCH',
      `${label} "${card.name}" was trained on other DSP parameters (card hash ${card.dspParametersHash}, ` +
        `engine hash ${expectedHash}); retrain it on features from this engine`,
      { context: { cardHash: card.dspParametersHash, engineHash: expectedHash, model: card.name } },
    );
  }
  const created = await createSession(label, onnxBytes, options);
  const problems = [
    ...tensorProblems(created.session.inputNames, created.session.inputMetadata, tensors.inputs),
    ...tensorProblems(created.session.outputNames, created.session.outputMetadata, tensors.outputs),
  ];
  if (problems.length > 0) {
    await created.session.release();
    throw new ModelError('MODEL_MISMATCH', `${label} "${card.name}" does not match the engine's contract: ${problems.join('; ')}`, {
      context: { problems },
    });
  }
  return created;
}

async function createSession(label: string, onnxBytes: Uint8Array, options: SessionOptions): Promise<CheckedSession> {
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
      notes.push(`onnxruntime is running the ${label.toLowerCase()} on ${provider.toUpperCase()}`);
      return { session, executionProvider: provider, providerNotes: notes };
    } catch (error) {
      lastError = error;
      notes.push(`${provider.toUpperCase()} execution provider unavailable: ${(error as Error).message.split('\n')[0] ?? ''}`);
    }
  }
  throw new ModelError('MODEL_LOAD_FAILED', `onnxruntime could not load the ${label.toLowerCase()}: ${notes.join('; ')}`, {
    cause: lastError,
  });
}

function tensorProblems(
  names: readonly string[],
  metadata: readonly ort.InferenceSession.ValueMetadata[],
  expected: readonly TensorCheck[],
): string[] {
  const problems: string[] = [];
  for (const { name, shape } of expected) {
    if (!names.includes(name)) {
      problems.push(`the graph has no tensor "${name}" (it has ${names.map((n) => `"${n}"`).join(', ')})`);
      continue;
    }
    const meta = metadata.find((m) => m.name === name);
    // An empty shape means the graph does not declare one; the first run would then fail loudly instead.
    if (shape !== undefined && meta?.isTensor && meta.shape.length > 0) {
      problems.push(...shapeProblems(`graph tensor "${name}"`, meta.shape, shape));
    }
  }
  return problems;
}

/**
 * Runs `count` windows of `input.shape` floats each (laid out one after another in `windows`) through the session in
 * batches of `batchSize`, and returns each output's rows concatenated. The result does not depend on `batchSize`.
 */
export async function runBatched(
  session: ort.InferenceSession,
  input: ExpectedTensor,
  outputs: readonly ExpectedTensor[],
  windows: Float32Array,
  count: number,
  batchSize: number,
): Promise<Float32Array[]> {
  const windowSize = input.shape.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(count) || count < 0 || windows.length < count * windowSize) {
    throw new ModelError('MODEL_MISMATCH', `predict: ${count} windows need ${count * windowSize} floats, got ${windows.length}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ModelError('MODEL_MISMATCH', `predict: batch size must be a positive integer, got ${batchSize}`);
  }
  const rowSizes = outputs.map((o) => o.shape.reduce((a, b) => a * b, 1));
  const results = rowSizes.map((size) => new Float32Array(count * size));
  const names = outputs.map((o) => o.name);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const tensor = new ort.Tensor('float32', windows.subarray(start * windowSize, (start + n) * windowSize), [n, ...input.shape]);
    const output = await session.run({ [input.name]: tensor }, names);
    outputs.forEach(({ name, shape }, i) => {
      const data = output[name]?.data;
      const size = rowSizes[i] ?? 0;
      if (!(data instanceof Float32Array) || data.length !== n * size) {
        throw new ModelError('MODEL_MISMATCH', `Model output "${name}" is not float32 [${n}, ${shape.join(', ')}]`);
      }
      results[i]?.set(data, start * size);
    });
    tensor.dispose();
  }
  return results;
}
