import { FRAME_RATE_HZ } from '../params';
import { binWindowSeconds, SPECTROGRAM_SETTINGS } from '../spectrogram/settings';
import type { Spectrogram } from '../types';
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
  const { maxFilterBins, lagFrames, referenceFrames } = settings;
  const levelFloor = Math.max(floor, settings.levelFloor);
  const strength = new Float32Array(frameCount);
  // A bin can only rise when its value exceeds the floor and every cell its earlier level is the maximum of. Most
  // cells do not (about 90% on piano music), and that test comes first, a row at a time, on the float32 bits as
  // integers: for values ≥ 0 (the spectrogram's) they order like the floats, and integer maxima compile without
  // branches, where a float comparison of levels is a coin toss the CPU mispredicts. The screen only skips cells
  // the exact test would skip (see `risingBars`); the others are measured exactly as before.
  const bits = new Int32Array(data.buffer, data.byteOffset, data.length);
  const floorBits = bitsAtOrBelow(levelFloor);
  const bars = new Int32Array(binCount);
  const rising = new Int32Array(binCount);
  for (let frame = 0; frame < frameCount; frame++) {
    let sum = 0;
    const base = frame * binCount;
    const earlierFrame = frame - lagFrames;
    const firstBack = Math.max(0, earlierFrame - referenceFrames + 1);
    risingBars(bits, binCount, firstBack, earlierFrame, maxFilterBins, floorBits, bars);
    // The bins that pass, in order, listed without a branch. Negative bits (a negative value, −0, a negative NaN)
    // and NaN (above every bar) pass on to the exact test.
    let count = 0;
    for (let bin = 0; bin < binCount; bin++) {
      const cell = bits[base + bin]!;
      rising[count] = bin;
      count += 1 - (+(cell >= 0) & +(cell <= bars[bin]!));
    }
    for (let i = 0; i < count; i++) {
      const bin = rising[i]!;
      const now = Math.max(levelFloor, data[base + bin]!);
      let earlier = levelFloor;
      const low = Math.max(0, bin - maxFilterBins);
      const high = Math.min(binCount - 1, bin + maxFilterBins);
      for (let back = firstBack; back <= earlierFrame; back++) {
        const earlierBase = back * binCount;
        for (let other = low; other <= high; other++) earlier = Math.max(earlier, data[earlierBase + other]!);
      }
      if (now <= earlier) continue;
      let peak = now;
      const last = Math.min(frameCount - 1, frame + spans[bin]!);
      for (let ahead = frame + 1; ahead <= last; ahead++) peak = Math.max(peak, data[ahead * binCount + bin]!);
      // (m(now) − m(earlier)) / m(peak), with m(v) = exp(k·(v − 1)); exp(k·0) is exactly 1 (for 45% of rises).
      const gap = now - peak;
      const rise = gap === 0 ? 1 : Math.exp(MAGNITUDE_PER_UNIT * gap);
      sum += rise - Math.exp(MAGNITUDE_PER_UNIT * (earlier - peak));
    }
    strength[frame] = sum / binCount;
  }
  return strength;
}

/**
 * The bits of the largest float32 at or below `value`, as an integer; −1 when `value` < 0. A float32 v ≥ 0 exceeds
 * `value` exactly when its bits (an integer ≥ 0 that orders like v) exceed these.
 */
function bitsAtOrBelow(value: number): number {
  if (value < 0) return -1;
  const float = new Float32Array([value]);
  const bits = new Int32Array(float.buffer)[0]!;
  return float[0]! > value ? bits - 1 : bits;
}

/**
 * Per bin, the bits a cell ≥ 0 must exceed to possibly rise: the largest of `floorBits` and the bits of rows
 * `firstBack … lastBack` within ±`radius` bins. A cell at or below its bar is at or below the floor or one of those
 * cells, so its level cannot exceed its earlier level. Cells with negative bits (negative values) only lower a bar,
 * which only lets more cells through. NaN (its sign cleared, so above every number) raises a bar over +∞'s bits,
 * which then drops to −1, letting every cell through to the exact test (where NaN propagates as before).
 */
function risingBars(
  bits: Int32Array,
  binCount: number,
  firstBack: number,
  lastBack: number,
  radius: number,
  floorBits: number,
  bars: Int32Array,
): void {
  bars.fill(floorBits);
  for (let back = firstBack; back <= lastBack; back++) {
    const row = back * binCount;
    if (radius === 1 && binCount >= 2) {
      // The default ±1 bin: max(pair(b − 1), pair(b)) with pair(b) = max(cell(b), cell(b + 1)).
      let left = positiveNaN(bits[row]!);
      let pair = left;
      for (let bin = 0; bin < binCount; bin++) {
        const right = bin + 1 < binCount ? positiveNaN(bits[row + bin + 1]!) : left;
        const next = left ^ ((left ^ right) & (0 - +(left < right)));
        let bar = bars[bin]!;
        const cells = pair ^ ((pair ^ next) & (0 - +(pair < next)));
        bar = bar ^ ((bar ^ cells) & (0 - +(bar < cells)));
        bars[bin] = bar;
        pair = next;
        left = right;
      }
      continue;
    }
    for (let bin = 0; bin < binCount; bin++) {
      let bar = bars[bin]!;
      const low = bin > radius ? bin - radius : 0;
      const high = bin + radius < binCount ? bin + radius : binCount - 1;
      for (let other = row + low; other <= row + high; other++) {
        const cell = positiveNaN(bits[other]!);
        bar = bar ^ ((bar ^ cell) & (0 - +(bar < cell)));
      }
      bars[bin] = bar;
    }
  }
  for (let bin = 0; bin < binCount; bin++) bars[bin] = bars[bin]! | (0 - +(bars[bin]! > INFINITY_BITS));
}

/** NaN's bits with the sign cleared (above +∞'s); other bits as they are. */
function positiveNaN(bits: number): number {
  return bits & (0x7fffffff | ~(0 - +((bits & 0x7fffffff) > INFINITY_BITS)));
}

/** The bits of +∞ as a float32. */
const INFINITY_BITS = 0x7f800000;

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
