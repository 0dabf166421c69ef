import { decodeFeatureFile } from '../core/features';
import { loadOnsetModel, parseModelCard, type ExecutionProvider, type OnsetModel } from '../core/model';
import { assembleNotes } from '../core/notes';
import { extractWindows } from '../core/onsets';
import { OUTPUT_MEDIA_TYPE, renderOutputs, type OutputFormat } from '../core/transcribe';
import type { Spectrogram } from '../core/types';

export type { OutputFormat };

/** One job's feature file, decoded and cut into classifier windows. */
export interface PreparedJob {
  readonly spectrogram: Spectrogram;
  readonly onsetFrames: Int32Array;
  /** `[count][WINDOW_FRAME_COUNT][BIN_COUNT]` */
  readonly windows: Float32Array;
  readonly count: number;
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
  /** One inference over `count` windows; outputs `[count][88]`. */
  predict(windows: Float32Array, count: number): Promise<{ onsetProbability: Float32Array; velocity: Float32Array }>;
  render(
    job: PreparedJob,
    prediction: { onsetProbability: Float32Array; velocity: Float32Array },
    options: { title: string; formats: readonly OutputFormat[] },
  ): Promise<{ noteCount: number; files: RenderedFile[] }>;
  release(): Promise<void>;
}

/** Loads the model (bytes and parsed card JSON) and returns the engine over it. */
export async function createWorkerEngine(options: {
  onnxBytes: Uint8Array;
  cardJson: string | Uint8Array;
  executionProviders: readonly string[];
  /** ONNX batch size inside one `predict` (the runtime chunks a worker batch into these). */
  inferenceBatchSize?: number;
}): Promise<WorkerEngine> {
  const providers = options.executionProviders.filter((p): p is ExecutionProvider => p === 'cuda' || p === 'cpu');
  const model: OnsetModel = await loadOnsetModel(options.onnxBytes, parseModelCard(options.cardJson), {
    executionProviders: providers,
  });
  const batchSize = options.inferenceBatchSize ?? 256;
  return {
    executionProvider: model.executionProvider,
    providerNotes: model.providerNotes,
    prepare(featureFile) {
      const file = decodeFeatureFile(featureFile);
      const windows = extractWindows(file.spectrogram, file.onsetFrames);
      return {
        spectrogram: file.spectrogram,
        onsetFrames: file.onsetFrames,
        windows,
        count: file.onsetFrames.length,
        durationSeconds: file.header.durationSeconds,
      };
    },
    predict: (windows, count) => model.predict(windows, count, { batchSize }),
    async render(job, prediction, { title, formats }) {
      const notes = assembleNotes({
        spectrogram: job.spectrogram,
        onsetFrames: job.onsetFrames,
        onsetProbability: prediction.onsetProbability,
        velocity: prediction.velocity,
        thresholds: model.card.thresholds,
      });
      const { outputs } = renderOutputs(notes, { title, formats, spectrogram: job.spectrogram });
      const files: RenderedFile[] = [];
      for (const format of formats) {
        const body = outputs[format];
        if (body !== undefined) files.push({ format, body, contentType: OUTPUT_MEDIA_TYPE[format] });
      }
      return { noteCount: notes.length, files };
    },
    release: () => model.release(),
  };
}
