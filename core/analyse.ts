/**
 * The engine's front half: audio bytes → decoded samples → spectrogram → onset frames. Everything the classifier
 * needs besides the model, and everything a feature file stores.
 */
import { decodeAudio, type AudioSource } from './audio';
import { AudioError } from './audio/errors';
import { FRAME_RATE_HZ, WINDOW_FRAME_COUNT } from './params';
import { detectOnsets } from './onsets';
import { computeSpectrogram } from './spectrogram';
import type { Spectrogram } from './types';

/** The stages analyseAudio reports, in order. */
export type AnalyseStage = 'decode' | 'spectrogram' | 'onsets';

export interface AnalyseOptions {
  /** Refuse audio longer than this (AUDIO_TOO_LONG). @default DEFAULT_MAX_AUDIO_SECONDS */
  readonly maxSeconds?: number;
  /** Refuse inputs larger than this many bytes (INPUT_TOO_LARGE). @default DEFAULT_MAX_INPUT_BYTES */
  readonly maxBytes?: number;
  /**
   * Called as work proceeds with the fraction of the whole analysis done (0 … 1, never decreasing) and the stage
   * now running. The fraction comes first so a caller that only draws a bar can pass `(fraction) => …`.
   */
  readonly onProgress?: (fraction: number, stage: AnalyseStage) => void;
}

/** An analysed piece of audio. */
export interface AudioAnalysis {
  /** `[frame][bin]` log-amplitude dynamic-Q spectrogram (SPECTROGRAM_SETTINGS), 100 frames per second. */
  readonly spectrogram: Spectrogram;
  /** Ascending onset frame indices (frame n ↔ n / FRAME_RATE_HZ seconds). */
  readonly onsetFrames: Int32Array;
  /** Length of the decoded audio, seconds. */
  readonly durationSeconds: number;
  /** What the file was before downmixing and resampling. */
  readonly source: AudioSource;
}

/**
 * Audio shorter than one analysis window (13 frames, 0.13 s) holds no onset the model could classify: it is refused
 * as EMPTY_AUDIO rather than analysed into an empty score.
 */
export const MIN_ANALYSIS_SECONDS = WINDOW_FRAME_COUNT / FRAME_RATE_HZ;

/**
 * Share of the analysis time each stage takes (measured on a 3-minute WAV; only used to make the progress fraction
 * move at an even pace).
 */
const STAGE_SHARE = { decode: 0.1, spectrogram: 0.85, onsets: 0.05 } as const;

/**
 * Decodes audio bytes (WAV, MP3, FLAC, Ogg Vorbis/Opus), computes the spectrogram and finds the onsets.
 * Fails with the AudioError codes of core/audio (UNSUPPORTED_FORMAT, CORRUPT_AUDIO, EMPTY_AUDIO, SILENT_AUDIO,
 * AUDIO_TOO_LONG, INPUT_TOO_LARGE, …), and EMPTY_AUDIO for audio shorter than MIN_ANALYSIS_SECONDS.
 *
 * @example
 *   const { spectrogram, onsetFrames } = await analyseAudio(readFileSync('take1.wav'));
 *   const windows = extractWindows(spectrogram, onsetFrames);
 */
export async function analyseAudio(bytes: Uint8Array, options: AnalyseOptions = {}): Promise<AudioAnalysis> {
  const report = options.onProgress ?? (() => undefined);
  report(0, 'decode');
  const decoded = await decodeAudio(bytes, {
    ...(options.maxSeconds === undefined ? {} : { maxSeconds: options.maxSeconds }),
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
  });
  if (decoded.durationSeconds < MIN_ANALYSIS_SECONDS) {
    const { format, sampleRateHz } = decoded.source;
    const frames = Math.round(decoded.durationSeconds * sampleRateHz);
    throw new AudioError(
      'EMPTY_AUDIO',
      `${format}: only ${frames} sample${frames === 1 ? '' : 's'} (${(decoded.durationSeconds * 1000).toPrecision(2)} ms) of audio; ` +
        `at least ${MIN_ANALYSIS_SECONDS.toFixed(2)} s (one analysis window) is needed`,
      { context: { ...decoded.source, durationSeconds: decoded.durationSeconds } },
    );
  }
  const afterDecode = STAGE_SHARE.decode;
  report(afterDecode, 'spectrogram');
  const spectrogram = computeSpectrogram(decoded.samples, {
    onProgress: (fraction) => report(afterDecode + STAGE_SHARE.spectrogram * Math.min(1, Math.max(0, fraction)), 'spectrogram'),
  });
  report(afterDecode + STAGE_SHARE.spectrogram, 'onsets');
  const onsetFrames = detectOnsets(spectrogram);
  report(1, 'onsets');
  return { spectrogram, onsetFrames, durationSeconds: decoded.durationSeconds, source: decoded.source };
}
