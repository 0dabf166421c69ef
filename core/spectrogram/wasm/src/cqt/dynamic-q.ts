// AssemblyScript: the dynamic-Q rule (core/spectrogram/dynamic-q.ts has the rule and the TypeScript entry points), in
// the cqt kernel's memory beside the planes it reads. test/core/spectrogram/dynamic-q.test.ts pins it bit for bit
// against a plain per-bin float64 reference.
//
// The oscillation O(t) = max(0, TV − w·(max − min)) of a bin's level in dB, L = toDb·max(v, floor), over the span
// [t − R, t + R] (clamped to the plane) is measured for every cell of a `[frame][bin]` plane, four bins per step:
// - TV over [a, z] is C(z) − C(a), C the running float64 sum of |L(f) − L(f − 1)| from frame 0, summed per bin in
//   frame order (two bins per f64x2 lane pair, each lane doing the scalar sum's operations in its order).
// - Span extrema are taken on order keys of the float32 values (integers that order like the floats, values at or
//   below the floor and NaN clamped to the floor's key), with van Herk / Gil-Werman block scans (blocks of 2R + 1
//   frames): the forward pass stores the running total, the keys and the block prefix extrema; the backward pass
//   keeps one row of block suffix extrema and measures frame a + R once the suffix at a is known. v ↦ L is monotone
//   in float64 too (rounding is monotone), so max L = toDb·max(max v, floor) exactly.
// Work planes have a row stride of `binCount` rounded up to 4; the spare lanes of a row's last vector read 0 and
// are masked out of every decision.

/** Keys below and above every float's key. */
const LOWEST_KEY: i32 = i32.MIN_VALUE;
const HIGHEST_KEY: i32 = i32.MAX_VALUE;

// The work block's layout, bound by `bind` at the start of each call (planes of capFrames × stride cells).
let stride: i32 = 0;
let binCount: i32 = 0;
let header: usize = 0;
let cumulative: usize = 0;
let keys: usize = 0;
let prefixMax: usize = 0;
let prefixMin: usize = 0;
let oscillationLow: usize = 0;
let weights: usize = 0;
let values: usize = 0;
let level: usize = 0;
let suffixMax: usize = 0;
let suffixMin: usize = 0;
let candidateBins: usize = 0;
let framesAbove: usize = 0;
let rowOfFrame: usize = 0;
let frameList: usize = 0;
let coverage: usize = 0;
let weightedRows: usize = 0;
/**
 * The first bins of the vectors forwardRow and backwardRow work on (i32), and how many: every vector, except in
 * BLEND, where only vectors holding a candidate bin matter (no other bin's high-Q oscillation is read, and every
 * lane is computed on its own).
 */
let activeVectors: usize = 0;
let activeCount: i32 = 0;
/** COPY's output plane. */
let copyTarget: usize = 0;
/** Lanes of a row's last vector that hold bins (all ones when binCount is a multiple of 4). */
let tailMask: v128 = i32x4.splat(-1);

// @ts-ignore: decorator
@inline
function align16(bytes: usize): usize {
  return (bytes + 15) & ~(<usize>15);
}

/** Lays out the work block at `work` for up to capFrames × capBins cells; returns its end. */
function bind(work: usize, capFrames: i32, capBins: i32, bins: i32): usize {
  const capStride = <usize>((capBins + 3) & ~3);
  const cells = <usize>capFrames * capStride;
  const frames = align16(<usize>(capFrames + 1) << 2);
  let p = work;
  header = p;
  p += 16;
  cumulative = p;
  p += cells << 3;
  keys = p;
  p += cells << 2;
  prefixMax = p;
  p += cells << 2;
  prefixMin = p;
  p += cells << 2;
  oscillationLow = p;
  p += cells << 2;
  weights = p;
  p += cells << 2;
  values = p;
  p += capStride << 3;
  level = p;
  p += capStride << 3;
  suffixMax = p;
  p += capStride << 2;
  suffixMin = p;
  p += capStride << 2;
  candidateBins = p;
  p += capStride << 2;
  framesAbove = p;
  p += frames;
  rowOfFrame = p;
  p += frames;
  frameList = p;
  p += frames;
  coverage = p;
  p += frames;
  weightedRows = p;
  p += frames;
  activeVectors = p;
  p += capStride;
  binCount = bins;
  stride = (bins + 3) & ~3;
  const spare = stride - bins;
  tailMask = i32x4(-1, spare < 3 ? -1 : 0, spare < 2 ? -1 : 0, spare < 1 ? -1 : 0);
  return p;
}

