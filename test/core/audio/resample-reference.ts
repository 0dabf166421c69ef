import { resamplerDesign } from '../../../core/audio/resample';

/**
 * The resampler as it was before the WebAssembly kernel (commit 7e7c00f), kept as the reference the kernel is held
 * to: the same filter table, each output summed in f64 (four partial sums) and rounded to f32 once.
 */
export function resampleReference(input: Float32Array, inputRateHz: number, outputRateHz: number): Float32Array {
  if (inputRateHz === outputRateHz) return input.slice();
  const { up, down, taps, phases, table } = resamplerDesign(inputRateHz, outputRateHz);
  const length = input.length;
  const outLength = Math.ceil((length * up) / down);
  const out = new Float32Array(outLength);
  const half = taps / 2;
  const wholeStep = Math.floor(down / up);
  const fracStep = down - wholeStep * up;
  const exact = phases === up;
  let whole = 0;
  let frac = 0;
  for (let n = 0; n < outLength; n++) {
    let base = whole - half + 1;
    let row = frac;
    if (!exact) {
      row = Math.round((frac / up) * phases);
    }
    const rowOffset = row * taps;
    let acc = 0;
    if (base >= 0 && base + taps <= length) {
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let k = 0;
      for (; k + 3 < taps; k += 4, base += 4) {
        acc += input[base]! * table[rowOffset + k]!;
        a1 += input[base + 1]! * table[rowOffset + k + 1]!;
        a2 += input[base + 2]! * table[rowOffset + k + 2]!;
        a3 += input[base + 3]! * table[rowOffset + k + 3]!;
      }
      for (; k < taps; k++, base++) acc += input[base]! * table[rowOffset + k]!;
      acc += a1 + a2 + a3;
    } else {
      for (let k = 0; k < taps; k++) {
        const j = base + k;
        if (j >= 0 && j < length) acc += input[j]! * table[rowOffset + k]!;
      }
    }
    out[n] = acc;
    whole += wholeStep;
    frac += fracStep;
    if (frac >= up) {
      frac -= up;
      whole++;
    }
  }
  return out;
}
