import { SPECTROGRAM_SETTINGS } from './settings';

/**
 * The dynamic-Q rule (SPECTROGRAM_SETTINGS.dynamicQ, docs/spectrogram.md). For each bin, the oscillation O of its
 * level in dB over the centred span t−R … t+R (see `oscillation`) is measured on the low-Q and on the high-Q
 * analysis. Two partials closer than the low-Q bandwidth but farther apart than the high-Q bandwidth make the low-Q
 * level swing by the full modulation depth at their difference frequency while the high-Q level stays flat, so
 * O_low − O_high grows with every beat cycle; an isolated note, its onset or a click scores 0 on both. The weight is
 * w = clamp((O_low − O_high − threshold) / (full − threshold), 0, 1), max-filtered over ±spreadBins, and the output
 * is low + w·(high − low) in log magnitude (a geometric blend, so a partial's level moves smoothly in dB).
 *
 * Since w > 0 needs O_low > threshold, the high-Q companion is only needed within R frames of such cells: the
 * low-Q pass finds them (`findBeatingCandidates`), the high-Q analysis runs on those frames only, and `blendDynamicQ`
 * mixes. The result equals computing the companion everywhere.
 */

/** Frames of one group where the high-Q companion is needed. */
export interface BeatingCandidates {
  /** Sorted frame indices that need the high-Q analysis. */
  readonly frames: Int32Array;
  /** For each frame, its row in the compact high-Q plane, or −1. */
  readonly rowOfFrame: Int32Array;
  /** 1 for bins with at least one frame where O_low > threshold. */
  readonly candidateBins: Uint8Array;
  /** O_low in dB, `[frame][binCount]`, filled for candidate bins. */
  readonly oscillationLow: Float32Array;
}

const TO_DB = 20 / Math.LN10;

/**
 * Work buffers of the dynamic rule, sized once per computeSpectrogram call for `frames` analysed frames and `bins`
 * bins per group, and reused by every block and group (so a long song makes no garbage).
 */
export class DynamicQWork {
  readonly scratch: Scratch;
  readonly coverage: Int32Array;
  readonly candidateBins: Uint8Array;
  readonly oscillationLow: Float32Array;
  readonly rowOfFrame: Int32Array;
  readonly frames: Int32Array;
  readonly weights: Float32Array;
  constructor(frames: number, bins: number) {
    this.scratch = new Scratch(frames);
    this.coverage = new Int32Array(frames + 1);
    this.candidateBins = new Uint8Array(bins);
    this.oscillationLow = new Float32Array(frames * bins);
    this.rowOfFrame = new Int32Array(frames);
    this.frames = new Int32Array(frames);
    this.weights = new Float32Array(frames * bins);
  }
}

/**
 * `lowLog`: natural-log magnitudes `[frame][binCount]` of `frameCount` analysed frames; only frames
 * `outputStart … outputStart + outputCount − 1` are blended (the rest is context for the spans); `logFloor`:
 * levels are clamped to it before measuring. Frame indices in the result are relative to the analysed frames.
 */
export function findBeatingCandidates(
  lowLog: Float32Array,
  frameCount: number,
  binCount: number,
  logFloor: number,
  outputStart: number,
  outputCount: number,
  work: DynamicQWork,
): BeatingCandidates {
  const { spanFrames, thresholdDb } = SPECTROGRAM_SETTINGS.dynamicQ;
  const { scratch } = work;
  const coverage = work.coverage.subarray(0, frameCount + 1).fill(0);
  const candidateBins = work.candidateBins.subarray(0, binCount).fill(0);
  const oscillationLow = work.oscillationLow.subarray(0, frameCount * binCount);
  for (let b = 0; b < binCount; b++) {
    levelsDb(lowLog, b, binCount, frameCount, logFloor, scratch.level);
    oscillation(scratch, frameCount, spanFrames, scratch.oscillation);
    for (let f = 0; f < frameCount; f++) oscillationLow[f * binCount + b] = scratch.oscillation[f]!;
    for (let f = outputStart; f < outputStart + outputCount; f++) {
      if (scratch.oscillation[f]! <= thresholdDb) continue;
      candidateBins[b] = 1;
      // The high-Q oscillation at f reads frames f−R … f+R.
      coverage[Math.max(0, f - spanFrames)]!++;
      coverage[Math.min(frameCount, f + spanFrames + 1)]!--;
    }
  }
  const rowOfFrame = work.rowOfFrame.subarray(0, frameCount);
  let count = 0;
  let running = 0;
  for (let f = 0; f < frameCount; f++) {
    running += coverage[f]!;
    rowOfFrame[f] = running > 0 ? count : -1;
    if (running > 0) work.frames[count++] = f;
  }
  return { frames: work.frames.subarray(0, count), rowOfFrame, candidateBins, oscillationLow };
}

/**
 * Blends the compact high-Q plane (`highLog`: `[candidates.frames.length][binCount]`) into `lowLog` in place.
 *
 * @returns the number of cells with a non-zero weight.
 */
