/**
 * Onset detection settings. They shape which windows the classifier sees, so they are part of the DSP parameters
 * (core/features DSP_PARAMETERS) that feature files and model cards carry: change one and models must be retrained.
 * Frames are spectrogram frames (10 ms); levels are spectrogram values (0 = silence, 1 = a loud note); strengths are
 * mean relative rises over bins (0 … 1).
 */
export interface OnsetSettings {
  /** Each bin's rise is measured against the frame this many frames earlier … */
  readonly lagFrames: number;
  /** … (the maximum over this many frames ending there, so amplitude beats shorter than this do not count) … */
  readonly referenceFrames: number;
  /** … relative to its peak over the next h frames, h = this fraction of the bin's low-Q window (in frames) … */
  readonly spanFraction: number;
  /** … but at least this many frames. */
  readonly minSpanFrames: number;
  /**
   * Levels below this count as this (spectrogram units: 0.3 is 56 dB below a loud note), so rises in near-silence —
   * a long bass window catching the edge of a click, leakage — do not count.
   */
  readonly levelFloor: number;
  /** Half-width, in bins, of the max filter over frequency applied to the earlier frame (1 bin = a quarter semitone). */
  readonly maxFilterBins: number;
  /** A peak must be the largest in [n − before, n + after]. */
  readonly peakBeforeFrames: number;
  readonly peakAfterFrames: number;
  /** The adaptive threshold is the median strength over [n − before, n + after] … */
  readonly medianBeforeFrames: number;
  readonly medianAfterFrames: number;
  /** … plus this offset. */
  readonly threshold: number;
  /** A peak must also reach this fraction of the strongest strength in the `recentFrames` frames before it. */
  readonly recentRatio: number;
  readonly recentFrames: number;
  /** Two onsets closer than this are one: the stronger is kept. */
  readonly minSpacingFrames: number;
}

/** The engine's onset settings (tuned for recall on test/core/onsets' synthetic pieces; see docs/features.md). */
export const ONSET_SETTINGS: OnsetSettings = Object.freeze({
  lagFrames: 2,
  referenceFrames: 1,
  spanFraction: 0.5,
  minSpanFrames: 1,
  maxFilterBins: 1,
  levelFloor: 0.3,
  peakBeforeFrames: 1,
  peakAfterFrames: 1,
  medianBeforeFrames: 5,
  medianAfterFrames: 3,
  threshold: 0.002,
  recentRatio: 0.1,
  recentFrames: 100,
  minSpacingFrames: 3,
});
