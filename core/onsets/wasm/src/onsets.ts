// AssemblyScript: the onset detection function (core/onsets/detect.ts `onsetStrength` has the definition). Built by
// scripts/build-wasm.ts into core/onsets/wasm/generated/onsets.ts; the TypeScript side (core/onsets/onset-kernel.ts) streams the
// spectrogram through a block of rows in this kernel's memory and hands it pointers.
//
// The definition, per frame n and bin b: now = max(F, v), earlier = the max of F and the cells of frames
// n − lag − reference + 1 … n − lag within ±radius bins, and when now > earlier, with peak = the max of now and the
// next h_b frames' cells, the bin adds exp(k·(now − peak)) − exp(k·(earlier − peak)) to the frame's float64 sum, in
// bin order; strength = sum / binCount as float32. F is a float64, v and the cells float32.
//
// Four bins at a time: the maxima are taken in float32 (float64 promotion is exact and monotone, so
// max(F, max32(cells)) is the float64 maximum), and now > earlier is v > E32 and v > F32, F32 the largest float32 at
// or below F (then v > F exactly). The rising cells' two exponents go to a list in bin order; fdlibm's exp (V8's
// Math.exp) runs on it two at a time, and the differences are summed in list order, so every strength is the
// TypeScript definition's to the last bit.
//
// pmax (a < b ? b : a) stands for max: it can only pick the other zero of ±0, and no zero's sign reaches a result
// (a zero peak cannot follow a rise, a zero earlier minus a non-zero peak is the same, exp(±0) = 1). It would not
// propagate NaN: a frame whose row holds NaN or ±∞ is reported instead (every row is some frame's row) and the caller
// computes that spectrogram in TypeScript.

import { fdlibmExp } from './onsets/exp';
import { fdlibmExpPair } from './onsets/exp-pair';

/** |bits| above this: ±∞ or NaN. */
const MAX_FINITE_BITS: i32 = 0x7f7fffff;

// One call's constants, set by `strengthBlock`.
let bins: i32 = 0;
let rowBytes: usize = 0;
let spanList: usize = 0;
let nowList: usize = 0;
let earlierList: usize = 0;
let floorVector: v128 = f32x4.splat(0);
let floor64: v128 = f64x2.splat(0);
let k64: v128 = f64x2.splat(0);
let edgeRadius: i32 = 0;
/** Rising cells listed so far in the current frame. */
let count: i32 = 0;

/** Bytes of work memory `strengthBlock` needs for `binCount` bins. */
export function strengthWorkBytes(binCount: i32): i32 {
  return (binCount + 4) * 8 * 2;
}

/**
 * The onset strength of frames `firstFrame … endFrame − 1`, written to `out` (f32, one per frame from firstFrame).
 *
 * `rows` holds spectrogram rows (f32, `binCount` per row, and 16 readable bytes after the last) from row `rowBase`
 * on: every row from max(0, firstFrame − lag − reference + 1) to min(frameCount − 1, endFrame − 1 + max span).
 * `spans` is each bin's look-ahead h_b ≥ 0 (i32, frames; zero-padded to a multiple of 4 bins). `floor` is F,
 * `floor32` the largest float32 at or below it, `k` the natural-log magnitude per spectrogram unit; `work` has
 * `strengthWorkBytes(binCount)` bytes.
 *
 * @returns 0, or 1 when a frame's row holds NaN or ±∞: `out` is then not the definition's and must be discarded.
 */