export function blendDynamicQ(
  lowLog: Float32Array,
  highLog: Float32Array,
  candidates: BeatingCandidates,
  frameCount: number,
  binCount: number,
  logFloor: number,
  work: DynamicQWork,
): number {
  const { spanFrames, thresholdDb, fullDb, spreadBins } = SPECTROGRAM_SETTINGS.dynamicQ;
  const { frames, rowOfFrame, candidateBins, oscillationLow } = candidates;
  const rows = frames.length;
  const weights = work.weights.subarray(0, rows * binCount).fill(0);
  const { scratch } = work;
  const span = fullDb - thresholdDb;
  for (let b = 0; b < binCount; b++) {
    if (candidateBins[b] === 0) continue;
    levelsDb(lowLog, b, binCount, frameCount, logFloor, scratch.level);
    // High-Q levels on the needed frames; elsewhere the low-Q level stands in, never read by a candidate's span.
    for (let r = 0; r < rows; r++) {
      const v = highLog[r * binCount + b]!;
      scratch.level[frames[r]!] = TO_DB * (v > logFloor ? v : logFloor);
    }
    oscillation(scratch, frameCount, spanFrames, scratch.oscillation);
    for (let f = 0; f < frameCount; f++) {
      const low = oscillationLow[f * binCount + b]!;
      const excess = low - scratch.oscillation[f]! - thresholdDb;
      if (low <= thresholdDb || excess <= 0 || rowOfFrame[f]! < 0) continue;
      weights[rowOfFrame[f]! * binCount + b] = excess >= span ? 1 : excess / span;
    }
  }
  let weighted = 0;
  for (let r = 0; r < rows; r++) {
    const row = r * binCount;
    const target = frames[r]! * binCount;
    for (let b = 0; b < binCount; b++) {
      let w = 0;
      const lo = Math.max(0, b - spreadBins);
      const hi = Math.min(binCount - 1, b + spreadBins);
      for (let o = lo; o <= hi; o++) w = Math.max(w, weights[row + o]!);
      if (w > 0) {
        weighted++;
        lowLog[target + b] = lowLog[target + b]! + w * (highLog[row + b]! - lowLog[target + b]!);
      }
    }
  }
  return weighted;
}

function levelsDb(plane: Float32Array, bin: number, binCount: number, frameCount: number, logFloor: number, out: Float64Array): void {
  for (let f = 0; f < frameCount; f++) {
    const v = plane[f * binCount + bin]!;
    out[f] = TO_DB * (v > logFloor ? v : logFloor);
  }
}

/** Per-bin work arrays (capacity ≥ frames). */
class Scratch {
  readonly level: Float64Array;
  readonly oscillation: Float64Array;
  readonly cumulative: Float64Array;
  readonly prefixMax: Float64Array;
  readonly prefixMin: Float64Array;
  readonly suffixMax: Float64Array;
  readonly suffixMin: Float64Array;
  constructor(length: number) {
    this.level = new Float64Array(length);
    this.oscillation = new Float64Array(length);
    this.cumulative = new Float64Array(length);
    this.prefixMax = new Float64Array(length);
    this.prefixMin = new Float64Array(length);
    this.suffixMax = new Float64Array(length);
    this.suffixMin = new Float64Array(length);
  }
}

/**
 * Oscillation of `scratch.level[0 … n−1]` over centred spans [t−R, t+R] (clamped to the track), into `out`:
 * O = max(0, TV − 2c·(max − min)), TV the total variation, c = ignoredCycles. Any single excursion (a rise, a decay,
 * a rise and decay, a click) has TV ≤ 2·range and scores 0; k cycles of modulation of depth D score ≈ 2(k−c)·D, so
 * only sustained, repeated swings count. Span maxima and minima use van Herk / Gil-Werman block scans: O(1) per
 * frame.
 */
function oscillation(scratch: Scratch, n: number, radius: number, out: Float64Array): void {
  const { level, cumulative, prefixMax, prefixMin, suffixMax, suffixMin } = scratch;
  if (n === 0) return;
  const excursionWeight = 2 * SPECTROGRAM_SETTINGS.dynamicQ.ignoredCycles;
  const width = 2 * radius + 1;
  let total = 0;
  let previous = level[0]!;
  for (let f = 0; f < n; f++) {
    const v = level[f]!;
    total += v > previous ? v - previous : previous - v;
    previous = v;
    cumulative[f] = total;
  }
  for (let blockStart = 0; blockStart < n; blockStart += width) {
    const blockEnd = Math.min(n, blockStart + width);
    let max = -Infinity;
    let min = Infinity;
    for (let f = blockStart; f < blockEnd; f++) {
      const v = level[f]!;
      if (v > max) max = v;
      if (v < min) min = v;
      prefixMax[f] = max;
      prefixMin[f] = min;
    }
    max = -Infinity;
    min = Infinity;
    for (let f = blockEnd - 1; f >= blockStart; f--) {
      const v = level[f]!;
      if (v > max) max = v;
      if (v < min) min = v;
      suffixMax[f] = max;
      suffixMin[f] = min;
    }
  }
  // A full span [f−R, f+R] is one block long, so it crosses one block boundary (or is a block):
  // max = max(suffix[a], prefix[z]). A span clamped at an end of the track may lie inside one block: it then starts
  // the block (prefix[z] alone) or ends the track, where the suffix scan restarts (suffix[a] alone).
  for (let f = 0; f < n; f++) {
    const a = f > radius ? f - radius : 0;
    const z = f + radius < n ? f + radius : n - 1;
    let max: number;
    let min: number;
    if (z - a + 1 === width || Math.floor(a / width) !== Math.floor(z / width)) {
      const sa = suffixMax[a]!;
      const pz = prefixMax[z]!;
      const sb = suffixMin[a]!;
      const pb = prefixMin[z]!;
      max = sa > pz ? sa : pz;
      min = sb < pb ? sb : pb;
    } else if (a % width === 0) {
      max = prefixMax[z]!;
      min = prefixMin[z]!;
    } else {
      max = suffixMax[a]!;
      min = suffixMin[a]!;
    }
    const value = cumulative[z]! - cumulative[a]! - excursionWeight * (max - min);
    out[f] = value > 0 ? value : 0;
  }
}
