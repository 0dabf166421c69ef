/**
 * The oscillation measure of the dynamic-Q rule (dynamic-q.ts), for every bin of a `[frame][bin]` plane at once.
 *
 * O(t) = max(0, TV − w·(max − min)) over the centred span [t−R, t+R] (clamped to the plane's frames) of a bin's level
 * in dB, L = TO_DB·max(v, floor), with TV the total variation and w = 2·ignoredCycles. Any single excursion (a rise,
 * a decay, a rise and decay, a click) has TV ≤ 2·range and scores 0; k cycles of modulation of depth D score
 * ≈ 2(k−c)·D, so only sustained, repeated swings count.
 *
 * The plane is walked row by row (all bins of a frame together, in memory order), never bin by bin, and the values
 * are bit-identical to the per-bin float64 formulation (test/core/spectrogram/dynamic-q.test.ts pins this):
 * - TV over [a, z] is C(z) − C(a), C the running sum of |L(f) − L(f−1)| from frame 0, summed per bin in frame order.
 * - Span maxima and minima are taken on the float32 values v, not on L: v ↦ TO_DB·max(v, floor) is monotone in
 *   float64 too (rounding is monotone), so max L = TO_DB·max(max v, floor) exactly. Values at or below the floor,
 *   and NaN (which the clamp also sends to the floor), enter as −∞, which clamps to the floor again.
 * - Maxima and minima use van Herk / Gil-Werman block scans (blocks of 2R + 1 frames): O(1) per cell. The forward
 *   pass stores the running total and the block prefix extrema; the backward pass keeps the block suffix extrema of
 *   one row only and measures frame a + R as soon as the suffix at a is known.
 */

/** dB per unit of natural-log magnitude. */
export const TO_DB = 20 / Math.LN10;

/** Planes of one oscillation pass, sized once for `frames` × `bins` cells and reused. */
export class OscillationWork {
  readonly cumulative: Float64Array;
  /** Order keys of the clamped values (`orderKey`), and their block prefix extrema. */
  readonly keys: Int32Array;
  readonly prefixMax: Int32Array;
  readonly prefixMin: Int32Array;
  /** Block suffix extrema of the current row. */
  readonly suffixMax: Int32Array;
  readonly suffixMin: Int32Array;
  /** Rows of the lowest and highest keys: the missing half of a span that lies inside one block. */
  readonly lowest: Int32Array;
  readonly highest: Int32Array;
  readonly level: Float64Array;
  /** Float32 bits of one value, and the same memory as a float. */
  readonly bits: Int32Array;
  readonly float: Float32Array;
  /**
   * Branch-free selection: `pick[i + +(x > y)]` reads slot i or i + 1. A comparison of levels near the floor, or of
   * O near 0, goes either way at random, and a mispredicted branch costs more than the rest of the cell.
   */
  readonly pick: Float64Array;
  /** One row of O, float64 as measured. */
  readonly values: Float64Array;
  constructor(frames: number, bins: number) {
    this.cumulative = new Float64Array(frames * bins);
    this.keys = new Int32Array(frames * bins);
    this.prefixMax = new Int32Array(frames * bins);
    this.prefixMin = new Int32Array(frames * bins);
    this.suffixMax = new Int32Array(bins);
    this.suffixMin = new Int32Array(bins);
    this.lowest = new Int32Array(bins).fill(LOWEST_KEY);
    this.highest = new Int32Array(bins).fill(HIGHEST_KEY);
    this.level = new Float64Array(bins);
    this.bits = new Int32Array(2);
    this.float = new Float32Array(this.bits.buffer);
    this.pick = new Float64Array(6);
    this.values = new Float64Array(bins);
  }
}

/** Keys below and above every float's key. */
const LOWEST_KEY = -0x80000000;
const HIGHEST_KEY = 0x7fffffff;

/** Shape of one oscillation measurement. */
export interface OscillationInput {
  /** Natural-log magnitudes `[frameCount][binCount]`. */
  readonly plane: Float32Array;
  readonly frameCount: number;
  readonly binCount: number;
  /** Levels are clamped to this before measuring (natural log). */
  readonly logFloor: number;
  /** R: spans are [t−R, t+R], frames. */
  readonly radius: number;
  /** w: the range counts this many times against the total variation. */
  readonly excursionWeight: number;
  /**
   * Optional, `[frameCount][binCount]`: only cells whose gate value exceeds `gateThreshold` are measured; the others
   * are left as they were in the row handed to `visit`.
   */
  readonly gate?: Float32Array;
  readonly gateThreshold?: number;
}

