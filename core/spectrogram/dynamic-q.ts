import { cqtKernel, type DynamicQParameters, type DynamicQWorkTables } from './cqt-kernel';
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
 *
 * Both passes run in the cqt WebAssembly kernel (core/spectrogram/wasm/src/cqt/dynamic-q.ts), on planes in its memory, and
 * reproduce the plain per-bin float64 formulation bit for bit (test/core/spectrogram/dynamic-q.test.ts).
 */

/** dB per unit of natural-log magnitude. */
export const TO_DB = 20 / Math.LN10;

/** Work memory of the rule in the kernel's memory, for planes of up to `frames` × `bins` cells. */
export type DynamicQWork = DynamicQWorkTables;

/**
 * Reserves the rule's work memory in the kernel's memory (about 28 bytes per cell). It lives until the caller
 * releases the arena below it; like any allocation, it detaches views taken earlier.
 */
export function dynamicQWork(frames: number, bins: number): DynamicQWork {
  return cqtKernel().dynamicQWork(frames, bins);
}

function parameters(logFloor: number): DynamicQParameters {
  const { spanFrames, thresholdDb, fullDb, spreadBins, ignoredCycles } = SPECTROGRAM_SETTINGS.dynamicQ;
  return {
    logFloor,
    toDb: TO_DB,
    radius: spanFrames,
    excursionWeight: 2 * ignoredCycles,
    thresholdDb,
    spanDb: fullDb - thresholdDb,
    spreadBins,
  };
}

/** One group's planes for the rule: views of the cqt kernel's memory. */
export interface DynamicQPlane {
  /** Natural-log magnitudes `[frameCount][binCount]` of the analysed frames (blended in place). */
  readonly low: Float32Array;
  readonly frameCount: number;
  readonly binCount: number;
  /** Levels are clamped to this (natural log) before measuring. */
  readonly logFloor: number;
  readonly work: DynamicQWork;
}

/**
 * The low-Q pass: finds the frames that need the high-Q companion. Only frames `outputStart … outputStart +
 * outputCount − 1` are blended (the rest is context for the spans). Writes the frames (sorted, relative to the
 * analysed frames, plus `frameOffset`) to `framesOut` (a view of the kernel's memory) and returns how many; the
 * rest of the result stays in `plane.work` for `blendDynamicQ`.
 */
export function findBeatingCandidates(
  plane: DynamicQPlane,
  output: { readonly start: number; readonly count: number; readonly frames: Int32Array; readonly frameOffset: number },
): number {
  return cqtKernel().findBeatingCandidates({
    low: plane.low,
    frameCount: plane.frameCount,
    binCount: plane.binCount,
    outputStart: output.start,
    outputCount: output.count,
    framesOut: output.frames,
    frameOffset: output.frameOffset,
    work: plane.work,
    parameters: parameters(plane.logFloor),
  });
}

/**
 * The high-Q pass, after `findBeatingCandidates` on the same plane: blends `high` (`[rows][binCount]`, row r for
 * the r-th frame found, a view of the kernel's memory) into `plane.low` in place.
 *
 * @returns the number of cells with a non-zero weight.
 */
export function blendDynamicQ(plane: DynamicQPlane, high: Float32Array, rows: number): number {
  return cqtKernel().blendDynamicQ({
    low: plane.low,
    high,
    rows,
    frameCount: plane.frameCount,
    binCount: plane.binCount,
    work: plane.work,
    parameters: parameters(plane.logFloor),
  });
}

/**
 * The oscillation O (dB, float64) of every cell of `plane.low`, as the low-Q pass measures it, into `out`
 * (`[frameCount][binCount]`, a view of the kernel's memory). For tests and diagnostics.
 */
export function measureOscillation(plane: DynamicQPlane, out: Float64Array): void {
  cqtKernel().measureOscillation({
    plane: plane.low,
    frameCount: plane.frameCount,
    binCount: plane.binCount,
    out,
    work: plane.work,
    parameters: parameters(plane.logFloor),
  });
}
