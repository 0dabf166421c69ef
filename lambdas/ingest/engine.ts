import { analyseAudio } from '../../core/analyse';
import { encodeFeatureFile } from '../../core/features';

/** What ingest keeps of an upload: the feature file (the worker's input) and two numbers for the job message. */
export interface AnalysedUpload {
  readonly featureFile: Uint8Array;
  readonly windowCount: number;
  readonly durationSeconds: number;
}

export interface AnalyseOptions {
  readonly maxSeconds: number;
  /** The upload's S3 key, recorded in the feature file's metadata. */
  readonly sourceKey: string;
}

/** Turns uploaded bytes into a feature file. Throws the core's NotescribeErrors (CORRUPT_AUDIO, …) for bad uploads. */
export type AnalyseUpload = (bytes: Uint8Array, options: AnalyseOptions) => Promise<AnalysedUpload>;

/** The engine's path: decode → spectrogram → onsets (core/analyse), then the feature-file encoding (core/features). */
export const analyseUpload: AnalyseUpload = async (bytes, options) => {
  const analysis = await analyseAudio(bytes, { maxSeconds: options.maxSeconds });
  const featureFile = encodeFeatureFile(analysis, { sourceName: options.sourceKey, sourceByteLength: bytes.length });
  return { featureFile, windowCount: analysis.onsetFrames.length, durationSeconds: analysis.durationSeconds };
};
