import { onsetKernel } from '../../../core/onsets/onset-kernel';
import { xorshift } from '../../helpers/random';

/**
 * The onset kernel's exp (a port of fdlibm's __ieee754_exp, which V8's Math.exp is) must equal Math.exp bit for bit,
 * one at a time and two lanes at a time, or the kernel's strengths would drift from the TypeScript definition.
 */

/** The first argument whose result differs from Math.exp in any bit, or 'identical'. */
function firstMismatch(values: Float64Array, results: Float64Array): string {
  const expected = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) expected[i] = Math.exp(values[i]!);
  const a = new BigUint64Array(results.buffer, results.byteOffset, results.length);
  const e = new BigUint64Array(expected.buffer);
  for (let i = 0; i < values.length; i++) {
    if (a[i] !== e[i]) return `exp(${values[i]}) = ${results[i]}, Math.exp gives ${expected[i]}`;
  }
  return 'identical';
}

function expectSameAsMathExp(values: Float64Array): void {
  const kernel = onsetKernel();
  expect(firstMismatch(values, kernel.exp(values))).toBe('identical');
  expect(firstMismatch(values, kernel.exp(values, true))).toBe('identical');
}

/** Powers of two and their neighbours, the reduction's thresholds (fdlibm's high-word tests) and their neighbours. */
function edgeCases(): Float64Array {
  const cases = [0, -0, 1, -1, 0.5, -0.5, Math.LN2, -Math.LN2, 709.78, 709.79, -745.13, -745.14, -708, -708.4, -709, 710];
  cases.push(Infinity, -Infinity, Number.NaN, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE);
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  for (const high of [0x3e300000, 0x3fd62e42, 0x3fd62e43, 0x3ff0a2b2, 0x40862e42, 0x40874910]) {
    for (const sign of [0, 0x80000000]) {
      for (const low of [0, 1, 0xffffffff]) {
        words[0] = low;
        words[1] = (high | sign) >>> 0;
        cases.push(bits[0]!, Math.fround(bits[0]!));
        words[1] = ((high - 1) | sign) >>> 0;
        cases.push(bits[0]!);
      }
    }
  }
  for (let e = -60; e <= 10; e++) cases.push(2 ** e, -(2 ** e), 2 ** e * (1 + 2 ** -52), -(2 ** e) * (1 - 2 ** -53));
  return Float64Array.from(cases);
}

describe('onset kernel exp against Math.exp', () => {
  it('matches on 4 million arguments in [−200, 0] (the onset strength uses k·(level − peak) ≤ 0)', () => {
    const random = xorshift(11);
    for (let chunk = 0; chunk < 4; chunk++) {
      const values = new Float64Array(1 << 20);
      for (let i = 0; i < values.length; i++) values[i] = -200 * random();
      expectSameAsMathExp(values);
    }
  });

  it('matches on a million arguments near 0 (ln2 / 2, 1.5 ln2 and 2^−28 regions) and over the whole range', () => {
    const random = xorshift(12);
    const values = new Float64Array(1 << 20);
    for (let i = 0; i < values.length; i += 4) {
      values[i] = (random() - 0.5) * 4;
      values[i + 1] = (random() - 0.5) * 2 ** (-60 * random());
      values[i + 2] = (random() - 0.5) * 1500;
      values[i + 3] = -(random() * 2 ** 30);
    }
    expectSameAsMathExp(values);
  });

  it('matches on the edge cases: ±0, 1, thresholds, overflow, underflow, subnormal results, ±∞, NaN', () => {
    const values = edgeCases();
    expectSameAsMathExp(values);
    // Each pair once more with a fast-path partner and once with a slow-path one.
    const mixed = new Float64Array(values.length * 4);
    values.forEach((v, i) => mixed.set([v, -3.5, 1e-12, v], 4 * i));
    expectSameAsMathExp(mixed);
  });

  it('gives exactly 1 for k · 0 (a cell at its peak rises by exactly 1)', () => {
    expect(Array.from(onsetKernel().exp(Float64Array.from([0, -0]), true))).toEqual([1, 1]);
  });
});
