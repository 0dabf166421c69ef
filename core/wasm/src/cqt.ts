// AssemblyScript: the constant-Q analysis kernel (docs/spectrogram.md, "Speed"). Built by scripts/build-wasm.ts into
// core/wasm/generated/cqt.ts; the TypeScript side (core/wasm/cqt.ts) owns all memory and hands this code pointers.
//
// Four frames are analysed at once, one per SIMD lane: every lane runs the same real FFT and the same sparse
// kernels on a different frame, so the scalar algorithm vectorises without shuffles.

const LANES: i32 = 4;
const VEC: i32 = 16;

/** Smallest power kept before the log: the smallest normal f32 (~1e-38), far below any audible level. */
const MIN_POWER: f32 = 1.0e-37;

// Cephes logf coefficients (S. Moshier), accurate to ~1 ulp on normal f32 inputs.
const SQRT_HALF: f32 = 0.70710678118654752440;
const P0: f32 = 7.0376836292e-2;
const P1: f32 = -1.1514610310e-1;
const P2: f32 = 1.1676998740e-1;
const P3: f32 = -1.2420140846e-1;
const P4: f32 = 1.4249322787e-1;
const P5: f32 = -1.6668057665e-1;
const P6: f32 = 2.0000714765e-1;
const P7: f32 = -2.4999993993e-1;
const P8: f32 = 3.3333331174e-1;
const LN2_LOW: f32 = -2.12194440e-4;
const LN2_HIGH: f32 = 0.693359375;

