// AssemblyScript: the constant-Q analysis kernel (docs/spectrogram.md, "Speed"). Built by scripts/build-wasm.ts into
// core/spectrogram/wasm/generated/cqt.ts; the TypeScript side (core/spectrogram/cqt-kernel.ts) owns all memory and hands this code pointers.
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
 * outside [0, length) (the general path, for frames that reach past the signal).
 */
function gatherLane(signal: usize, length: i32, start: i32, m: i32, bitrev: usize, zr: usize, zi: usize, lane: i32): void {
  const laneOffset = <usize>(lane << 2);
  for (let i = 0; i < m; i++) {
    const target = (<usize>load<i32>(bitrev + (<usize>i << 2)) << 4) + laneOffset;
    const even = start + 2 * i;
    const odd = even + 1;
    store<f32>(zr + target, even >= 0 && even < length ? load<f32>(signal + (<usize>even << 2)) : 0);
    store<f32>(zi + target, odd >= 0 && odd < length ? load<f32>(signal + (<usize>odd << 2)) : 0);
  }
}

/*
 * The FFT is radix-2 decimation in time (input in bit-reversed order), and every stage's arithmetic is exactly
 * that of one plain radix-2 butterfly, t = W·b, (a + t, a − t) with t = (wr·br − wi·bi, wr·bi + wi·br), so any
 * grouping of the stages computes the same bits. Stages are grouped in pairs to halve the passes over memory: a
 * pair (lengths L, 2L) works on quadruples p0 = g + j, p1 = p0 + L/2, p2 = p0 + L, p3 = p0 + 3L/2. The first pair
 * (lengths 2 and 4) is fused with loading the input. Twiddles: `twiddle` holds e^{−2πij/m}, j < m/2 (f32 pairs);
 * stage L's j-th is entry j·m/L.
 */

/** Butterfly of two complex vectors held in r/i memory at `a`, `b` (byte addresses in zr; zi at +zOffset). */
// @ts-ignore: decorator
@inline
function butterfly(a: usize, b: usize, zOffset: usize, wr: v128, wi: v128): void {
  const br = v128.load(b);
  const bi = v128.load(b + zOffset);
  const tr = f32x4.sub(f32x4.mul(wr, br), f32x4.mul(wi, bi));
  const ti = f32x4.add(f32x4.mul(wr, bi), f32x4.mul(wi, br));
  const ar = v128.load(a);
  const ai = v128.load(a + zOffset);
  v128.store(a, f32x4.add(ar, tr));
  v128.store(a + zOffset, f32x4.add(ai, ti));
  v128.store(b, f32x4.sub(ar, tr));
  v128.store(b + zOffset, f32x4.sub(ai, ti));
}

/**
 * Stages 1 and 2 (lengths 2 and 4) on the four inputs of positions 4p … 4p + 3, z[i], z[i + m/2], z[i + m/4],
 * z[i + 3m/4] (i = bitrev(4p)), stored at `target` (byte offset of position 4p). Stage 2's twiddles are entries 0,
 * (1, −0), whose product is exact (up to the sign of a zero, which nothing downstream can see), and m/4, (w, −1) with
 * w = cos(π/2) rounded, whose product is computed.
 */