export function strengthBlock(
  rows: usize,
  rowBase: i32,
  firstFrame: i32,
  endFrame: i32,
  frameCount: i32,
  binCount: i32,
  lag: i32,
  reference: i32,
  radius: i32,
  floor: f64,
  floor32: f32,
  k: f64,
  spans: usize,
  work: usize,
  out: usize,
): i32 {
  bins = binCount;
  rowBytes = <usize>binCount << 2;
  spanList = spans;
  nowList = work;
  earlierList = work + (<usize>(binCount + 4) << 3);
  floorVector = f32x4.splat(floor32);
  floor64 = f64x2.splat(floor);
  k64 = f64x2.splat(k);
  edgeRadius = radius;
  const magnitudeBits = i32x4.splat(0x7fffffff);
  const maxFinite = i32x4.splat(MAX_FINITE_BITS);
  const lastFrame = frameCount - 1;
  // Groups of four bins whose ±radius neighbourhoods lie inside the row; the others mask the cells outside it.
  const firstInner = (radius + 3) & ~3;
  const innerEnd = binCount - 3 - radius;
  const plain = radius == 1 && reference == 1;
  for (let frame = firstFrame; frame < endFrame; frame++) {
    const current = rows + <usize>(frame - rowBase) * rowBytes;
    const earlierFrame = frame - lag;
    const firstBack = max(0, earlierFrame - reference + 1);
    const backRows = earlierFrame - firstBack + 1;
    const back = rows + <usize>(firstBack - rowBase) * rowBytes;
    const aheadLimit = lastFrame - frame;
    let bad = i32x4.splat(0);
    count = 0;
    let bin = 0;
    if (plain && backRows == 1) {
      for (; bin < firstInner; bin += 4) bad = edgeGroup(bad, current, back, 1, bin, aheadLimit);
      for (; bin < innerEnd; bin += 4) {
        const offset = <usize>bin << 2;
        const cells = v128.load(current + offset);
        bad = v128.or(bad, i32x4.gt_s(v128.and(cells, magnitudeBits), maxFinite));
        const at = back + offset;
        const earlier = f32x4.pmax(floorVector, f32x4.pmax(v128.load(at - 4), f32x4.pmax(v128.load(at), v128.load(at, 4))));
        const mask = i32x4.bitmask(f32x4.gt(cells, earlier));
        if (mask != 0) rise(mask, cells, earlier, current, offset, aheadLimit);
      }
    } else {
      for (; bin < innerEnd; bin += 4) {
        if (bin < firstInner) {
          bad = edgeGroup(bad, current, back, backRows, bin, aheadLimit);
          continue;
        }
        const offset = <usize>bin << 2;
        const cells = v128.load(current + offset);
        bad = v128.or(bad, i32x4.gt_s(v128.and(cells, magnitudeBits), maxFinite));
        let earlier = floorVector;
        let row = back + offset - (<usize>radius << 2);
        for (let r = 0; r < backRows; r++) {
          for (let d = 0; d <= radius << 1; d++) earlier = f32x4.pmax(earlier, v128.load(row + (<usize>d << 2)));
          row += rowBytes;
        }
        const mask = i32x4.bitmask(f32x4.gt(cells, earlier));
        if (mask != 0) rise(mask, cells, earlier, current, offset, aheadLimit);
      }
    }
    for (; bin < binCount; bin += 4) bad = edgeGroup(bad, current, back, backRows, bin, aheadLimit);
    if (v128.any_true(bad)) return 1;
    // An odd count's spare lane computes exp(0).
    store<f64>(nowList + (<usize>count << 3), 0);
    store<f64>(earlierList + (<usize>count << 3), 0);
    let sum: f64 = 0;
    for (let i = 0; i < count; i += 2) {
      const at = <usize>i << 3;
      // now − peak = 0 gives k·0 = 0 and exp(0) = 1 exactly, the definition's rise for a cell at its peak.
      const terms = f64x2.sub(fdlibmExpPair(v128.load(nowList + at)), fdlibmExpPair(v128.load(earlierList + at)));
      sum += f64x2.extract_lane(terms, 0);
      if (i + 1 < count) sum += f64x2.extract_lane(terms, 1);
    }
    store<f32>(out + (<usize>(frame - firstFrame) << 2), <f32>(sum / <f64>binCount));
  }
  return 0;
}

/**
 * Appends the exponents k·(now − peak) and k·(earlier − peak) of the lanes set in `mask` (bins at byte `offset`),
 * in bin order, to the frame's lists. now = v (v > F where a lane rises); peak = the max of v and the next h_b rows'
 * cells, at most `aheadLimit` rows (the last frame); earlier = max(F, E32).
 */