/** Natural log of four positive normal f32 values. */
// @ts-ignore: decorator
@inline
function log4(x: v128): v128 {
  const bits = x;
  let exponent = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126));
  // Mantissa in [0.5, 1).
  let m = v128.or(v128.and(bits, i32x4.splat(0x807fffff)), i32x4.splat(0x3f000000));
  const small = f32x4.lt(m, f32x4.splat(SQRT_HALF));
  // Where m < √½: exponent − 1 and m ← 2m − 1; elsewhere m ← m − 1 (the mask is all ones, i.e. −1).
  exponent = i32x4.add(exponent, small);
  m = f32x4.add(f32x4.sub(m, f32x4.splat(1)), v128.and(m, small));
  const z = f32x4.mul(m, m);
  let y = f32x4.splat(P0);
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(P1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(P2));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(P3));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(P4));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(P5));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(P6));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(P7));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(P8));
  y = f32x4.mul(f32x4.mul(y, m), z);
  const e = f32x4.convert_i32x4_s(exponent);
  y = f32x4.add(y, f32x4.mul(e, f32x4.splat(LN2_LOW)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  m = f32x4.add(m, y);
  return f32x4.add(m, f32x4.mul(e, f32x4.splat(LN2_HIGH)));
}

/**
 * Loads lane `lane` of the packed complex input: z[bitrev[i]] = x[s + 2i] + i·x[s + 2i + 1] for i < m, reading zero
 * outside [0, length).
 */
function gatherLane(signal: usize, length: i32, start: i32, m: i32, bitrev: usize, zr: usize, zi: usize, lane: i32): void {
  const laneOffset = <usize>(lane << 2);
  if (start >= 0 && start + 2 * m <= length) {
    let source = signal + (<usize>start << 2);
    for (let i = 0; i < m; i++) {
      const target = (<usize>load<i32>(bitrev + (<usize>i << 2)) << 4) + laneOffset;
      store<f32>(zr + target, load<f32>(source));
      store<f32>(zi + target, load<f32>(source, 4));
      source += 8;
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    const target = (<usize>load<i32>(bitrev + (<usize>i << 2)) << 4) + laneOffset;
    const even = start + 2 * i;
    const odd = even + 1;
    store<f32>(zr + target, even >= 0 && even < length ? load<f32>(signal + (<usize>even << 2)) : 0);
    store<f32>(zi + target, odd >= 0 && odd < length ? load<f32>(signal + (<usize>odd << 2)) : 0);
  }
}

/** In-place radix-2 decimation-in-time FFT of m points (input already in bit-reversed order), e^{−i} kernel. */
function complexFft(zr: usize, zi: usize, m: i32, twiddle: usize): void {
  // Length-2 butterflies need no twiddle.
  for (let k = 0; k < m; k += 2) {
    const a = <usize>k << 4;
    const b = a + VEC;
    const ar = v128.load(zr + a);
    const ai = v128.load(zi + a);
    const br = v128.load(zr + b);
    const bi = v128.load(zi + b);
    v128.store(zr + a, f32x4.add(ar, br));
    v128.store(zi + a, f32x4.add(ai, bi));
    v128.store(zr + b, f32x4.sub(ar, br));
    v128.store(zi + b, f32x4.sub(ai, bi));
  }
  for (let length = 4; length <= m; length <<= 1) {
    const half = length >> 1;
    const step = m / length;
    for (let j = 0; j < half; j++) {
      const w = twiddle + (<usize>(j * step) << 3);
      const wr = f32x4.splat(load<f32>(w));
      const wi = f32x4.splat(load<f32>(w, 4));
      for (let k = j; k < m; k += length) {
        const a = <usize>k << 4;
        const b = <usize>(k + half) << 4;
        const br = v128.load(zr + b);
        const bi = v128.load(zi + b);
        const tr = f32x4.sub(f32x4.mul(wr, br), f32x4.mul(wi, bi));
        const ti = f32x4.add(f32x4.mul(wr, bi), f32x4.mul(wi, br));
        const ar = v128.load(zr + a);
        const ai = v128.load(zi + a);
        v128.store(zr + a, f32x4.add(ar, tr));
        v128.store(zi + a, f32x4.add(ai, ti));
        v128.store(zr + b, f32x4.sub(ar, tr));
        v128.store(zi + b, f32x4.sub(ai, ti));
      }
    }
  }
}

/**
 * The real FFT's bins k = first … last from the packed half-size complex FFT Z:
 * X[k] = E − i·W_k·O with E = (Z[k] + conj Z[m−k]) / 2, O = (Z[k] − conj Z[m−k]) / 2, W_k = e^{−2πik/2m}.
 */
function unpackReal(zr: usize, zi: usize, m: i32, post: usize, first: i32, last: i32, xr: usize, xi: usize): void {
  const half = f32x4.splat(0.5);
  for (let k = first; k <= last; k++) {
    const a = <usize>(k == m ? 0 : k) << 4;
    const b = <usize>(k == 0 ? 0 : m - k) << 4;
    const ar = v128.load(zr + a);
    const ai = v128.load(zi + a);
    const br = v128.load(zr + b);
    const bi = v128.load(zi + b);
    const er = f32x4.mul(f32x4.add(ar, br), half);
    const ei = f32x4.mul(f32x4.sub(ai, bi), half);
    const or = f32x4.mul(f32x4.sub(ar, br), half);
    const oi = f32x4.mul(f32x4.add(ai, bi), half);
    const w = post + (<usize>k << 3);
    const wr = f32x4.splat(load<f32>(w));
    const wi = f32x4.splat(load<f32>(w, 4));
    const target = <usize>k << 4;
    v128.store(xr + target, f32x4.add(er, f32x4.add(f32x4.mul(wr, oi), f32x4.mul(wi, or))));
    v128.store(xi + target, f32x4.sub(ei, f32x4.sub(f32x4.mul(wr, or), f32x4.mul(wi, oi))));
  }
}

/**
 * Natural-log magnitudes of one FFT-length segment of constant-Q bins on `frameCount` frames.
 *
 * Frame r reads samples frames[r]·hop + offset … + 2m − 1 of `signal` (f32, zero outside [0, length)); bin b of the
 * segment is Σ_j X[firstFftBin[b] + j] · K[start[b] + j] over its kernel entries (Brown & Puckette), and
 * out[r·outStride + binOffset + b] (f32) receives ½·ln(|·|²).
 *
 * `scratch` holds 2m + 2(m + 1) vectors of 16 bytes.
 */
export function analyse(
  signal: usize,
  length: i32,
  frames: usize,
  frameCount: i32,
  hop: i32,
  offset: i32,
  m: i32,
  bitrev: usize,
  twiddle: usize,
  post: usize,
  binCount: i32,
  start: usize,
  firstFftBin: usize,
  kernelRe: usize,
  kernelIm: usize,
  firstUsed: i32,
  lastUsed: i32,
  out: usize,
  outStride: i32,
  binOffset: i32,
  scratch: usize,
): void {
  const zr = scratch;
  const zi = zr + (<usize>m << 4);
  const xr = zi + (<usize>m << 4);
  const xi = xr + (<usize>(m + 1) << 4);
  const minPower = f32x4.splat(MIN_POWER);
  const halfLog = f32x4.splat(0.5);
  for (let r = 0; r < frameCount; r += LANES) {
    const valid = min(LANES, frameCount - r);
    for (let lane = 0; lane < LANES; lane++) {
      // Short last batch: spare lanes repeat the last frame; their results are not stored.
      const frame = load<i32>(frames + (<usize>(r + min(lane, valid - 1)) << 2));
      gatherLane(signal, length, frame * hop + offset, m, bitrev, zr, zi, lane);
    }
    complexFft(zr, zi, m, twiddle);
    unpackReal(zr, zi, m, post, firstUsed, lastUsed, xr, xi);
    for (let b = 0; b < binCount; b++) {
      let sr = f32x4.splat(0);
      let si = f32x4.splat(0);
      const end = load<i32>(start + (<usize>(b + 1) << 2));
      let spectrum = <usize>load<i32>(firstFftBin + (<usize>b << 2)) << 4;
      for (let j = load<i32>(start + (<usize>b << 2)); j < end; j++) {
        const kr = f32x4.splat(load<f32>(kernelRe + (<usize>j << 2)));
        const ki = f32x4.splat(load<f32>(kernelIm + (<usize>j << 2)));
        const vr = v128.load(xr + spectrum);
        const vi = v128.load(xi + spectrum);
        sr = f32x4.add(sr, f32x4.sub(f32x4.mul(vr, kr), f32x4.mul(vi, ki)));
        si = f32x4.add(si, f32x4.add(f32x4.mul(vr, ki), f32x4.mul(vi, kr)));
        spectrum += VEC;
      }
      const power = f32x4.max(f32x4.add(f32x4.mul(sr, sr), f32x4.mul(si, si)), minPower);
      const level = f32x4.mul(log4(power), halfLog);
      const column = out + (<usize>(binOffset + b) << 2);
      const rowBytes = <usize>outStride << 2;
      let target = column + <usize>r * rowBytes;
      store<f32>(target, f32x4.extract_lane(level, 0));
      if (valid > 1) store<f32>(target + rowBytes, f32x4.extract_lane(level, 1));
      if (valid > 2) store<f32>(target + 2 * rowBytes, f32x4.extract_lane(level, 2));
      if (valid > 3) store<f32>(target + 3 * rowBytes, f32x4.extract_lane(level, 3));
    }
  }
}

/**
 * 2:1 decimation by a linear-phase half-band FIR (core/spectrogram/decimate.ts is the reference, which this
 * reproduces bit for bit): out[m] = c·x[2m] + Σ_t h_t·(x[2m − k_t] + x[2m + k_t]), k_t = 2t − 1, in f64 with zero
 * outside [0, length). `taps` holds f64 [c, h_1, h_2, …]. Two outputs per step, one per f64 lane; each lane does
 * the scalar code's operations in the scalar code's order.
 */
export function decimateByTwo(input: usize, length: i32, out: usize, taps: usize, tapCount: i32): void {
  const outLength = (length + 1) >> 1;
  const reach = 2 * (tapCount - 1) - 1;
  const centre = load<f64>(taps);
  const centreVector = f64x2.splat(centre);
  let m = 0;
  while (m < outLength) {
    const n = 2 * m;
    // A pair's widest read is the 4-float load at x[n + 2 + reach − 2] … x[n + reach + 3].
    if (m + 1 < outLength && n - reach >= 0 && n + reach + 3 < length) {
      const here = input + (<usize>n << 2);
      const pair = f64x2.promote_low_f32x4(v128.shuffle<f32>(v128.load(here), v128.load(here), 0, 2, 0, 2));
      let acc = f64x2.mul(centreVector, pair);
      for (let t = 1; t < tapCount; t++) {
        const k = <usize>(2 * t - 1) << 2;
        const before = v128.load(here - k);
        const after = v128.load(here + k);
        const lows = f64x2.promote_low_f32x4(v128.shuffle<f32>(before, before, 0, 2, 0, 2));
        const highs = f64x2.promote_low_f32x4(v128.shuffle<f32>(after, after, 0, 2, 0, 2));
        acc = f64x2.add(acc, f64x2.mul(f64x2.splat(load<f64>(taps + (<usize>t << 3))), f64x2.add(lows, highs)));
      }
      store<f32>(out + (<usize>m << 2), <f32>f64x2.extract_lane(acc, 0));
      store<f32>(out + (<usize>(m + 1) << 2), <f32>f64x2.extract_lane(acc, 1));
      m += 2;
      continue;
    }
    let acc = centre * <f64>load<f32>(input + (<usize>n << 2));
    for (let t = 1; t < tapCount; t++) {
      const k = 2 * t - 1;
      const before: f64 = n - k >= 0 ? <f64>load<f32>(input + (<usize>(n - k) << 2)) : 0;
      const after: f64 = n + k < length ? <f64>load<f32>(input + (<usize>(n + k) << 2)) : 0;
      acc += load<f64>(taps + (<usize>t << 3)) * (before + after);
    }
    store<f32>(out + (<usize>m << 2), <f32>acc);
    m++;
  }
}

/**
 * The output scale of `rows` rows of a log-magnitude plane: dst[r·dstStride + b] = max(0, a·src[r·bins + b] + c)
 * (f32), computed in f64 exactly as the TypeScript expression `a * x + c` (then rounded to f32), so the result is
 * bit-identical to it. Four cells per step, two per f64 lane pair.
 */
export function scaleRows(src: usize, rows: i32, bins: i32, dst: usize, dstStride: i32, a: f64, c: f64): void {
  const av = f64x2.splat(a);
  const cv = f64x2.splat(c);
  const zero = f64x2.splat(0);
  for (let r = 0; r < rows; r++) {
    const from = src + (<usize>(r * bins) << 2);
    const to = dst + (<usize>(r * dstStride) << 2);
    let b = 0;
    for (; b + 4 <= bins; b += 4) {
      const x = v128.load(from + (<usize>b << 2));
      const low = f64x2.pmax(zero, f64x2.add(f64x2.mul(av, f64x2.promote_low_f32x4(x)), cv));
      const high = f64x2.pmax(zero, f64x2.add(f64x2.mul(av, f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 2, 3))), cv));
      const l = f32x4.demote_f64x2_zero(low);
      const h = f32x4.demote_f64x2_zero(high);
      v128.store(to + (<usize>b << 2), v128.shuffle<f32>(l, h, 0, 1, 4, 5));
    }
    for (; b < bins; b++) {
      const v = a * <f64>load<f32>(from + (<usize>b << 2)) + c;
      store<f32>(to + (<usize>b << 2), <f32>(v > 0 ? v : 0));
    }
  }
}