// @ts-ignore: decorator
@inline
function firstStages(
  q0r: v128, q0i: v128, q2r: v128, q2i: v128, q1r: v128, q1i: v128, q3r: v128, q3i: v128,
  cr: v128, ci: v128, zr: usize, zi: usize, target: usize,
): void {
  // Stage 1: (z[i], z[i + m/2]) and (z[i + m/4], z[i + 3m/4]).
  const u0r = f32x4.add(q0r, q2r);
  const u0i = f32x4.add(q0i, q2i);
  const u1r = f32x4.sub(q0r, q2r);
  const u1i = f32x4.sub(q0i, q2i);
  const u2r = f32x4.add(q1r, q3r);
  const u2i = f32x4.add(q1i, q3i);
  const u3r = f32x4.sub(q1r, q3r);
  const u3i = f32x4.sub(q1i, q3i);
  // Stage 2: (u0, u2) with twiddle 1, (u1, u3) with (cr, ci).
  const tr = f32x4.sub(f32x4.mul(cr, u3r), f32x4.mul(ci, u3i));
  const ti = f32x4.add(f32x4.mul(cr, u3i), f32x4.mul(ci, u3r));
  v128.store(zr + target, f32x4.add(u0r, u2r));
  v128.store(zi + target, f32x4.add(u0i, u2i));
  v128.store(zr + target, f32x4.add(u1r, tr), VEC);
  v128.store(zi + target, f32x4.add(u1i, ti), VEC);
  v128.store(zr + target, f32x4.sub(u0r, u2r), 2 * VEC);
  v128.store(zi + target, f32x4.sub(u0i, u2i), 2 * VEC);
  v128.store(zr + target, f32x4.sub(u1r, tr), 3 * VEC);
  v128.store(zi + target, f32x4.sub(u1i, ti), 3 * VEC);
}

/** Stages 1 and 2 in place, after gatherLane (m ≥ 4). */
function firstStagesInPlace(zr: usize, zi: usize, m: i32, twiddle: usize): void {
  const w = twiddle + (<usize>(m >> 2) << 3);
  const cr = v128.load32_splat(w);
  const ci = v128.load32_splat(w, 4);
  for (let p = 0; p < m; p += 4) {
    const t = <usize>p << 4;
    firstStages(
      v128.load(zr + t), v128.load(zi + t), v128.load(zr + t, VEC), v128.load(zi + t, VEC),
      v128.load(zr + t, 2 * VEC), v128.load(zi + t, 2 * VEC), v128.load(zr + t, 3 * VEC), v128.load(zi + t, 3 * VEC),
      cr, ci, zr, zi, t,
    );
  }
}

/**
 * Loads all four lanes when every frame lies inside the signal (`p0` … `p3`: the frames' first samples) and runs
 * stages 1 and 2 on the way (m ≥ 8). One lane's 4-float load at z[i] holds z[i] and z[i + 1]; a 4×4 transpose of
 * the four lanes' loads gives both as lane vectors.
 */