/** Makes forwardRow and backwardRow work on every vector of a row. */
function activateAll(): void {
  activeCount = 0;
  for (let b = 0; b < stride; b += 4) {
    store<i32>(activeVectors + (<usize>activeCount << 2), b);
    activeCount++;
  }
}

/** Bytes of work for planes of up to `capFrames` frames × `capBins` bins. */
export function dynamicQWorkBytes(capFrames: i32, capBins: i32): i32 {
  return <i32>(bind(0, capFrames, capBins, capBins));
}

/** Four bins b … b + 3 of a plane row (f32, `binCount` per row) at `row`; bins past the row's end read 0. */
// @ts-ignore: decorator
@inline
function loadBins(row: usize, b: i32): v128 {
  const at = row + (<usize>b << 2);
  if (b + 4 <= binCount) return v128.load(at);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(at));
  if (b + 1 < binCount) v = f32x4.replace_lane(v, 1, load<f32>(at, 4));
  if (b + 2 < binCount) v = f32x4.replace_lane(v, 2, load<f32>(at, 8));
  return v;
}

// @ts-ignore: decorator
@inline
function validLanes(b: i32): v128 {
  return b + 4 <= binCount ? i32x4.splat(-1) : tailMask;
}

/** Order key of float32 bits (its own inverse): a signed integer that orders like the float, −0 just below +0. */
// @ts-ignore: decorator
@inline
function orderKeys(bits: v128): v128 {
  return v128.xor(bits, v128.and(i32x4.shr_s(bits, 31), i32x4.splat(0x7fffffff)));
}

// @ts-ignore: decorator
@inline
function highHalf(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

/** Two f64x2 (lanes 0, 1 and 2, 3) as one f32x4, each lane rounded to nearest like a Float32Array store. */
// @ts-ignore: decorator
@inline
function demote4(low: v128, high: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 1, 4, 5);
}

/** Two f64x2 masks (lanes 0, 1 and 2, 3) as one i32x4 mask. */
// @ts-ignore: decorator
@inline
function narrowMask(low: v128, high: v128): v128 {
  return v128.shuffle<i32>(low, high, 0, 2, 4, 6);
}

/** The key of the largest float32 at or below `logFloor`: a float32 exceeds `logFloor` exactly when its key exceeds it. */
function floorKey(logFloor: f64): i32 {
  const asFloat = <f32>logFloor;
  const bits = reinterpret<i32>(asFloat);
  const key = bits ^ ((bits >> 31) & 0x7fffffff);
  return <f64>asFloat > logFloor ? key - 1 : key;
}

/**
 * Frame f, forward: levels into `level`, the running total variation into `cumulative` (0 on frame 0), the keys and
 * the block prefix extrema (the row's own keys where a block starts).
 */
