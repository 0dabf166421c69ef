// AssemblyScript: fdlibm's exp (./exp.ts) on two float64 lanes at once, bit for bit. Every lane runs the same
// operations as the scalar code in the same order; the scalar code's branches become selects:
// - |x| ≤ ln2 / 2 (fdlibm's k = 0 branch) is the general formula with t = 0: hi = x − 0·ln2HI = x, lo = 0, and
//   1 − ((lo − x·c / (2 − c)) − hi) equals fdlibm's 1 − ((x·c / (c − 2)) − x) exactly (negating a divisor negates
//   the quotient exactly; 0 − q = −q for q ≠ 0, and q = 0 only for x = 0), times 2^0;
// - ln2 / 2 < |x| < 1.5 ln2 takes k = ±1 (the general formula's rounding could give ±2 at the edge);
// - x = ±0 gives 1 (fdlibm's 1 + x for |x| < 2^−28).
// Lanes anywhere else (0 < |x| < 2^−28, |x| ≥ 708 where 2^k would leave the normal range, x = 1, NaN) take the
// scalar code, both lanes of the pair.

import { fdlibmExp } from './exp';

const LN2_HI: f64 = 6.93147180369123816490e-1;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const INV_LN2: f64 = 1.44269504088896338700;
const P1: f64 = 1.66666666666666019037e-1;
const P2: f64 = -2.77777777770155933842e-3;
const P3: f64 = 6.61375632143793436117e-5;
const P4: f64 = -1.65339022054652515390e-6;
const P5: f64 = 4.13813679705723846039e-8;
/** 2^−28: below it (and above 0) fdlibm returns 1 + x. */
const TINY: f64 = 3.725290298461914e-9;
/** Above it k could fall below −1021 (|x| < 708 keeps k ≥ −1021, and fdlibm's overflow test starts at 709.78). */
const LARGE: f64 = 708.0;
/** fdlibm's hx ≤ 0x3FD62E42 (|x| ≤ ln2 / 2, no reduction): |x| below the double whose high word is 0x3FD62E43. */
const NO_REDUCTION: f64 = reinterpret<f64>(<u64>0x3fd62e43 << 32);
/** fdlibm's hx < 0x3FF0A2B2 (|x| < 1.5 ln2, k = ±1). */
const ONE_STEP: f64 = reinterpret<f64>(<u64>0x3ff0a2b2 << 32);

/** e^x of both lanes of `x` (f64x2), bit for bit as `fdlibmExp`. */
// @ts-ignore: decorator
@inline
export function fdlibmExpPair(x: v128): v128 {
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1);
  const magnitude = f64x2.abs(x);
  const isZero = f64x2.eq(x, zero);
  const fast = v128.and(
    v128.and(v128.or(isZero, f64x2.ge(magnitude, f64x2.splat(TINY))), f64x2.lt(magnitude, f64x2.splat(LARGE))),
    f64x2.ne(x, one),
  );
  if (!i64x2.all_true(fast)) {
    return f64x2.replace_lane(f64x2.splat(fdlibmExp(f64x2.extract_lane(x, 0))), 1, fdlibmExp(f64x2.extract_lane(x, 1)));
  }
  const sign = v128.and(x, i64x2.splat(0x8000000000000000));
  const general = f64x2.trunc(f64x2.add(f64x2.mul(f64x2.splat(INV_LN2), x), v128.or(f64x2.splat(0.5), sign)));
  let t = v128.bitselect(v128.or(one, sign), general, f64x2.lt(magnitude, f64x2.splat(ONE_STEP)));
  t = v128.bitselect(zero, t, f64x2.lt(magnitude, f64x2.splat(NO_REDUCTION)));
  const hi = f64x2.sub(x, f64x2.mul(t, f64x2.splat(LN2_HI)));
  const lo = f64x2.mul(t, f64x2.splat(LN2_LO));
  const r = f64x2.sub(hi, lo);
  const s = f64x2.mul(r, r);
  let poly = f64x2.add(f64x2.splat(P4), f64x2.mul(s, f64x2.splat(P5)));
  poly = f64x2.add(f64x2.splat(P3), f64x2.mul(s, poly));
  poly = f64x2.add(f64x2.splat(P2), f64x2.mul(s, poly));
  poly = f64x2.add(f64x2.splat(P1), f64x2.mul(s, poly));
  const c = f64x2.sub(r, f64x2.mul(s, poly));
  const quotient = f64x2.div(f64x2.mul(r, c), f64x2.sub(f64x2.splat(2), c));
  const y = f64x2.sub(one, f64x2.sub(f64x2.sub(lo, quotient), hi));
  const k = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(t));
  const twoToK = i64x2.shl(i64x2.add(k, i64x2.splat(1023)), 52);
  return v128.bitselect(one, f64x2.mul(y, twoToK), isZero);
}
