import { SPECTROGRAM_SETTINGS } from './settings';

/**
 * The dynamic-Q blend for one group, in place: `low` becomes the output magnitude. `low`, `high`: linear magnitudes
 * `[frame][binCount]`. `floor`: the amplitude below which levels are clamped before measuring modulation.
 *
 * Rule (SPECTROGRAM_SETTINGS.dynamicQ): for each bin, the oscillation O of its level in dB over the centred span
 * t−R … t+R (see `oscillation`) is measured on the low-Q and on the high-Q analysis. Two partials closer than the
 * low-Q bandwidth but farther apart than the high-Q bandwidth make the low-Q level swing by the full modulation
 * depth at their difference frequency while the high-Q level stays flat, so O_low − O_high grows with every beat
 * cycle; an isolated note, its onset or a click scores 0 on both. The weight is
 * w = clamp((O_low − O_high − threshold) / (full − threshold), 0, 1), max-filtered over ±spreadBins, and the output
 * is low + w·(high − low).
 *
 * @returns the fraction of cells with a non-zero weight (for diagnostics).
 */
export function blendDynamicQ(low: Float32Array, high: Float32Array, frameCount: number, binCount: number, floor: number): number {
  const { spanFrames, thresholdDb, fullDb, spreadBins } = SPECTROGRAM_SETTINGS.dynamicQ;
  const weights = new Float32Array(frameCount * binCount);
  const level = new Float64Array(frameCount);
  const oscillationLow = new Float64Array(frameCount);
  const oscillationHigh = new Float64Array(frameCount);
  const scratch = new Scratch(frameCount);
  const span = fullDb - thresholdDb;
  let weighted = 0;
  for (let b = 0; b < binCount; b++) {
    levelsDb(low, b, binCount, frameCount, floor, level);
    oscillation(level, spanFrames, scratch, oscillationLow);
    levelsDb(high, b, binCount, frameCount, floor, level);
    oscillation(level, spanFrames, scratch, oscillationHigh);
    for (let f = 0; f < frameCount; f++) {
      const w = (oscillationLow[f]! - oscillationHigh[f]! - thresholdDb) / span;
      weights[f * binCount + b] = w <= 0 ? 0 : w >= 1 ? 1 : w;
    }
  }
  for (let f = 0; f < frameCount; f++) {
    const row = f * binCount;
    for (let b = 0; b < binCount; b++) {
      let w = 0;
      const lo = Math.max(0, b - spreadBins);
      const hi = Math.min(binCount - 1, b + spreadBins);
      for (let o = lo; o <= hi; o++) w = Math.max(w, weights[row + o]!);
      if (w > 0) {
        weighted++;
        low[row + b] = low[row + b]! + w * (high[row + b]! - low[row + b]!);
      }
    }
  }
  return frameCount * binCount === 0 ? 0 : weighted / (frameCount * binCount);
}

const TO_DB = 20 / Math.LN10;

function levelsDb(plane: Float32Array, bin: number, binCount: number, frameCount: number, floor: number, out: Float64Array): void {
  for (let f = 0; f < frameCount; f++) out[f] = TO_DB * Math.log(Math.max(plane[f * binCount + bin]!, floor));
}

/** Work arrays reused across bins. */
class Scratch {
  readonly cumulative: Float64Array;
  readonly max: Float64Array;
  readonly min: Float64Array;
  readonly prefixMax: Float64Array;
  readonly prefixMin: Float64Array;
  readonly suffixMax: Float64Array;
  readonly suffixMin: Float64Array;
  constructor(length: number) {
    this.cumulative = new Float64Array(length);
    this.max = new Float64Array(length);
    this.min = new Float64Array(length);
    this.prefixMax = new Float64Array(length);
    this.prefixMin = new Float64Array(length);
    this.suffixMax = new Float64Array(length);
    this.suffixMin = new Float64Array(length);
  }
}

/**
 * Oscillation of a level track over centred spans [t−R, t+R] (clamped to the track): O = max(0, TV − 2·range), TV
 * the total variation and range = max − min. One excursion (a rise, a decay, a rise and decay, a click) has
 * TV ≤ 2·range and scores 0; k cycles of modulation of depth D score ≈ 2(k−1)·D, so only repeated swings count.
 * Span maxima and minima use van Herk / Gil-Werman block scans: O(1) per frame.
 */
function oscillation(level: Float64Array, spanFrames: number, scratch: Scratch, out: Float64Array): void {
  const n = level.length;
  if (n === 0) return;
  const { cumulative, max, min } = scratch;
  const excursionWeight = 2 * SPECTROGRAM_SETTINGS.dynamicQ.ignoredCycles;
  cumulative[0] = 0;
  for (let f = 1; f < n; f++) cumulative[f] = cumulative[f - 1]! + Math.abs(level[f]! - level[f - 1]!);
  slidingExtremes(level, spanFrames, scratch);
  for (let f = 0; f < n; f++) {
    const a = Math.max(0, f - spanFrames);
    const z = Math.min(n - 1, f + spanFrames);
    const value = cumulative[z]! - cumulative[a]! - excursionWeight * (max[f]! - min[f]!);
    out[f] = value > 0 ? value : 0;
  }
}

/** max[f], min[f] over level[max(0, f−R) … min(n−1, f+R)]. */
function slidingExtremes(level: Float64Array, radius: number, scratch: Scratch): void {
  const n = level.length;
  const width = 2 * radius + 1;
  const { prefixMax, prefixMin, suffixMax, suffixMin, max, min } = scratch;
  for (let f = 0; f < n; f++) {
    const v = level[f]!;
    if (f % width === 0) {
      prefixMax[f] = v;
      prefixMin[f] = v;
    } else {
      prefixMax[f] = Math.max(prefixMax[f - 1]!, v);
      prefixMin[f] = Math.min(prefixMin[f - 1]!, v);
    }
  }
  for (let f = n - 1; f >= 0; f--) {
    const v = level[f]!;
    if (f === n - 1 || (f + 1) % width === 0) {
      suffixMax[f] = v;
      suffixMin[f] = v;
    } else {
      suffixMax[f] = Math.max(suffixMax[f + 1]!, v);
      suffixMin[f] = Math.min(suffixMin[f + 1]!, v);
    }
  }
  // A span [a, z] of at most `width` frames crosses at most one block boundary: max = max(suffix[a], prefix[z]).
  for (let f = 0; f < n; f++) {
    const a = Math.max(0, f - radius);
    const z = Math.min(n - 1, f + radius);
    max[f] = Math.max(suffixMax[a]!, prefixMax[z]!);
    min[f] = Math.min(suffixMin[a]!, prefixMin[z]!);
  }
}