function forwardRow(source: usize, f: i32, logFloor: f64, toDb: f64, clampKey: i32, blockStart: bool): void {
  const row = <usize>f * <usize>stride;
  const floorV = f64x2.splat(logFloor);
  const floorDb = f64x2.splat(toDb * logFloor);
  const scale = f64x2.splat(toDb);
  const clamp = i32x4.splat(clampKey);
  const first = f == 0;
  const cum = cumulative + (row << 3);
  const previous = cum - (<usize>stride << 3);
  const keyRow = keys + (row << 2);
  const maxRow = prefixMax + (row << 2);
  const minRow = prefixMin + (row << 2);
  const offset = <usize>stride << 2;
  for (let v = 0; v < activeCount; v++) {
    const b = load<i32>(activeVectors + (<usize>v << 2));
    const v = loadBins(source, b);
    const low = f64x2.promote_low_f32x4(v);
    const high = highHalf(v);
    const upLow = f64x2.gt(low, floorV);
    const upHigh = f64x2.gt(high, floorV);
    const levelLow = v128.bitselect(f64x2.mul(scale, low), floorDb, upLow);
    const levelHigh = v128.bitselect(f64x2.mul(scale, high), floorDb, upHigh);
    const b8 = <usize>b << 3;
    if (first) {
      v128.store(cum + b8, f64x2.splat(0));
      v128.store(cum + b8, f64x2.splat(0), 16);
    } else {
      // |l − last| rounds like l − last or last − l: negation is exact.
      v128.store(cum + b8, f64x2.add(v128.load(previous + b8), f64x2.abs(f64x2.sub(levelLow, v128.load(level + b8)))));
      v128.store(cum + b8, f64x2.add(v128.load(previous + b8, 16), f64x2.abs(f64x2.sub(levelHigh, v128.load(level + b8, 16)))), 16);
    }
    v128.store(level + b8, levelLow);
    v128.store(level + b8, levelHigh, 16);
    const key = v128.bitselect(orderKeys(v), clamp, narrowMask(upLow, upHigh));
    const b4 = <usize>b << 2;
    v128.store(keyRow + b4, key);
    if (blockStart) {
      v128.store(maxRow + b4, key);
      v128.store(minRow + b4, key);
    } else {
      v128.store(maxRow + b4, i32x4.max_s(v128.load(maxRow + b4 - offset), key));
      v128.store(minRow + b4, i32x4.min_s(v128.load(minRow + b4 - offset), key));
    }
  }
}

/**
 * Backward: extends the block suffix extrema with the keys of frame a (when `extend`), then (when `measure`)
 * measures O into `values` for the span [a, z]: extrema from the suffix at a (when `useSuffix`) and the prefix at
 * z (when `usePrefix`), total variation C(z) − C(max(a, 0)).
 */
function backwardRow(
  a: i32,
  z: i32,
  extend: bool,
  measure: bool,
  useSuffix: bool,
  usePrefix: bool,
  logFloor: f64,
  toDb: f64,
  excursionWeight: f64,
): void {
  const start = <usize>(a < 0 ? 0 : a) * <usize>stride;
  const end = <usize>z * <usize>stride;
  const floorV = f64x2.splat(logFloor);
  const scale = f64x2.splat(toDb);
  const weight = f64x2.splat(excursionWeight);
  const zero = f64x2.splat(0);
  for (let v = 0; v < activeCount; v++) {
    const b = load<i32>(activeVectors + (<usize>v << 2));
    const b4 = <usize>b << 2;
    let kMax = i32x4.splat(LOWEST_KEY);
    let kMin = i32x4.splat(HIGHEST_KEY);
    if (useSuffix) {
      kMax = v128.load(suffixMax + b4);
      kMin = v128.load(suffixMin + b4);
      if (extend) {
        const key = v128.load(keys + (start << 2) + b4);
        kMax = i32x4.max_s(kMax, key);
        kMin = i32x4.min_s(kMin, key);
        v128.store(suffixMax + b4, kMax);
        v128.store(suffixMin + b4, kMin);
      }
    }
    if (!measure) continue;
    if (usePrefix) {
      kMax = i32x4.max_s(kMax, v128.load(prefixMax + (end << 2) + b4));
      kMin = i32x4.min_s(kMin, v128.load(prefixMin + (end << 2) + b4));
    }
    const hi = orderKeys(kMax);
    const lo = orderKeys(kMin);
    // toDb·(x > floor ? x : floor): pmax(floor, x) is floor < x ? x : floor.
    const maxLow = f64x2.mul(scale, f64x2.pmax(floorV, f64x2.promote_low_f32x4(hi)));
    const maxHigh = f64x2.mul(scale, f64x2.pmax(floorV, highHalf(hi)));
    const minLow = f64x2.mul(scale, f64x2.pmax(floorV, f64x2.promote_low_f32x4(lo)));
    const minHigh = f64x2.mul(scale, f64x2.pmax(floorV, highHalf(lo)));
    const b8 = <usize>b << 3;
    const cumEnd = cumulative + (end << 3) + b8;
    const cumStart = cumulative + (start << 3) + b8;
    const valueLow = f64x2.sub(f64x2.sub(v128.load(cumEnd), v128.load(cumStart)), f64x2.mul(weight, f64x2.sub(maxLow, minLow)));
    const valueHigh = f64x2.sub(
      f64x2.sub(v128.load(cumEnd, 16), v128.load(cumStart, 16)),
      f64x2.mul(weight, f64x2.sub(maxHigh, minHigh)),
    );
    // value > 0 ? value : 0.
    v128.store(values + b8, f64x2.pmax(zero, valueLow));
    v128.store(values + b8, f64x2.pmax(zero, valueHigh), 16);
  }
}