function gatherLanes(p0: usize, p1: usize, p2: usize, p3: usize, m: i32, bitrev: usize, twiddle: usize, zr: usize, zi: usize): void {
  const w = twiddle + (<usize>(m >> 2) << 3);
  const cr = v128.load32_splat(w);
  const ci = v128.load32_splat(w, 4);
  const quarter = <usize>m << 1; // bytes of m/4 complex samples (2 floats each)
  for (let i = 0; i < m >> 2; i += 2) {
    // Quarter q's z[i + q·m/4], z[i + 1 + q·m/4].
    let offset = <usize>i << 3;
    let v0 = v128.load(p0 + offset);
    let v1 = v128.load(p1 + offset);
    let v2 = v128.load(p2 + offset);
    let v3 = v128.load(p3 + offset);
    let t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
    let t1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
    let t2 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
    let t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
    const a0r = v128.shuffle<f32>(t0, t1, 0, 1, 4, 5);
    const a0i = v128.shuffle<f32>(t0, t1, 2, 3, 6, 7);
    const b0r = v128.shuffle<f32>(t2, t3, 0, 1, 4, 5);
    const b0i = v128.shuffle<f32>(t2, t3, 2, 3, 6, 7);
    offset += quarter;
    v0 = v128.load(p0 + offset);
    v1 = v128.load(p1 + offset);
    v2 = v128.load(p2 + offset);
    v3 = v128.load(p3 + offset);
    t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
    t1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
    t2 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
    t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
    const a1r = v128.shuffle<f32>(t0, t1, 0, 1, 4, 5);
    const a1i = v128.shuffle<f32>(t0, t1, 2, 3, 6, 7);
    const b1r = v128.shuffle<f32>(t2, t3, 0, 1, 4, 5);
    const b1i = v128.shuffle<f32>(t2, t3, 2, 3, 6, 7);
    offset += quarter;
    v0 = v128.load(p0 + offset);
    v1 = v128.load(p1 + offset);
    v2 = v128.load(p2 + offset);
    v3 = v128.load(p3 + offset);
    t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
    t1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
    t2 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
    t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
    const a2r = v128.shuffle<f32>(t0, t1, 0, 1, 4, 5);
    const a2i = v128.shuffle<f32>(t0, t1, 2, 3, 6, 7);
    const b2r = v128.shuffle<f32>(t2, t3, 0, 1, 4, 5);
    const b2i = v128.shuffle<f32>(t2, t3, 2, 3, 6, 7);
    offset += quarter;
    v0 = v128.load(p0 + offset);
    v1 = v128.load(p1 + offset);
    v2 = v128.load(p2 + offset);
    v3 = v128.load(p3 + offset);
    t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
    t1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
    t2 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
    t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
    const a3r = v128.shuffle<f32>(t0, t1, 0, 1, 4, 5);
    const a3i = v128.shuffle<f32>(t0, t1, 2, 3, 6, 7);
    const b3r = v128.shuffle<f32>(t2, t3, 0, 1, 4, 5);
    const b3i = v128.shuffle<f32>(t2, t3, 2, 3, 6, 7);
    // z[i + q·m/4] goes to position bitrev(i) + (0, 2, 1, 3)[q] (bitrev(i) is a multiple of 4 for i < m/4).
    const ta = <usize>load<i32>(bitrev + (<usize>i << 2)) << 4;
    firstStages(a0r, a0i, a2r, a2i, a1r, a1i, a3r, a3i, cr, ci, zr, zi, ta);
    const tb = <usize>load<i32>(bitrev + (<usize>(i + 1) << 2)) << 4;
    firstStages(b0r, b0i, b2r, b2i, b1r, b1i, b3r, b3i, cr, ci, zr, zi, tb);
  }
}