/**
 * The high-Q plane on `count` sorted global frames from its values at sorted, unique anchor frames (multiples of
 * `stride`, and the last frame): row r of `out` is the anchor row itself on an anchor, else the linear
 * interpolation a + t·(z − a) between the anchors around it, t = (f − before) / (after − before), in f64 exactly as
 * the TypeScript expression (then rounded to f32).
 */
export function interpolateAnchors(
  atAnchors: usize,
  anchors: usize,
  frames: usize,
  count: i32,
  stride: i32,
  frameCount: i32,
  bins: i32,
  out: usize,
): void {
  const rowBytes = <usize>bins << 2;
  let row = 0;
  for (let r = 0; r < count; r++) {
    const f = load<i32>(frames + (<usize>r << 2));
    const before = f - (f % stride);
    while (load<i32>(anchors + (<usize>row << 2)) < before) row++;
    const a = atAnchors + <usize>row * rowBytes;
    const target = out + <usize>r * rowBytes;
    if (before == f) {
      memory.copy(target, a, rowBytes);
      continue;
    }
    const after = min(before + stride, frameCount - 1);
    const z = a + rowBytes;
    const t: f64 = <f64>(f - before) / <f64>(after - before);
    const tv = f64x2.splat(t);
    let b = 0;
    for (; b + 4 <= bins; b += 4) {
      const offset = <usize>b << 2;
      const x = v128.load(a + offset);
      const y = v128.load(z + offset);
      const x0 = f64x2.promote_low_f32x4(x);
      const x1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 2, 3));
      const y0 = f64x2.promote_low_f32x4(y);
      const y1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(y, y, 2, 3, 2, 3));
      const l = f32x4.demote_f64x2_zero(f64x2.add(x0, f64x2.mul(tv, f64x2.sub(y0, x0))));
      const h = f32x4.demote_f64x2_zero(f64x2.add(x1, f64x2.mul(tv, f64x2.sub(y1, x1))));
      v128.store(target + offset, v128.shuffle<f32>(l, h, 0, 1, 4, 5));
    }
    for (; b < bins; b++) {
      const offset = <usize>b << 2;
      const x = <f64>load<f32>(a + offset);
      store<f32>(target + offset, <f32>(x + t * (<f64>load<f32>(z + offset) - x)));
    }
  }
}

export { blendDynamicQ, dynamicQWorkBytes, findBeatingCandidates, measureOscillation } from './cqt/dynamic-q';
