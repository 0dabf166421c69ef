import { measureOscillation, OscillationWork } from './dynamic-q-oscillation';
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
  /** O_low in dB, `[frame][binCount]` (float32, as stored). */
  readonly oscillationLow: Float32Array;
  /** Per frame, 1 when some bin's stored O_low exceeds the threshold (elsewhere no weight can be non-zero). */
  readonly framesAbove?: Uint8Array;
}

/**
 * Work buffers of the dynamic rule, sized once per computeSpectrogram call for `frames` analysed frames and `bins`
 * bins per group, and reused by every block and group (so a long song makes no garbage).
 */
export class DynamicQWork {
  readonly oscillation: OscillationWork;
  readonly coverage: Int32Array;
  readonly candidateBins: Uint8Array;
  readonly framesAbove: Uint8Array;
  readonly oscillationLow: Float32Array;
  readonly rowOfFrame: Int32Array;
  readonly frames: Int32Array;
  readonly weights: Float32Array;
  readonly weightedRows: Uint8Array;
  /**
   * Candidate bins; their levels (high-Q on candidate frames, low-Q elsewhere) and their O_low, both
   * `[frame][candidate]`.
   */
  readonly binList: Int32Array;
  readonly mixed: Float32Array;
  readonly mixedLow: Float32Array;
  constructor(frames: number, bins: number) {
    this.oscillation = new OscillationWork(frames, bins);
    this.coverage = new Int32Array(frames + 1);
    this.candidateBins = new Uint8Array(bins);
    this.framesAbove = new Uint8Array(frames);
    this.oscillationLow = new Float32Array(frames * bins);
    this.rowOfFrame = new Int32Array(frames);
    this.frames = new Int32Array(frames);
    this.weights = new Float32Array(frames * bins);
    this.weightedRows = new Uint8Array(frames);
    this.binList = new Int32Array(bins);
    this.mixed = new Float32Array(frames * bins);
    this.mixedLow = new Float32Array(frames * bins);
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
  const { spanFrames, thresholdDb, ignoredCycles } = SPECTROGRAM_SETTINGS.dynamicQ;
  const coverage = work.coverage.subarray(0, frameCount + 1).fill(0);
  const candidateBins = work.candidateBins.subarray(0, binCount).fill(0);
  const framesAbove = work.framesAbove.subarray(0, frameCount);
  const oscillationLow = work.oscillationLow.subarray(0, frameCount * binCount);
  const outputEnd = outputStart + outputCount;
  const input = { plane: lowLog, frameCount, binCount, logFloor, radius: spanFrames, excursionWeight: 2 * ignoredCycles };
  measureOscillation(input, work.oscillation, (f, values) => {
    const base = f * binCount;
    let above = 0;
    for (let b = 0; b < binCount; b++) {
      const stored = (oscillationLow[base + b] = values[b]!);
      if (stored > thresholdDb) above = 1;
    }
    framesAbove[f] = above;
    if (f < outputStart || f >= outputEnd) return;
    // Candidacy is decided on the float64 value, the blend's weight on the stored float32 one (as it always was).
    let candidate = false;
    for (let b = 0; b < binCount; b++) {
      if (values[b]! > thresholdDb) {
        candidateBins[b] = 1;
        candidate = true;
      }
    }
    if (!candidate) return;
    // The high-Q oscillation at f reads frames f−R … f+R.
    coverage[Math.max(0, f - spanFrames)]!++;
    coverage[Math.min(frameCount, f + spanFrames + 1)]!--;
  });
  const rowOfFrame = work.rowOfFrame.subarray(0, frameCount);
  let count = 0;
  let running = 0;
  for (let f = 0; f < frameCount; f++) {
    running += coverage[f]!;
    rowOfFrame[f] = running > 0 ? count : -1;
    if (running > 0) work.frames[count++] = f;
  }
  return { frames: work.frames.subarray(0, count), rowOfFrame, candidateBins, oscillationLow, framesAbove };
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
  const { spanFrames, thresholdDb, fullDb, spreadBins, ignoredCycles } = SPECTROGRAM_SETTINGS.dynamicQ;
  const { frames, rowOfFrame, candidateBins, oscillationLow, framesAbove } = candidates;
  const rows = frames.length;
  const weights = work.weights.subarray(0, rows * binCount).fill(0);
  const weightedRows = work.weightedRows.subarray(0, rows).fill(0);
  const span = fullDb - thresholdDb;
  const { binList, mixed, mixedLow } = work;
  let candidateCount = 0;
  for (let b = 0; b < binCount; b++) if (candidateBins[b] !== 0) binList[candidateCount++] = b;
  if (candidateCount === 0 || rows === 0) return 0;
  // The candidate bins' levels: high-Q on the needed frames; elsewhere the low-Q level stands in, never read by a
  // candidate's span. O_high is only needed where a weight can come out non-zero: O_low > threshold on a needed frame.
  for (let f = 0; f < frameCount; f++) {
    const r = rowOfFrame[f]!;
    const source = r >= 0 ? highLog : lowLog;
    const from = (r >= 0 ? r : f) * binCount;
    const to = f * candidateCount;
    const base = f * binCount;
    const needed = r >= 0 && (framesAbove === undefined || framesAbove[f] !== 0);
    for (let k = 0; k < candidateCount; k++) {
      const b = binList[k]!;
      mixed[to + k] = source[from + b]!;
      mixedLow[to + k] = needed ? oscillationLow[base + b]! : 0;
    }
  }
  const input = {
    plane: mixed,
    frameCount,
    binCount: candidateCount,
    logFloor,
    radius: spanFrames,
    excursionWeight: 2 * ignoredCycles,
    gate: mixedLow,
    gateThreshold: thresholdDb,
  };
  measureOscillation(input, work.oscillation, (f, values) => {
    const r = rowOfFrame[f]!;
    if (r < 0) return;
    const gated = f * candidateCount;
    const weightRow = r * binCount;
    for (let k = 0; k < candidateCount; k++) {
      const low = mixedLow[gated + k]!;
      if (low <= thresholdDb) continue;
      const excess = low - values[k]! - thresholdDb;
      if (excess <= 0) continue;
      weights[weightRow + binList[k]!] = excess >= span ? 1 : excess / span;
      weightedRows[r] = 1;
    }
  });
  let weighted = 0;
  for (let r = 0; r < rows; r++) {
    if (weightedRows[r] === 0) continue;
    const weightRow = r * binCount;
    const target = frames[r]! * binCount;
    for (let b = 0; b < binCount; b++) {
      let w = 0;
      const lo = b > spreadBins ? b - spreadBins : 0;
      const hi = b + spreadBins < binCount ? b + spreadBins : binCount - 1;
      for (let o = lo; o <= hi; o++) {
        const v = weights[weightRow + o]!;
        if (v > w) w = v;
      }
      if (w > 0) {
        weighted++;
        lowLog[target + b] = lowLog[target + b]! + w * (highLog[weightRow + b]! - lowLog[target + b]!);
      }
    }
  }
  return weighted;
}
