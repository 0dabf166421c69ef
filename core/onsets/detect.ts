import { FRAME_RATE_HZ } from '../params';
import { binWindowSeconds, SPECTROGRAM_SETTINGS } from '../spectrogram/settings';
import type { Spectrogram } from '../types';
import { onsetKernel, type StrengthInput } from './onset-kernel';
import { ONSET_SETTINGS, type OnsetSettings } from './constants';
import { OnsetError } from './errors';
import { SPECTROGRAM_FLOOR } from './floor';

/**
 * The onset detection function. Per bin b and frame n, the rise in linear magnitude m from frame n − lag (max-filtered
 * over ±`maxFilterBins` bins, as in SuperFlux, Böck & Widmer, DAFx 2013, so a partial that drifts by a bin does not
 * count), divided by the bin's peak magnitude over the frames n − lag … n + h_b just ahead; averaged over bins.
 *
 * Why this shape: on a log scale a bin's steepest rise comes when its window's leading edge first catches a strike,
 * up to half a window (75 ms in the bass) early; linear magnitude rises steepest when the strike crosses the window's
 * centre, so every bin agrees on the time. Dividing by the level the bin is about to reach (h_b = `spanFraction` of
 * its window, at least `minSpanFrames`) makes a pp note in otherwise quiet bins count as much as an ff one; levels
 * below `levelFloor` count as the floor, so faint leakage and noise near silence do not.
 *
 * Frames before the audio are silence, so a note struck at time zero still rises.
 *
 * @param spans h_b per bin, frames (see `onsetSpans`).
 * @returns one value per frame: the mean over bins of the relative rise, 0 … 1.
 */
export function onsetStrength(
  spectrogram: Spectrogram,
  settings: OnsetSettings,
  floor: number,
  spans: Int32Array = onsetSpans(spectrogram.binCount, settings),
): Float32Array {
  const { frameCount, binCount, data } = spectrogram;
  const input: StrengthInput = {
    data,
    frameCount,
    binCount,
    lagFrames: settings.lagFrames,
    referenceFrames: settings.referenceFrames,
    maxFilterBins: settings.maxFilterBins,
    levelFloor: Math.max(floor, settings.levelFloor),
    magnitudePerUnit: MAGNITUDE_PER_UNIT,
    spans,
  };
  // The WebAssembly kernel computes this definition to the last bit (its exp is V8's fdlibm exp), streaming the
  // spectrogram through a few MB; it declines spectrograms holding NaN or ±∞, which no analysis produces. With no
  // bins every strength is 0 / 0, a NaN whose bits are left to the engine that divides.
  return (binCount > 0 ? onsetKernel().strength(input) : undefined) ?? plainStrength(input);
}

/**
 * The definition, cell by cell (each cell's earlier level and peak scanned afresh): for spectrograms holding NaN or
 * ±∞, where Math.max's NaN propagation makes the result.
 */
function plainStrength(input: StrengthInput): Float32Array {
  const { data, frameCount, binCount, lagFrames, referenceFrames, maxFilterBins, levelFloor, spans } = input;
  const strength = new Float32Array(frameCount);
  for (let frame = 0; frame < frameCount; frame++) {
    let sum = 0;
    const earlierFrame = frame - lagFrames;
    const firstBack = Math.max(0, earlierFrame - referenceFrames + 1);
    for (let bin = 0; bin < binCount; bin++) {
      const now = Math.max(levelFloor, data[frame * binCount + bin]!);
      let earlier = levelFloor;
      const low = Math.max(0, bin - maxFilterBins);
      const high = Math.min(binCount - 1, bin + maxFilterBins);
      for (let back = firstBack; back <= earlierFrame; back++) {
        for (let other = low; other <= high; other++) earlier = Math.max(earlier, data[back * binCount + other]!);
      }
      if (now <= earlier) continue;
      let peak = now;
      const last = Math.min(frameCount - 1, frame + spans[bin]!);
      for (let ahead = frame + 1; ahead <= last; ahead++) peak = Math.max(peak, data[ahead * binCount + bin]!);
      // (m(now) − m(earlier)) / m(peak), with m(v) = exp(k·(v − 1)).
      sum += Math.exp(MAGNITUDE_PER_UNIT * (now - peak)) - Math.exp(MAGNITUDE_PER_UNIT * (earlier - peak));
    }
    strength[frame] = sum / binCount;
  }
  return strength;
}

/** Spectrogram units (1 + dB / rangeDb, SPECTROGRAM_SETTINGS.amplitude) to natural-log magnitude: m = exp(k·(v − 1)). */
const MAGNITUDE_PER_UNIT = (SPECTROGRAM_SETTINGS.amplitude.rangeDb / 20) * Math.LN10;