/**
 * Order key of float32 bits: a signed integer that orders like the float (−0 just below +0), so span extrema are
 * integer max and min, which compile without branches (a float comparison's branch is mispredicted on levels near
 * the floor or beating). The map is its own inverse.
 */
export function orderKey(bits: number): number {
  return bits ^ ((bits >> 31) & 0x7fffffff);
}

/**
 * The key of the largest float32 at or below `logFloor`. A float32 v exceeds `logFloor` exactly when its key exceeds
 * this one, so clamping keys up to it, and its float back up to `logFloor`, clamps levels as L does.
 */
export function floorKey(logFloor: number, work: OscillationWork): number {
  work.float[0] = logFloor;
  const key = orderKey(work.bits[0]!);
  return work.float[0]! > logFloor ? key - 1 : key;
}

/**
 * Measures O for every frame and bin of `input.plane`, handing each frame's row (`values[0 … binCount − 1]`, dB, ≥ 0)
 * to `visit` once, frames in no particular order. The row buffer is reused: read it inside `visit`.
 */
export function measureOscillation(
  input: OscillationInput,
  work: OscillationWork,
  visit: (frame: number, values: Float64Array) => void,
): void {
  const { plane, frameCount, binCount, logFloor, radius, excursionWeight } = input;
  const gate = input.gate;
  const gateThreshold = input.gateThreshold ?? -Infinity;
  const { keys, prefixMax, prefixMin, suffixMax, suffixMin, lowest, highest, values } = work;
  const width = 2 * radius + 1;
  const bits = new Int32Array(plane.buffer, plane.byteOffset, plane.length);
  const clampKey = floorKey(logFloor, work);
  for (let f = 0; f < frameCount; f++) {
    const row = f * binCount;
    if (f === 0) {
      firstRow(plane, binCount, logFloor, work);
      // Frame 0 starts a block: its prefix is its own keys.
      prefixMax.set(keys.subarray(0, binCount));
      prefixMin.set(keys.subarray(0, binCount));
    } else {
      // A block's prefix starts from the lowest and highest keys, i.e. from the row's own.
      const blockStart = f % width === 0;
      forwardRow(
        plane,
        bits,
        row,
        binCount,
        logFloor,
        clampKey,
        work,
        blockStart ? lowest : prefixMax,
        blockStart ? highest : prefixMin,
        blockStart ? 0 : row - binCount,
      );
    }
  }
  for (let a = frameCount - 1; a >= 0; a--) {
    if (a === frameCount - 1 || (a + 1) % width === 0) {
      suffixMax.fill(LOWEST_KEY, 0, binCount);
      suffixMin.fill(HIGHEST_KEY, 0, binCount);
    }
    const f = a + radius;
    if (f >= frameCount) {
      backwardRow(work, binCount, a * binCount, lowest, highest, 0, 0, logFloor, excursionWeight, work.values, 0, Infinity);
      continue;
    }
    const z = f + radius < frameCount ? f + radius : frameCount - 1;
    // A full span is one block long, so it crosses one block boundary (or is a block): max(suffix[a], prefix[z]).
    // A span clamped at the end of the track may lie inside one block. If it starts the block, suffix[a] and
    // prefix[z] both cover it; if not, it ends the track, where the suffix scan restarts: suffix[a] alone.
    const alone = z - a + 1 !== width && Math.floor(a / width) === Math.floor(z / width) && a % width !== 0;
    backwardRow(
      work,
      binCount,
      a * binCount,
      alone ? lowest : prefixMax,
      alone ? highest : prefixMin,
      alone ? 0 : z * binCount,
      z * binCount,
      logFloor,
      excursionWeight,
      gate,
      f * binCount,
      gateThreshold,
    );
    visit(f, values);
  }
  // Spans clamped at the start, [0, f + R] with f < R, lie inside the first block: prefix[z] alone.
  for (let f = 0; f < radius && f < frameCount; f++) {
    const z = f + radius < frameCount ? f + radius : frameCount - 1;
    suffixMax.fill(LOWEST_KEY, 0, binCount);
    suffixMin.fill(HIGHEST_KEY, 0, binCount);
    // A row of lowest keys leaves the (empty) suffix as it is.
    backwardRow(work, binCount, -1, prefixMax, prefixMin, z * binCount, z * binCount, logFloor, excursionWeight, gate, f * binCount, gateThreshold);
    visit(f, values);
  }
}

