// AssemblyScript: e^x exactly as V8's Math.exp computes it, so the onset kernel's sums match the TypeScript ones bit
// for bit. V8's Math.exp is fdlibm's __ieee754_exp (e_exp.c 1.6, Sun Microsystems 1993/2004; V8 src/base/ieee754.cc,
// which adds the exp(1) special case); AssemblyScript's Math.exp is a musl port that can differ in the last bit.
// This is the fdlibm algorithm, step for step in the same float64 operations (WebAssembly fuses and reorders none).
// test/core/onsets/onset-kernel.test.ts compares it with Math.exp on millions of arguments.
//
// Method (fdlibm's comment, abridged): reduce x = k·ln2 + r, |r| ≤ ln2/2, with ln2 split into a high part exact in
// k·ln2HI and a low part; approximate e^r = 1 + r + r·c/(2 − c), c = r − r²·(P1 + … + P5·r⁸) (Remez, error < 2^−59);
// scale by 2^k through the exponent bits.

const O_THRESHOLD: f64 = 7.09782712893383973096e2; // 0x40862E42 FEFA39EF
const U_THRESHOLD: f64 = -7.45133219101941108420e2; // 0xC0874910 D52D3051
const LN2_HI: f64 = 6.93147180369123816490e-1; // 0x3FE62E42 FEE00000
const LN2_LO: f64 = 1.90821492927058770002e-10; // 0x3DEA39EF 35793C76
const INV_LN2: f64 = 1.44269504088896338700; // 0x3FF71547 652B82FE
const P1: f64 = 1.66666666666666019037e-1; // 0x3FC55555 5555553E
const P2: f64 = -2.77777777770155933842e-3; // 0xBF66C16C 16BEBD93
const P3: f64 = 6.61375632143793436117e-5; // 0x3F11566A AF25DE2C
const P4: f64 = -1.65339022054652515390e-6; // 0xBEBBBD41 C5D26BF1
const P5: f64 = 4.13813679705723846039e-8; // 0x3E663769 72BEA4D0
/** e, correctly rounded: V8 returns it for exp(1), where the reduction below is one ulp off. */
const E: f64 = 2.718281828459045;
const TWO_1023: f64 = 8.988465674311579539e307;
const TWO_M1000: f64 = 9.33263618503218878990e-302;

/** 2^k for −1022 ≤ k ≤ 1023, built from the exponent bits. */
// @ts-ignore: decorator
@inline
function twoTo(k: i32): f64 {
  return reinterpret<f64>(<u64>(<u32>(0x3ff00000 + (k << 20))) << 32);
}

/** e^x, bit for bit as fdlibm's __ieee754_exp (and so V8's Math.exp). */
export function fdlibmExp(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  const high = <u32>(bits >> 32);
  const negative = <i32>(high >> 31);
  const hx = high & 0x7fffffff;
  // Non-finite, overflow and underflow.
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | <u32>bits) != 0) return x + x; // NaN
      return negative == 0 ? x : 0.0; // exp(±∞) = ∞, 0
    }
    if (x > O_THRESHOLD) return Infinity; // fdlibm's huge · huge
    if (x < U_THRESHOLD) return 0.0; // twom1000 · twom1000
  }
  // Argument reduction.
  let hi: f64 = 0;
  let lo: f64 = 0;
  let k: i32 = 0;
  if (hx > 0x3fd62e42) {
    // |x| > ln2 / 2
    if (hx < 0x3ff0a2b2) {
      // and |x| < 1.5 ln2: k = ±1
      if (x == 1.0) return E;
      hi = negative != 0 ? x + LN2_HI : x - LN2_HI;
      lo = negative != 0 ? -LN2_LO : LN2_LO;
      k = 1 - negative - negative;
    } else {
      k = <i32>(INV_LN2 * x + (negative != 0 ? -0.5 : 0.5));
      const t = <f64>k;
      hi = x - t * LN2_HI; // exact
      lo = t * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    // |x| < 2^−28
    return 1.0 + x;
  }
  // x is now in [−ln2/2, ln2/2].
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * TWO_1023;
    return y * twoTo(k);
  }
  return y * twoTo(k + 1000) * TWO_M1000;
}
