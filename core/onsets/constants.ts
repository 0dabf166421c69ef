/**
 * Onset detection settings. They shape which windows the classifier sees, so they are part of the DSP parameters
 * (core/features DSP_PARAMETERS) that feature files and model cards carry: change one and models must be retrained.
 * Frames are spectrogram frames (10 ms); strengths are in the spectrogram's log-amplitude units averaged over bins.
 */
export interface OnsetSettings {
  /** Compare each frame with the one this many frames earlier (2 = 20 ms: an attack rises over more than a hop). */
  readonly lagFrames: number;
  /** Half-width, in bins, of the max filter over frequency applied to the earlier frame (1 bin = a quarter semitone). */
  readonly maxFilterBins: number;
  /** A peak must be the largest in [n − before, n + after]. */
  readonly peakBeforeFrames: number;
  readonly peakAfterFrames: number;
  /** The adaptive threshold is the mean strength over [n − before, n + after] … */
  readonly meanBeforeFrames: number;
  readonly meanAfterFrames: number;
  /** … plus this offset. */
  readonly threshold: number;
  /** Two onsets closer than this are one: the stronger is kept. */
  readonly minSpacingFrames: number;
}

/** The engine's onset settings (tuned for recall on test/core/onsets' synthetic pieces; see docs/features.md). */
export const ONSET_SETTINGS: OnsetSettings = Object.freeze({
  lagFrames: 2,
  maxFilterBins: 1,
  peakBeforeFrames: 3,
  peakAfterFrames: 3,
  meanBeforeFrames: 10,
  meanAfterFrames: 7,
  threshold: 0.1,
  minSpacingFrames: 3,
});