/** Frame 0: levels, a zero total variation and the keys. */
function firstRow(plane: Float32Array, binCount: number, logFloor: number, work: OscillationWork): void {
  const { level, cumulative, keys } = work;
  const floorDb = TO_DB * logFloor;
  const bits = new Int32Array(plane.buffer, plane.byteOffset, binCount);
  const clampKey = floorKey(logFloor, work);
  for (let b = 0; b < binCount; b++) {
    const v = plane[b]!;
    const above = v > logFloor;
    level[b] = above ? TO_DB * v : floorDb;
    cumulative[b] = 0;
    keys[b] = above ? orderKey(bits[b]!) : clampKey;
  }
}

/**
 * One row, forward: levels into `work.level`, the running total variation into `cumulative[row …]`, the keys
 * (clamped up to `clampKey`; NaN, which the level clamp sends to the floor, too) and the block prefix extrema,
 * combining `maxima`/`minima[from …]` with the row's keys.
 */
function forwardRow(
  plane: Float32Array,
  bits: Int32Array,
  row: number,
  binCount: number,
  logFloor: number,
  clampKey: number,
  work: OscillationWork,
  maxima: Int32Array,
  minima: Int32Array,
  from: number,
): void {
  const { level, cumulative, keys, prefixMax, prefixMin, pick } = work;
  pick[0] = TO_DB * logFloor;
  const previous = row - binCount;
  for (let b = 0; b < binCount; b++) {
    const i = row + b;
    const v = plane[i]!;
    const up = +(v > logFloor);
    const above = 0 - up;
    pick[1] = TO_DB * v;
    const l = pick[up]!;
    // |l − last| rounds like l − last or last − l: negation is exact.
    cumulative[i] = cumulative[previous + b]! + Math.abs(l - level[b]!);
    level[b] = l;
    const key = (orderKey(bits[i]!) & above) | (clampKey & ~above);
    keys[i] = key;
    const max = maxima[from + b]!;
    const min = minima[from + b]!;
    prefixMax[i] = max ^ ((max ^ key) & (0 - +(max < key)));
    prefixMin[i] = min ^ ((min ^ key) & (0 - +(min > key)));
  }
}

/**
 * One row, backward: extends the block suffix extrema with the keys at `row` (none when `row` < 0), then measures the
 * frame whose span starts there, with its end's prefix extrema at `maxima`/`minima[at …]` and total variation
 * C(z) − C(row), for the bins whose gate exceeds the threshold.
 */
function backwardRow(
  work: OscillationWork,
  binCount: number,
  row: number,
  maxima: Int32Array,
  minima: Int32Array,
  at: number,
  z: number,
  logFloor: number,
  excursionWeight: number,
  gate: Float32Array | Float64Array | undefined,
  g: number,
  gateThreshold: number,
): void {
  const { keys, suffixMax, suffixMin, cumulative, values, bits, float, pick } = work;
  pick[0] = logFloor;
  pick[2] = logFloor;
  pick[4] = 0;
  const start = row < 0 ? 0 : row;
  for (let b = 0; b < binCount; b++) {
    let sMax = suffixMax[b]!;
    let sMin = suffixMin[b]!;
    if (row >= 0) {
      const key = keys[row + b]!;
      sMax = sMax ^ ((sMax ^ key) & (0 - +(sMax < key)));
      sMin = sMin ^ ((sMin ^ key) & (0 - +(sMin > key)));
      suffixMax[b] = sMax;
      suffixMin[b] = sMin;
    }
    if (gate !== undefined && !(gate[g + b]! > gateThreshold)) continue;
    const pMax = maxima[at + b]!;
    const pMin = minima[at + b]!;
    bits[0] = orderKey(sMax ^ ((sMax ^ pMax) & (0 - +(sMax < pMax))));
    bits[1] = orderKey(sMin ^ ((sMin ^ pMin) & (0 - +(sMin > pMin))));
    const hi = float[0]!;
    const lo = float[1]!;
    const max = TO_DB * (hi > logFloor ? hi : logFloor);
    const min = TO_DB * (lo > logFloor ? lo : logFloor);
    const value = cumulative[z + b]! - cumulative[start + b]! - excursionWeight * (max - min);
    values[b] = value > 0 ? value : 0;
  }
}