// @ts-ignore: decorator
@inline
function rise(mask: i32, cells: v128, earlier: v128, current: usize, offset: usize, aheadLimit: i32): void {
  const span = v128.load(spanList + offset);
  let reach = max(max(i32x4.extract_lane(span, 0), i32x4.extract_lane(span, 1)), max(i32x4.extract_lane(span, 2), i32x4.extract_lane(span, 3)));
  reach = min(reach, aheadLimit);
  let peak = cells;
  let ahead = current + offset;
  for (let a = 1; a <= reach; a++) {
    ahead += rowBytes;
    peak = v128.bitselect(f32x4.pmax(peak, v128.load(ahead)), peak, i32x4.le_s(i32x4.splat(a), span));
  }
  const peakLow = f64x2.promote_low_f32x4(peak);
  const peakHigh = f64x2.promote_low_f32x4(i32x4.shuffle(peak, peak, 2, 3, 2, 3));
  const nowLow = f64x2.mul(k64, f64x2.sub(f64x2.promote_low_f32x4(cells), peakLow));
  const nowHigh = f64x2.mul(k64, f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(cells, cells, 2, 3, 2, 3)), peakHigh));
  const earlierLow = f64x2.mul(k64, f64x2.sub(f64x2.pmax(floor64, f64x2.promote_low_f32x4(earlier)), peakLow));
  const earlierHigh = f64x2.mul(
    k64,
    f64x2.sub(f64x2.pmax(floor64, f64x2.promote_low_f32x4(i32x4.shuffle(earlier, earlier, 2, 3, 2, 3))), peakHigh),
  );
  // Every lane is written; the count moves past the rising ones, so the others are overwritten.
  let at = <usize>count << 3;
  store<f64>(nowList + at, f64x2.extract_lane(nowLow, 0));
  store<f64>(earlierList + at, f64x2.extract_lane(earlierLow, 0));
  count += mask & 1;
  at = <usize>count << 3;
  store<f64>(nowList + at, f64x2.extract_lane(nowLow, 1));
  store<f64>(earlierList + at, f64x2.extract_lane(earlierLow, 1));
  count += (mask >> 1) & 1;
  at = <usize>count << 3;
  store<f64>(nowList + at, f64x2.extract_lane(nowHigh, 0));
  store<f64>(earlierList + at, f64x2.extract_lane(earlierHigh, 0));
  count += (mask >> 2) & 1;
  at = <usize>count << 3;
  store<f64>(nowList + at, f64x2.extract_lane(nowHigh, 1));
  store<f64>(earlierList + at, f64x2.extract_lane(earlierHigh, 1));
  count += mask >> 3;
}

/**
 * A group of four bins from `bin` near either end of the row: neighbours outside the row, and lanes past its end,
 * read −∞ (the row's cells around them are read but masked; the caller leaves readable bytes around the rows).
 * Returns `bad` with this group's non-finite lanes added.
 */
function edgeGroup(bad: v128, current: usize, back: usize, backRows: i32, bin: i32, aheadLimit: i32): v128 {
  const offset = <usize>bin << 2;
  const lanes = i32x4.add(i32x4.splat(bin), i32x4(0, 1, 2, 3));
  const valid = i32x4.lt_s(lanes, i32x4.splat(bins));
  const cells = v128.load(current + offset);
  bad = v128.or(bad, v128.and(i32x4.gt_s(v128.and(cells, i32x4.splat(0x7fffffff)), i32x4.splat(MAX_FINITE_BITS)), valid));
  const outside = f32x4.splat(-Infinity);
  let earlier = floorVector;
  let row = back;
  for (let r = 0; r < backRows; r++) {
    for (let d = -edgeRadius; d <= edgeRadius; d++) {
      const shifted = i32x4.add(lanes, i32x4.splat(d));
      const inside = v128.and(i32x4.ge_s(shifted, i32x4.splat(0)), i32x4.lt_s(shifted, i32x4.splat(bins)));
      const value = v128.load(row + offset + (<usize>d << 2));
      earlier = f32x4.pmax(earlier, v128.bitselect(value, outside, inside));
    }
    row += rowBytes;
  }
  const mask = i32x4.bitmask(v128.and(f32x4.gt(cells, earlier), valid));
  if (mask != 0) rise(mask, cells, earlier, current, offset, aheadLimit);
  return bad;
}

