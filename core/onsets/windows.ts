import { BIN_COUNT, ONSET_WINDOW_FRAMES, WINDOW_FRAME_COUNT } from '../params';
import type { Spectrogram } from '../types';
import { OnsetError } from './errors';
import { SPECTROGRAM_FLOOR } from './floor';

export interface ExtractWindowsOptions {
  /** Value for frames outside the audio. @default the spectrogram floor (silence), see core/onsets/floor.ts */
  readonly padValue?: number;
}

/**
 * Cuts the classifier's input around each onset: frames `onset − ONSET_WINDOW_FRAMES.before` …
 * `onset + ONSET_WINDOW_FRAMES.after` over all bins. Frames before the start or past the end of the audio are
 * filled with `padValue`, the log amplitude of silence, so a window at the edge looks like audio next to silence.
 *
 * @param spectrogram `[frame][bin]` log amplitude with `binCount === BIN_COUNT`.
 * @param onsetFrames frame indices (any order; each may lie outside the audio, it is then all padding).
 * @returns `[onset][WINDOW_FRAME_COUNT][BIN_COUNT]` row-major, which is the ONNX input `[batch, 1, frames, bins]`.
 *
 * @example
 *   const windows = extractWindows(spectrogram, onsets); // windows.length === onsets.length * 13 * 352
 */
export function extractWindows(
  spectrogram: Spectrogram,
  onsetFrames: ArrayLike<number>,
  options: ExtractWindowsOptions = {},
): Float32Array {
  const { frameCount, binCount, data } = spectrogram;
  if (binCount !== BIN_COUNT || data.length !== frameCount * binCount) {
    throw new OnsetError(
      `Cannot cut windows from a ${frameCount}×${binCount} spectrogram of ${data.length} values: ` +
        `it must have ${BIN_COUNT} bins and frameCount × binCount values`,
      { frameCount, binCount, values: data.length },
      'INTERNAL',
    );
  }
  const padValue = options.padValue ?? SPECTROGRAM_FLOOR;
  const windows = new Float32Array(onsetFrames.length * WINDOW_FRAME_COUNT * BIN_COUNT);
  for (let w = 0; w < onsetFrames.length; w++) {
    const onset = onsetFrames[w]!;
    if (!Number.isInteger(onset)) {
      throw new OnsetError(`Onset frame ${onset} is not an integer`, { index: w, onset }, 'INTERNAL');
    }
    const first = onset - ONSET_WINDOW_FRAMES.before;
    for (let row = 0; row < WINDOW_FRAME_COUNT; row++) {
      const frame = first + row;
      const offset = (w * WINDOW_FRAME_COUNT + row) * BIN_COUNT;
      if (frame >= 0 && frame < frameCount) {
        windows.set(data.subarray(frame * BIN_COUNT, (frame + 1) * BIN_COUNT), offset);
      } else {
        windows.fill(padValue, offset, offset + BIN_COUNT);
      }
    }
  }
  return windows;
}