/** Stages of lengths 8 … m (stages 1 and 2 done), in pairs, and a last single stage where their count is odd. */
function laterStages(zr: usize, zi: usize, m: i32, twiddle: usize): void {
  const zOffset = zi - zr;
  let length = 8;
  for (; 2 * length <= m; length <<= 2) {
    const half = length >> 1;
    const step = m / length;
    const span = <usize>half << 4;
    for (let j = 0; j < half; j++) {
      // Stage L: twiddle j·m/L for both pairs; stage 2L: j·m/2L for (p0, p2), (j + L/2)·m/2L for (p1, p3).
      const w = twiddle + (<usize>(j * step) << 3);
      const wr = v128.load32_splat(w);
      const wi = v128.load32_splat(w, 4);
      const u = twiddle + (<usize>((j * step) >> 1) << 3);
      const ur = v128.load32_splat(u);
      const ui = v128.load32_splat(u, 4);
      const v = twiddle + (<usize>(((j + half) * step) >> 1) << 3);
      const vr = v128.load32_splat(v);
      const vi = v128.load32_splat(v, 4);
      for (let g = j; g < m; g += 2 * length) {
        const p0 = zr + (<usize>g << 4);
        const p1 = p0 + span;
        const p2 = p1 + span;
        const p3 = p2 + span;
        butterfly(p0, p1, zOffset, wr, wi);
        butterfly(p2, p3, zOffset, wr, wi);
        butterfly(p0, p2, zOffset, ur, ui);
        butterfly(p1, p3, zOffset, vr, vi);
      }
    }
  }
  if (length <= m) {
    const half = length >> 1;
    const step = m / length;
    for (let j = 0; j < half; j++) {
      const w = twiddle + (<usize>(j * step) << 3);
      const wr = v128.load32_splat(w);
      const wi = v128.load32_splat(w, 4);
      for (let k = j; k < m; k += length) {
        const a = zr + (<usize>k << 4);
        butterfly(a, a + (<usize>half << 4), zOffset, wr, wi);
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
  for (let r = 0; r < frameCount; r += LANES) {
    const valid = min(LANES, frameCount - r);
    // Short last batch: spare lanes repeat the last frame; their results are not stored.
    const s0 = load<i32>(frames + (<usize>r << 2)) * hop + offset;
    const s1 = load<i32>(frames + (<usize>(r + min(1, valid - 1)) << 2)) * hop + offset;
    const s2 = load<i32>(frames + (<usize>(r + min(2, valid - 1)) << 2)) * hop + offset;
    const s3 = load<i32>(frames + (<usize>(r + min(3, valid - 1)) << 2)) * hop + offset;
    if (m >= 8 && min(min(s0, s1), min(s2, s3)) >= 0 && max(max(s0, s1), max(s2, s3)) + 2 * m <= length) {
      const base = signal;
      gatherLanes(base + (<usize>s0 << 2), base + (<usize>s1 << 2), base + (<usize>s2 << 2), base + (<usize>s3 << 2), m, bitrev, twiddle, zr, zi);
    } else {
      gatherLane(signal, length, s0, m, bitrev, zr, zi, 0);
      gatherLane(signal, length, s1, m, bitrev, zr, zi, 1);
      gatherLane(signal, length, s2, m, bitrev, zr, zi, 2);
      gatherLane(signal, length, s3, m, bitrev, zr, zi, 3);
      firstStagesInPlace(zr, zi, m, twiddle);
    }
    laterStages(zr, zi, m, twiddle);
    unpackReal(zr, zi, m, post, firstUsed, lastUsed, xr, xi);
    const rowBytes = <usize>outStride << 2;
    const row = out + <usize>r * rowBytes + (<usize>binOffset << 2);
    let b = 0;
    // Four bins at a time: their four lane vectors, transposed, are four frames' runs of four bins.
    for (; b + 4 <= binCount; b += 4) {
      const l0 = binLevel(b, start, firstFftBin, kernelRe, kernelIm, xr, xi);
      const l1 = binLevel(b + 1, start, firstFftBin, kernelRe, kernelIm, xr, xi);
      const l2 = binLevel(b + 2, start, firstFftBin, kernelRe, kernelIm, xr, xi);
      const l3 = binLevel(b + 3, start, firstFftBin, kernelRe, kernelIm, xr, xi);
      const t0 = v128.shuffle<f32>(l0, l1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(l2, l3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(l0, l1, 2, 6, 3, 7);
      const t3 = v128.shuffle<f32>(l2, l3, 2, 6, 3, 7);
      const target = row + (<usize>b << 2);
      v128.store(target, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
      if (valid > 1) v128.store(target + rowBytes, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
      if (valid > 2) v128.store(target + 2 * rowBytes, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
      if (valid > 3) v128.store(target + 3 * rowBytes, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
    }
    for (; b < binCount; b++) {
      const level = binLevel(b, start, firstFftBin, kernelRe, kernelIm, xr, xi);
      const target = row + (<usize>b << 2);
      store<f32>(target, f32x4.extract_lane(level, 0));
      if (valid > 1) store<f32>(target + rowBytes, f32x4.extract_lane(level, 1));
      if (valid > 2) store<f32>(target + 2 * rowBytes, f32x4.extract_lane(level, 2));
      if (valid > 3) store<f32>(target + 3 * rowBytes, f32x4.extract_lane(level, 3));
    }
  }
}

/** ½·ln|X_b|² of bin `b` in the four lanes: its sparse kernel applied to the real spectrum (xr, xi). */
// @ts-ignore: decorator
@inline
function binLevel(b: i32, start: usize, firstFftBin: usize, kernelRe: usize, kernelIm: usize, xr: usize, xi: usize): v128 {
  let sr = f32x4.splat(0);
  let si = f32x4.splat(0);
  const end = load<i32>(start + (<usize>(b + 1) << 2));
  let spectrum = <usize>load<i32>(firstFftBin + (<usize>b << 2)) << 4;
  for (let j = load<i32>(start + (<usize>b << 2)); j < end; j++) {
    const kr = v128.load32_splat(kernelRe + (<usize>j << 2));
    const ki = v128.load32_splat(kernelIm + (<usize>j << 2));
    const vr = v128.load(xr + spectrum);
    const vi = v128.load(xi + spectrum);
    sr = f32x4.add(sr, f32x4.sub(f32x4.mul(vr, kr), f32x4.mul(vi, ki)));
    si = f32x4.add(si, f32x4.add(f32x4.mul(vr, ki), f32x4.mul(vi, kr)));
    spectrum += VEC;
  }
  const power = f32x4.max(f32x4.add(f32x4.mul(sr, sr), f32x4.mul(si, si)), f32x4.splat(MIN_POWER));
  return f32x4.mul(log4(power), f32x4.splat(0.5));
}

/**
 * 2:1 decimation by a linear-phase half-band FIR (core/spectrogram/decimate.ts is the reference, which this
 * reproduces bit for bit): out[m] = c·x[2m] + Σ_t h_t·(x[2m − k_t] + x[2m + k_t]), k_t = 2t − 1, in f64 with zero
 * outside [0, length). `taps` holds f64 [c, h_1, h_2, …]. Two outputs per step, one per f64 lane; each lane does
 * the scalar code's operations in the scalar code's order.
 *
 * The taps read only odd samples (2m ± k_t is odd): x[2m − k_t] = o[m − t] and x[2m + k_t] = o[m + t − 1] with
 * o[i] = x[2i + 1]. Inside the signal, runs of outputs first widen the odd samples they read to f64 in `scratch`
 * (`scratchCount` f64s), so that each tap of an output pair is two f64x2 loads (widening is exact).
 */
export function decimateByTwo(input: usize, length: i32, out: usize, taps: usize, tapCount: i32, scratch: usize, scratchCount: i32): void {
  const outLength = (length + 1) >> 1;
  const reach = 2 * (tapCount - 1) - 1;
  const centre = load<f64>(taps);
  const centreVector = f64x2.splat(centre);
  // Outputs per run: the run's odd samples are o[m − (tapCount − 1)] … o[m + run − 1 + tapCount − 2].
  const run = (scratchCount - 2 * tapCount) & ~1;
  let m = 0;
  while (m < outLength) {
    const n = 2 * m;
    // A pair's widest read is x[n + 2 + reach] (the 4-float load of the centre at x[n] … x[n + 3] is within it).
    if (run >= 2 && m + 1 < outLength && n - reach >= 0 && n + reach + 3 < length) {
      // Pairs m' = m, m + 2, … while m' + 1 < outLength and 2m' + reach + 3 < length.
      let pairs = min((outLength - m) >> 1, ((length - reach - 3 - n - 1) >> 2) + 1);
      pairs = min(pairs, run >> 1);
      const end = m + 2 * pairs;
      const lo = m - (tapCount - 1);
      const hi = end - 1 + tapCount - 2;
      for (let i = lo; i <= hi; i++) {
        store<f64>(scratch + (<usize>(i - lo) << 3), <f64>load<f32>(input + (<usize>(2 * i + 1) << 2)));
      }
      // Four pairs per step where they fit (four independent chains of adds), sharing each tap's load; each lane's
      // sum is unchanged.
      for (; m + 8 <= end; m += 8) {
        const here = input + (<usize>(2 * m) << 2);
        const x0 = v128.load(here);
        const x1 = v128.load(here, 16);
        const x2 = v128.load(here, 32);
        const x3 = v128.load(here, 48);
        let acc0 = f64x2.mul(centreVector, f64x2.promote_low_f32x4(v128.shuffle<f32>(x0, x0, 0, 2, 0, 2)));
        let acc1 = f64x2.mul(centreVector, f64x2.promote_low_f32x4(v128.shuffle<f32>(x1, x1, 0, 2, 0, 2)));
        let acc2 = f64x2.mul(centreVector, f64x2.promote_low_f32x4(v128.shuffle<f32>(x2, x2, 0, 2, 0, 2)));
        let acc3 = f64x2.mul(centreVector, f64x2.promote_low_f32x4(v128.shuffle<f32>(x3, x3, 0, 2, 0, 2)));
        const odd = scratch + (<usize>(m - lo) << 3);
        for (let t = 1; t < tapCount; t++) {
          const tap = f64x2.splat(load<f64>(taps + (<usize>t << 3)));
          const before = odd - (<usize>t << 3);
          const after = odd + (<usize>(t - 1) << 3);
          acc0 = f64x2.add(acc0, f64x2.mul(tap, f64x2.add(v128.load(before), v128.load(after))));
          acc1 = f64x2.add(acc1, f64x2.mul(tap, f64x2.add(v128.load(before, 16), v128.load(after, 16))));
          acc2 = f64x2.add(acc2, f64x2.mul(tap, f64x2.add(v128.load(before, 32), v128.load(after, 32))));
          acc3 = f64x2.add(acc3, f64x2.mul(tap, f64x2.add(v128.load(before, 48), v128.load(after, 48))));
        }
        const target = out + (<usize>m << 2);
        v128.store(target, v128.shuffle<f32>(f32x4.demote_f64x2_zero(acc0), f32x4.demote_f64x2_zero(acc1), 0, 1, 4, 5));
        v128.store(target, v128.shuffle<f32>(f32x4.demote_f64x2_zero(acc2), f32x4.demote_f64x2_zero(acc3), 0, 1, 4, 5), 16);
      }
      for (; m + 4 <= end; m += 4) {
        const here = input + (<usize>(2 * m) << 2);
        const x = v128.load(here);
        const y = v128.load(here, 16);
        let acc = f64x2.mul(centreVector, f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 0, 2, 0, 2)));
        let acc2 = f64x2.mul(centreVector, f64x2.promote_low_f32x4(v128.shuffle<f32>(y, y, 0, 2, 0, 2)));
        const odd = scratch + (<usize>(m - lo) << 3);
        for (let t = 1; t < tapCount; t++) {
          const tap = f64x2.splat(load<f64>(taps + (<usize>t << 3)));
          const before = odd - (<usize>t << 3);
          const after = odd + (<usize>(t - 1) << 3);
          acc = f64x2.add(acc, f64x2.mul(tap, f64x2.add(v128.load(before), v128.load(after))));
          acc2 = f64x2.add(acc2, f64x2.mul(tap, f64x2.add(v128.load(before, 16), v128.load(after, 16))));
        }
        store<f32>(out + (<usize>m << 2), <f32>f64x2.extract_lane(acc, 0));
        store<f32>(out + (<usize>(m + 1) << 2), <f32>f64x2.extract_lane(acc, 1));
        store<f32>(out + (<usize>(m + 2) << 2), <f32>f64x2.extract_lane(acc2, 0));
        store<f32>(out + (<usize>(m + 3) << 2), <f32>f64x2.extract_lane(acc2, 1));
      }
      for (; m < end; m += 2) {
        const here = input + (<usize>(2 * m) << 2);
        const x = v128.load(here);
        let acc = f64x2.mul(centreVector, f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 0, 2, 0, 2)));
        const odd = scratch + (<usize>(m - lo) << 3);
        for (let t = 1; t < tapCount; t++) {
          const lows = v128.load(odd - (<usize>t << 3));
          const highs = v128.load(odd + (<usize>(t - 1) << 3));
          acc = f64x2.add(acc, f64x2.mul(f64x2.splat(load<f64>(taps + (<usize>t << 3))), f64x2.add(lows, highs)));
        }
        store<f32>(out + (<usize>m << 2), <f32>f64x2.extract_lane(acc, 0));
        store<f32>(out + (<usize>(m + 1) << 2), <f32>f64x2.extract_lane(acc, 1));
      }
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
