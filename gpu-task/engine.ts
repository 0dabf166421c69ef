import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeFeatureFile } from '../core/features';
import {
  loadOnsetModel,
  loadReleaseModel,
  parseModelCard,
  parseReleaseModelCard,
  type ExecutionProvider,
  type OnsetModel,
  type OnsetPrediction,
  type ReleaseModel,
} from '../core/model';
import {
  loadHandsModel,
  loadNotationModel,
  parseHandsModelCard,
  parseNotationModelCard,
  type HandsModel,
  type NotationModel,
  type NotationModels,
} from '../core/notation';
import type { ScoreHints } from '../core/notation/hints';
import { OUTPUT_MEDIA_TYPE, type OutputFormat } from '../core/output-formats';
import { KEY_COUNT } from '../core/params';
import { finishTranscription, prepareWindows, type PreparedWindows } from '../core/transcribe';
import { readNotationModelFiles, readReleaseModelFiles, type ModelFiles, type NotationModelFiles } from '../pipeline/model-files';

export type { OutputFormat };

/** One job's feature file, decoded and cut into classifier windows (core/transcribe's first half). */
export interface PreparedJob extends PreparedWindows {
  readonly durationSeconds: number;
}

/** One rendered output file. */
export interface RenderedFile {
  readonly format: OutputFormat;
  readonly body: Uint8Array | string;
  readonly contentType: string;
}

/** The engine as the worker uses it; tests may wrap it (e.g. to watch batch sizes). */
export interface WorkerEngine {
  /** The ONNX Runtime execution provider in use ('cuda' | 'cpu'). */
  readonly executionProvider: string;
  readonly providerNotes: readonly string[];
  prepare(featureFile: Uint8Array): PreparedJob;
  /** One inference over `count` windows; every output `[count][KEY_COUNT]`. */
  predict(windows: Float32Array, count: number): Promise<OnsetPrediction>;
  /** core/transcribe's second half: predictions → notes → the requested files. */
  render(
    job: PreparedJob,
    prediction: OnsetPrediction,
    options: { title: string; formats: readonly OutputFormat[]; hints?: ScoreHints },
  ): Promise<{ noteCount: number; files: RenderedFile[] }>;
  release(): Promise<void>;
}

/**
 * The rows `from`…`to` (onsets) of every output of a batch's prediction. Each output is `[count][KEY_COUNT]`
 * (core/model `OnsetPrediction`); slicing every field rather than naming them lets an output a newer model adds
 * reach note assembly with no change here.
 */
export function slicePrediction(prediction: OnsetPrediction, from: number, to: number): OnsetPrediction {
  const rows = Object.entries(prediction).map(([name, value]) => [
    name,
    value instanceof Float32Array ? value.subarray(from * KEY_COUNT, to * KEY_COUNT) : value,
  ]);
  return Object.fromEntries(rows) as unknown as OnsetPrediction;
}

/** A model file's bytes and its card's JSON. */
interface ModelBytes {
  readonly onnxBytes: Uint8Array;
  readonly cardJson: string | Uint8Array;
}

/**
 * Loads the models (bytes and card JSON) and returns the engine over them: the same models and options the CLI's
 * `transcribe` uses, so a job's score is the one `npx notescribe transcribe` writes for the same audio.
 */
export async function createWorkerEngine(options: {
  onnxBytes: Uint8Array;
  cardJson: string | Uint8Array;
  /** The release model the onset card names (`releaseModel`), when it does: note ends at key releases. */
  release?: ModelBytes;
  /** The notation models (pipeline/model-files `readNotationModelFiles`): beats and metre, staves. @default the rules */
  notation?: { metre?: ModelBytes; hands?: ModelBytes };
  executionProviders: readonly string[];
  /** ONNX batch size inside one `predict` (the runtime chunks a worker batch into these). */
  inferenceBatchSize?: number;
}): Promise<WorkerEngine> {
  const providers = options.executionProviders.filter((p): p is ExecutionProvider => p === 'cuda' || p === 'cpu');
  const model: OnsetModel = await loadOnsetModel(options.onnxBytes, parseModelCard(options.cardJson), {
    executionProviders: providers,
  });
  const releaseModel: ReleaseModel | undefined =
    options.release === undefined
      ? undefined
      : await loadReleaseModel(options.release.onnxBytes, parseReleaseModelCard(options.release.cardJson));
  const { metre, hands } = options.notation ?? {};
  const metreModel: NotationModel | undefined =
    metre === undefined ? undefined : await loadNotationModel(metre.onnxBytes, parseNotationModelCard(metre.cardJson));
  const handsModel: HandsModel | undefined =
    hands === undefined ? undefined : await loadHandsModel(hands.onnxBytes, parseHandsModelCard(hands.cardJson));
  const notationModels: NotationModels = {
    ...(metreModel === undefined ? {} : { metre: metreModel }),
    ...(handsModel === undefined ? {} : { hands: handsModel }),
  };
  const batchSize = options.inferenceBatchSize ?? 256;
  return {
    executionProvider: model.executionProvider,
    providerNotes: model.providerNotes,
    prepare(featureFile) {
      const file = decodeFeatureFile(featureFile);
      return { ...prepareWindows(file), durationSeconds: file.header.durationSeconds };
    },
    predict: (windows, count) => model.predict(windows, count, { batchSize }),
    async render(job, prediction, { title, formats, hints }) {
      const { notes, rendered } = await finishTranscription(job, prediction, {
        thresholds: model.card.thresholds,
        ...(releaseModel === undefined ? {} : { releaseModel }),
        notationModels,
        title,
        formats,
        ...(hints ? { hints } : {}),
      });
      const files: RenderedFile[] = [];
      for (const format of formats) {
        const body = rendered.outputs[format];
        if (body !== undefined) files.push({ format, body, contentType: OUTPUT_MEDIA_TYPE[format] });
      }
      return { noteCount: notes.length, files };
    },
    release: async () => {
      await model.release();
      await releaseModel?.release();
      await metreModel?.release();
      await handsModel?.release();
    },
  };
}

/**
 * The engine over the models on disk, found as the worker image holds them: the onset model and its card, the release
 * model that card names and the notation models beside it (pipeline/model-files). The worker and `npm run local` use
 * it; it returns the files it found, for the log.
 */
export async function loadWorkerEngine(options: {
  modelPath: string;
  cardPath: string;
  executionProviders: readonly string[];
}): Promise<{ engine: WorkerEngine; release: ModelFiles | undefined; notation: NotationModelFiles }> {
  const cardJson = await readFile(options.cardPath, 'utf8');
  const release = await readReleaseModelFiles(options.modelPath, JSON.parse(cardJson) as Record<string, unknown>);
  const notation = await readNotationModelFiles(dirname(options.modelPath));
  const engine = await createWorkerEngine({
    onnxBytes: new Uint8Array(await readFile(options.modelPath)),
    cardJson,
    ...(release === undefined ? {} : { release }),
    notation,
    executionProviders: options.executionProviders,
  });
  return { engine, release, notation };
}