function resetSuffix(): void {
  for (let b = 0; b < stride; b += 4) {
    v128.store(suffixMax + (<usize>b << 2), i32x4.splat(LOWEST_KEY));
    v128.store(suffixMin + (<usize>b << 2), i32x4.splat(HIGHEST_KEY));
  }
}

const FIND: i32 = 0;
const BLEND: i32 = 1;
const COPY: i32 = 2;

/**
 * Measures O for every frame of a plane whose row f is `low` row f (FIND, COPY), or `high` row rowOfFrame[f] where
 * that is ≥ 0 and `low` row f elsewhere (BLEND), and visits each frame's row once (BLEND: only frames with a high
 * row).
 */
function measurePlane(
  mode: i32,
  low: usize,
  high: usize,
  frameCount: i32,
  logFloor: f64,
  toDb: f64,
  radius: i32,
  excursionWeight: f64,
  thresholdDb: f64,
  outputStart: i32,
  outputEnd: i32,
  span: f64,
): void {
  const width = 2 * radius + 1;
  const clampKey = floorKey(logFloor);
  const rowBytes = <usize>binCount << 2;
  for (let f = 0; f < frameCount; f++) {
    let source = low + <usize>f * rowBytes;
    if (mode == BLEND) {
      const r = load<i32>(rowOfFrame + (<usize>f << 2));
      if (r >= 0) source = high + <usize>r * rowBytes;
    }
    forwardRow(source, f, logFloor, toDb, clampKey, f % width == 0);
  }
  for (let a = frameCount - 1; a >= 0; a--) {
    if (a == frameCount - 1 || (a + 1) % width == 0) resetSuffix();
    const f = a + radius;
    if (f >= frameCount) {
      backwardRow(a, 0, true, false, true, false, logFloor, toDb, excursionWeight);
      continue;
    }
    const z = f + radius < frameCount ? f + radius : frameCount - 1;
    // A full span is one block long, so it crosses one block boundary (or is a block): max(suffix[a], prefix[z]).
    // A span clamped at the end of the track may lie inside one block. If it starts the block, suffix[a] and
    // prefix[z] both cover it; if not, it ends the track, where the suffix scan restarts: suffix[a] alone.
    const alone = z - a + 1 != width && a / width == z / width && a % width != 0;
    const wanted = mode != BLEND || load<i32>(rowOfFrame + (<usize>f << 2)) >= 0;
    backwardRow(a, z, true, wanted, true, !alone, logFloor, toDb, excursionWeight);
    if (wanted) visit(mode, f, radius, frameCount, thresholdDb, outputStart, outputEnd, span);
  }
  // Spans clamped at the start, [0, f + R] with f < R, lie inside the first block: prefix[z] alone.
  for (let f = 0; f < radius && f < frameCount; f++) {
    if (mode == BLEND && load<i32>(rowOfFrame + (<usize>f << 2)) < 0) continue;
    const z = f + radius < frameCount ? f + radius : frameCount - 1;
    backwardRow(-1, z, false, true, false, true, logFloor, toDb, excursionWeight);
    visit(mode, f, radius, frameCount, thresholdDb, outputStart, outputEnd, span);
  }
}

