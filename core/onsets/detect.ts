import type { Spectrogram } from '../types';
import { ONSET_SETTINGS, type OnsetSettings } from './constants';
import { OnsetError } from './errors';
import { SPECTROGRAM_FLOOR } from './floor';

/**
 * The onset detection function: for each frame, the mean over bins of the positive rise in log amplitude against a
 * frequency-max-filtered frame `lag` frames earlier (SuperFlux, Böck & Widmer, DAFx 2013). The max filter makes a
 * partial that merely drifts by a bin (vibrato, detuned unisons) rise against its own neighbourhood, not from the
 * floor, so only new energy counts. Frames before the audio are taken as `floor` (silence), so a note struck at
 * time zero still rises.
 *
 * @returns one value per frame, in the spectrogram's log-amplitude units per bin.
 */
export function onsetStrength(spectrogram: Spectrogram, settings: OnsetSettings, floor: number): Float32Array {
  const { frameCount, binCount, data } = spectrogram;
  const { lagFrames, maxFilterBins } = settings;
  const strength = new Float32Array(frameCount);
  const reference = new Float32Array(binCount);
  for (let frame = 0; frame < frameCount; frame++) {
    const previous = frame - lagFrames;
    if (previous < 0) {
      reference.fill(floor);
    } else {
      const base = previous * binCount;
      for (let bin = 0; bin < binCount; bin++) {
        let peak = -Infinity;
        const low = Math.max(0, bin - maxFilterBins);
        const high = Math.min(binCount - 1, bin + maxFilterBins);
        for (let other = low; other <= high; other++) peak = Math.max(peak, data[base + other]!);
        reference[bin] = peak;
      }
    }
    const base = frame * binCount;
    let sum = 0;
    for (let bin = 0; bin < binCount; bin++) {
      const rise = data[base + bin]! - reference[bin]!;
      if (rise > 0) sum += rise;
    }
    strength[frame] = sum / binCount;
  }
  return strength;
}

/**
 * Picks onsets from a detection function: frame n is an onset when its strength is the largest within
 * `[n - peakBeforeFrames, n + peakAfterFrames]`, exceeds the mean over `[n - meanBeforeFrames, n + meanAfterFrames]`
 * by `threshold`, and lies at least `minSpacingFrames` after the previous onset (when two peaks are closer, the
 * stronger one is kept). The peak rule follows madmom's `peak_picking`.
 *
 * @returns sorted frame indices.
 */
export function pickOnsets(strength: Float32Array, settings: OnsetSettings): Int32Array {
  const count = strength.length;
  const { peakBeforeFrames, peakAfterFrames, meanBeforeFrames, meanAfterFrames, threshold, minSpacingFrames } = settings;
  // Prefix sums make the moving mean O(1) per frame.
  const prefix = new Float64Array(count + 1);
  for (let i = 0; i < count; i++) prefix[i + 1] = prefix[i]! + strength[i]!;
  const picked: number[] = [];
  for (let n = 0; n < count; n++) {
    const value = strength[n]!;
    if (value <= 0) continue;
    let isPeak = true;
    for (let m = Math.max(0, n - peakBeforeFrames); m <= Math.min(count - 1, n + peakAfterFrames); m++) {
      // Ties go to the earliest frame so a flat top yields one onset, at its start.
      if (strength[m]! > value || (m < n && strength[m]! === value)) {
        isPeak = false;
        break;
      }
    }
    if (!isPeak) continue;
    const low = Math.max(0, n - meanBeforeFrames);
    const high = Math.min(count - 1, n + meanAfterFrames);
    const mean = (prefix[high + 1]! - prefix[low]!) / (high - low + 1);
    if (value < mean + threshold) continue;
    const last = picked[picked.length - 1];
    if (last !== undefined && n - last < minSpacingFrames) {
      if (value > strength[last]!) picked[picked.length - 1] = n;
      continue;
    }
    picked.push(n);
  }
  return Int32Array.from(picked);
}

/**
 * Finds note onsets in a log-amplitude spectrogram: the frames where many bins gain energy at once.
 * Tuned for recall (the classifier can reject a false onset; it can never recover a missed one).
 *
 * @param spectrogram `[frame][bin]` log amplitude, as `computeSpectrogram` returns.
 * @param options overrides of `ONSET_SETTINGS` (frames and log-amplitude units) and of the silence floor.
 * @returns sorted, distinct onset frame indices (frame n starts at n / frameRateHz seconds).
 *
 * @example
 *   const onsets = detectOnsets(computeSpectrogram(samples)); // e.g. Int32Array [12, 61, 110]
 */
export function detectOnsets(spectrogram: Spectrogram, options: DetectOnsetsOptions = {}): Int32Array {
  const { floor = SPECTROGRAM_FLOOR, ...overrides } = options;
  const settings: OnsetSettings = { ...ONSET_SETTINGS, ...overrides };
  validate(spectrogram, settings, floor);
  if (spectrogram.frameCount === 0) return new Int32Array(0);
  return pickOnsets(onsetStrength(spectrogram, settings, floor), settings);
}

/** Overrides of `ONSET_SETTINGS`, and the log amplitude of silence (before the first frame). */
export type DetectOnsetsOptions = Partial<OnsetSettings> & {
  /** @default the spectrogram's floor (the value of digital silence) */
  readonly floor?: number;
};

function validate(spectrogram: Spectrogram, settings: OnsetSettings, floor: number): void {
  const problems: string[] = [];
  if (spectrogram.data.length !== spectrogram.frameCount * spectrogram.binCount) {
    problems.push(`data has ${spectrogram.data.length} values, not frameCount × binCount`);
  }
  for (const key of ['lagFrames', 'peakBeforeFrames', 'peakAfterFrames', 'meanBeforeFrames', 'meanAfterFrames'] as const) {
    if (!Number.isInteger(settings[key]) || settings[key] < 0) problems.push(`${key} must be a non-negative integer`);
  }
  if (settings.lagFrames < 1) problems.push('lagFrames must be at least 1');
  if (!Number.isInteger(settings.maxFilterBins) || settings.maxFilterBins < 0) {
    problems.push('maxFilterBins must be a non-negative integer');
  }
  if (!Number.isInteger(settings.minSpacingFrames) || settings.minSpacingFrames < 1) {
    problems.push('minSpacingFrames must be a positive integer');
  }
  if (!Number.isFinite(settings.threshold)) problems.push('threshold must be finite');
  if (!Number.isFinite(floor)) problems.push('floor must be finite');
  if (problems.length > 0) throw new OnsetError(`Invalid onset detection input: ${problems.join('; ')}`, { problems });
}