/**
 * Picks onsets from `count` strengths (f32 at `strength`) as core/onsets/detect.ts `pickOnsets` defines it (the
 * same comparisons, in float64 where it computes in float64): frame n is written to `out` (i32) when its strength
 * is > 0, the largest in [n − before, n + after] (ties to the earliest), at least the median of
 * [n − medianBefore, n + medianAfter] (frames outside count 0) plus `threshold`, at least `recentRatio` of the
 * largest strength in the `recentFrames` before it, and `minSpacing` frames after the previous onset (or else
 * replaces it when stronger). `window` has room for medianBefore + 1 + medianAfter f32.
 *
 * @returns the number of onsets written, or −1 when a strength is NaN or ±∞ (left to the TypeScript code).
 */
export function pickPeaks(
  strength: usize,
  count: i32,
  before: i32,
  after: i32,
  medianBefore: i32,
  medianAfter: i32,
  threshold: f64,
  recentRatio: f64,
  recentFrames: i32,
  minSpacing: i32,
  window: usize,
  out: usize,
): i32 {
  for (let n = 0; n < count; n++) {
    if ((load<i32>(strength + (<usize>n << 2)) & 0x7fffffff) > MAX_FINITE_BITS) return -1;
  }
  const windowLength = medianBefore + 1 + medianAfter;
  let picked = 0;
  for (let n = 0; n < count; n++) {
    const value = <f64>load<f32>(strength + (<usize>n << 2));
    if (value <= 0) continue;
    let isPeak = true;
    const peakEnd = min(count - 1, n + after);
    for (let m = max(0, n - before); m <= peakEnd; m++) {
      const other = <f64>load<f32>(strength + (<usize>m << 2));
      if (other > value || (m < n && other == value)) {
        isPeak = false;
        break;
      }
    }
    if (!isPeak) continue;
    // The window's median by insertion sort (a few values; frames past either end are 0).
    const first = n - medianBefore;
    for (let i = 0; i < windowLength; i++) {
      const m = first + i;
      let v: f32 = 0;
      if (m >= 0 && m < count) v = load<f32>(strength + (<usize>m << 2));
      let j = i;
      while (j > 0 && load<f32>(window + (<usize>(j - 1) << 2)) > v) {
        store<f32>(window + (<usize>j << 2), load<f32>(window + (<usize>(j - 1) << 2)));
        j--;
      }
      store<f32>(window + (<usize>j << 2), v);
    }
    if (value < <f64>load<f32>(window + (<usize>(windowLength >> 1) << 2)) + threshold) continue;
    let recentPeak: f64 = 0;
    for (let m = max(0, n - recentFrames); m < n; m++) recentPeak = max<f64>(recentPeak, <f64>load<f32>(strength + (<usize>m << 2)));
    if (value < recentRatio * recentPeak) continue;
    if (picked > 0) {
      const last = load<i32>(out + (<usize>(picked - 1) << 2));
      if (n - last < minSpacing) {
        if (value > <f64>load<f32>(strength + (<usize>last << 2))) store<i32>(out + (<usize>(picked - 1) << 2), n);
        continue;
      }
    }
    store<i32>(out + (<usize>picked << 2), n);
    picked++;
  }
  return picked;
}

/** e^x for each of `count` f64 at `input`, written to `output`: fdlibm's exp one at a time, for the tests. */
export function expArray(input: usize, output: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const at = <usize>i << 3;
    store<f64>(output + at, fdlibmExp(load<f64>(input + at)));
  }
}

/** The same two at a time (`count` even), as `strengthBlock` computes its exponentials. */
export function expPairArray(input: usize, output: usize, count: i32): void {
  for (let i = 0; i < count; i += 2) {
    const at = <usize>i << 3;
    v128.store(output + at, fdlibmExpPair(v128.load(input + at)));
  }
}