/**
 * Half-span h_b of the onset difference per bin, in frames: `spanFraction` of the bin's low-Q analysis window
 * (SPECTROGRAM_SETTINGS.lowQ), at least `minSpanFrames`.
 */
export function onsetSpans(binCount: number, settings: OnsetSettings): Int32Array {
  const spans = new Int32Array(binCount);
  for (let bin = 0; bin < binCount; bin++) {
    const frames = settings.spanFraction * binWindowSeconds(bin, SPECTROGRAM_SETTINGS.lowQ) * FRAME_RATE_HZ;
    spans[bin] = Math.max(settings.minSpanFrames, Math.round(frames));
  }
  return spans;
}

/**
 * Picks onsets from a detection function. Frame n is an onset when its strength
 * - is the largest within [n − peakBeforeFrames, n + peakAfterFrames] (madmom's `peak_picking` rule),
 * - exceeds the median over [n − medianBeforeFrames, n + medianAfterFrames] by `threshold` (a median, not a mean,
 *   so a loud neighbouring strike in a fast passage does not lift the bar over a quiet one),
 * - reaches `recentRatio` of the strongest strength in the `recentFrames` before it (beating in the long decay of a
 *   loud chord wobbles the strength by a few per cent of the chord's own peak; a new strike rarely stays that low),
 * - and lies at least `minSpacingFrames` after the previous onset (when two are closer, the stronger is kept).
 *
 * @returns sorted frame indices.
 */
export function pickOnsets(strength: Float32Array, settings: OnsetSettings): Int32Array {
  // The kernel runs these comparisons to the same result; it leaves NaN and ±∞ strengths to the code below.
  return onsetKernel().pick(strength, settings) ?? plainPick(strength, settings);
}

function plainPick(strength: Float32Array, settings: OnsetSettings): Int32Array {
  const count = strength.length;
  const { peakBeforeFrames, peakAfterFrames, medianBeforeFrames, medianAfterFrames, threshold, minSpacingFrames } =
    settings;
  const picked: number[] = [];
  const median = new Float32Array(medianBeforeFrames + 1 + medianAfterFrames);
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
    // Frames beyond either end count as silence (strength 0), so a strike at the very start is not its own median.
    median.fill(0);
    for (let m = Math.max(0, n - medianBeforeFrames); m <= Math.min(count - 1, n + medianAfterFrames); m++) {
      median[m - (n - medianBeforeFrames)] = strength[m]!;
    }
    median.sort();
    if (value < median[median.length >> 1]! + threshold) continue;
    let recentPeak = 0;
    for (let m = Math.max(0, n - settings.recentFrames); m < n; m++) recentPeak = Math.max(recentPeak, strength[m]!);
    if (value < settings.recentRatio * recentPeak) continue;
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
  for (const key of ['lagFrames', 'minSpanFrames', 'peakBeforeFrames', 'peakAfterFrames', 'medianBeforeFrames', 'medianAfterFrames', 'recentFrames'] as const) {
    if (!Number.isInteger(settings[key]) || settings[key] < 0) problems.push(`${key} must be a non-negative integer`);
  }
  if (settings.minSpanFrames < 1) problems.push('minSpanFrames must be at least 1');
  if (settings.lagFrames < 1) problems.push('lagFrames must be at least 1');
  if (!Number.isInteger(settings.referenceFrames) || settings.referenceFrames < 1) {
    problems.push('referenceFrames must be a positive integer');
  }
  if (!Number.isFinite(settings.levelFloor)) problems.push('levelFloor must be finite');
  if (!(settings.spanFraction >= 0 && settings.spanFraction <= 4)) problems.push('spanFraction must lie in 0…4');
  if (!Number.isInteger(settings.maxFilterBins) || settings.maxFilterBins < 0) {
    problems.push('maxFilterBins must be a non-negative integer');
  }
  if (!Number.isInteger(settings.minSpacingFrames) || settings.minSpacingFrames < 1) {
    problems.push('minSpacingFrames must be a positive integer');
  }
  if (!Number.isFinite(settings.threshold)) problems.push('threshold must be finite');
  if (!(settings.recentRatio >= 0 && settings.recentRatio <= 1)) problems.push('recentRatio must lie in 0…1');
  if (!Number.isFinite(floor)) problems.push('floor must be finite');
  if (problems.length > 0) throw new OnsetError(`Invalid onset detection input: ${problems.join('; ')}`, { problems });
}