function visit(
  mode: i32,
  f: i32,
  radius: i32,
  frameCount: i32,
  thresholdDb: f64,
  outputStart: i32,
  outputEnd: i32,
  span: f64,
): void {
  if (mode == FIND) visitFind(f, radius, frameCount, thresholdDb, outputStart, outputEnd);
  else if (mode == BLEND) visitBlend(f, thresholdDb, span);
  else memory.copy(copyTarget + ((<usize>f * <usize>binCount) << 3), values, <usize>binCount << 3);
}

/**
 * FIND: stores O_low (float32) of frame f, marks the frame when some stored O_low exceeds the threshold and, inside
 * the output frames, marks the bins whose (float64) O_low exceeds it and the frames f − R … f + R their high-Q
 * oscillation reads.
 */
function visitFind(f: i32, radius: i32, frameCount: i32, thresholdDb: f64, outputStart: i32, outputEnd: i32): void {
  const threshold = f64x2.splat(thresholdDb);
  const output = f >= outputStart && f < outputEnd;
  const row = oscillationLow + ((<usize>f * <usize>stride) << 2);
  let above = i32x4.splat(0);
  let candidate = i32x4.splat(0);
  for (let b = 0; b < stride; b += 4) {
    const b8 = <usize>b << 3;
    const b4 = <usize>b << 2;
    const valueLow = v128.load(values + b8);
    const valueHigh = v128.load(values + b8, 16);
    const stored = demote4(valueLow, valueHigh);
    v128.store(row + b4, stored);
    const valid = validLanes(b);
    above = v128.or(
      above,
      v128.and(valid, narrowMask(f64x2.gt(f64x2.promote_low_f32x4(stored), threshold), f64x2.gt(highHalf(stored), threshold))),
    );
    if (output) {
      // Candidacy is decided on the float64 value, the blend's weight on the stored float32 one.
      const over = v128.and(valid, narrowMask(f64x2.gt(valueLow, threshold), f64x2.gt(valueHigh, threshold)));
      v128.store(candidateBins + b4, v128.or(v128.load(candidateBins + b4), over));
      candidate = v128.or(candidate, over);
    }
  }
  store<i32>(framesAbove + (<usize>f << 2), v128.any_true(above) ? 1 : 0);
  if (!v128.any_true(candidate)) return;
  // The high-Q oscillation at f reads frames f − R … f + R.
  const from = f - radius > 0 ? f - radius : 0;
  const to = f + radius + 1 < frameCount ? f + radius + 1 : frameCount;
  const at = coverage + (<usize>from << 2);
  const until = coverage + (<usize>to << 2);
  store<i32>(at, load<i32>(at) + 1);
  store<i32>(until, load<i32>(until) - 1);
}

/**
 * BLEND, frame f with a high-Q row r: the weight clamp((O_low − O_high − threshold) / span, 0, 1) of each candidate
 * bin where O_low (stored, float32; 0 on frames where no bin exceeds the threshold) exceeds the threshold, else 0.
 */
function visitBlend(f: i32, thresholdDb: f64, span: f64): void {
  const r = load<i32>(rowOfFrame + (<usize>f << 2));
  const threshold = f64x2.splat(thresholdDb);
  const spanV = f64x2.splat(span);
  const one = f64x2.splat(1);
  const zero = f64x2.splat(0);
  const needed = load<i32>(framesAbove + (<usize>f << 2)) != 0;
  const lowRow = oscillationLow + ((<usize>f * <usize>stride) << 2);
  const weightRow = weights + ((<usize>r * <usize>stride) << 2);
  let any = i32x4.splat(0);
  for (let b = 0; b < stride; b += 4) {
    const b8 = <usize>b << 3;
    const b4 = <usize>b << 2;
    const low = needed ? v128.load(lowRow + b4) : f32x4.splat(0);
    const lowLow = f64x2.promote_low_f32x4(low);
    const lowHigh = highHalf(low);
    const excessLow = f64x2.sub(f64x2.sub(lowLow, v128.load(values + b8)), threshold);
    const excessHigh = f64x2.sub(f64x2.sub(lowHigh, v128.load(values + b8, 16)), threshold);
    const setLow = v128.and(f64x2.gt(lowLow, threshold), f64x2.gt(excessLow, zero));
    const setHigh = v128.and(f64x2.gt(lowHigh, threshold), f64x2.gt(excessHigh, zero));
    const set = v128.and(v128.load(candidateBins + b4), narrowMask(setLow, setHigh));
    // No lane weighted (non-candidate vectors among them, whose `values` were not measured): weights +0.
    if (!v128.any_true(set)) {
      v128.store(weightRow + b4, i32x4.splat(0));
      continue;
    }
    const wLow = v128.bitselect(one, f64x2.div(excessLow, spanV), f64x2.ge(excessLow, spanV));
    const wHigh = v128.bitselect(one, f64x2.div(excessHigh, spanV), f64x2.ge(excessHigh, spanV));
    v128.store(weightRow + b4, v128.and(demote4(wLow, wHigh), set));
    any = v128.or(any, set);
  }
  store<i32>(weightedRows + (<usize>r << 2), v128.any_true(any) ? 1 : 0);
}

/**
 * The low-Q pass of the dynamic rule: O_low of every cell of `low` (`[frameCount][binCount]` f32 natural-log
 * magnitudes), the candidate bins (O_low > threshold on some output frame f, outputStart ≤ f < outputStart +
 * outputCount) and the frames their high-Q oscillation reads. Writes those frames + `frameOffset` to `framesOut`
 * (i32) and returns how many; `work` (dynamicQWorkBytes(capFrames, capBins) bytes) keeps the rest for blendDynamicQ.
 */
export function findBeatingCandidates(
  low: usize,
  frameCount: i32,
  bins: i32,
  work: usize,
  capFrames: i32,
  capBins: i32,
  logFloor: f64,
  toDb: f64,
  radius: i32,
  excursionWeight: f64,
  thresholdDb: f64,
  outputStart: i32,
  outputCount: i32,
  frameOffset: i32,
  framesOut: usize,
): i32 {
  bind(work, capFrames, capBins, bins);
  activateAll();
  memory.fill(coverage, 0, <usize>(frameCount + 1) << 2);
  memory.fill(candidateBins, 0, <usize>stride << 2);
  const outputEnd = outputStart + outputCount;
  measurePlane(FIND, low, 0, frameCount, logFloor, toDb, radius, excursionWeight, thresholdDb, outputStart, outputEnd, 0);
  let count = 0;
  let running = 0;
  for (let f = 0; f < frameCount; f++) {
    running += load<i32>(coverage + (<usize>f << 2));
    store<i32>(rowOfFrame + (<usize>f << 2), running > 0 ? count : -1);
    if (running > 0) {
      store<i32>(frameList + (<usize>count << 2), f);
      store<i32>(framesOut + (<usize>count << 2), f + frameOffset);
      count++;
    }
  }
  store<i32>(header, count);
  return count;
}

/**
 * The high-Q pass: blends `high` (`[count][binCount]`, row r for the r-th frame findBeatingCandidates returned)
 * into `low` in place, low + w·(high − low) with w the weight max-filtered over ±spreadBins. Returns the number of
 * cells with a non-zero weight.
 */
export function blendDynamicQ(
  low: usize,
  high: usize,
  frameCount: i32,
  bins: i32,
  work: usize,
  capFrames: i32,
  capBins: i32,
  logFloor: f64,
  toDb: f64,
  radius: i32,
  excursionWeight: f64,
  thresholdDb: f64,
  span: f64,
  spreadBins: i32,
): i32 {
  bind(work, capFrames, capBins, bins);
  const rows = load<i32>(header);
  activeCount = 0;
  for (let b = 0; b < stride; b += 4) {
    if (!v128.any_true(v128.load(candidateBins + (<usize>b << 2)))) continue;
    store<i32>(activeVectors + (<usize>activeCount << 2), b);
    activeCount++;
  }
  if (rows == 0 || activeCount == 0) return 0;
  // Every high row's weights are written by its frame's visit.
  measurePlane(BLEND, low, high, frameCount, logFloor, toDb, radius, excursionWeight, thresholdDb, 0, 0, span);
  let weighted = 0;
  const rowBytes = <usize>bins << 2;
  const lane = i32x4(0, 1, 2, 3);
  for (let r = 0; r < rows; r++) {
    if (load<i32>(weightedRows + (<usize>r << 2)) == 0) continue;
    const weightRow = weights + ((<usize>r * <usize>stride) << 2);
    const target = low + <usize>load<i32>(frameList + (<usize>r << 2)) * rowBytes;
    const source = high + <usize>r * rowBytes;
    // Four bins per step. Weights are +0 or positive (never NaN), so the max filter is f32x4.max over the
    // neighbours inside the row (lanes reaching outside it read +0, as the scalar clamp leaves them out); the blend
    // is the scalar expression per lane, stored only where w > 0 (other lanes, past the row's end included, keep
    // their bits).
    for (let b = 0; b < bins; b += 4) {
      const b4 = <usize>b << 2;
      const index = i32x4.add(i32x4.splat(b), lane);
      let w = v128.load(weightRow + b4);
      for (let o = 1; o <= spreadBins; o++) {
        const o4 = <usize>o << 2;
        const left = v128.and(v128.load(weightRow + b4 - o4), i32x4.ge_s(index, i32x4.splat(o)));
        const right = v128.and(v128.load(weightRow + b4 + o4), i32x4.lt_s(index, i32x4.splat(bins - o)));
        w = f32x4.max(w, f32x4.max(left, right));
      }
      const set = v128.and(f32x4.gt(w, f32x4.splat(0)), i32x4.lt_s(index, i32x4.splat(bins)));
      const mask = i32x4.bitmask(set);
      if (mask == 0) continue;
      weighted += <i32>popcnt(mask);
      const at = target + b4;
      const l = v128.load(at);
      const h = v128.load(source + b4);
      const lLow = f64x2.promote_low_f32x4(l);
      const lHigh = highHalf(l);
      const blendLow = f64x2.add(lLow, f64x2.mul(f64x2.promote_low_f32x4(w), f64x2.sub(f64x2.promote_low_f32x4(h), lLow)));
      const blendHigh = f64x2.add(lHigh, f64x2.mul(highHalf(w), f64x2.sub(highHalf(h), lHigh)));
      v128.store(at, v128.bitselect(demote4(blendLow, blendHigh), l, set));
    }
  }
  return weighted;
}

/**
 * O (float64, dB) of every cell of `plane` (`[frameCount][binCount]` f32 natural-log magnitudes) into `out`
 * (`[frameCount][binCount]` f64): what both passes measure, for tests and diagnostics.
 */
export function measureOscillation(
  plane: usize,
  frameCount: i32,
  bins: i32,
  work: usize,
  capFrames: i32,
  capBins: i32,
  logFloor: f64,
  toDb: f64,
  radius: i32,
  excursionWeight: f64,
  out: usize,
): void {
  bind(work, capFrames, capBins, bins);
  activateAll();
  copyTarget = out;
  measurePlane(COPY, plane, 0, frameCount, logFloor, toDb, radius, excursionWeight, 0, 0, 0, 0);
}
