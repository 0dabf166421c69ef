import { SPECTROGRAM_SETTINGS } from './settings';

/** Zeroth-order modified Bessel function of the first kind (power series; converges fast for the β used here). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * Half-band low-pass (cut-off at a quarter of the input rate) as a Kaiser-windowed sinc; every even tap off the
 * centre is zero. Unit DC gain.
 *
 * @returns the taps for offsets 0, 1, 3, 5, … (the symmetric non-zero half): `[centre, h(1), h(3), …]`.
 */
export function halfBandTaps(taps: number, beta: number): Float64Array {
  const half = (taps - 1) / 2;
  const values: number[] = [0.5];
  for (let k = 1; k <= half; k += 2) {
    const sinc = Math.sin((Math.PI * k) / 2) / ((Math.PI * k) / 2);
    const ratio = k / half;
    const kaiser = besselI0(beta * Math.sqrt(Math.max(0, 1 - ratio * ratio))) / besselI0(beta);
    values.push(0.5 * sinc * kaiser);
  }
  // Normalise the DC gain to exactly 1 (centre + 2·Σ odd taps).
  let dc = values[0]!;
  for (let i = 1; i < values.length; i++) dc += 2 * values[i]!;
  return Float64Array.from(values, (v) => v / dc);
}

/** The decimation filter of SPECTROGRAM_SETTINGS, as halfBandTaps returns it. */
export const DECIMATION_TAPS = halfBandTaps(SPECTROGRAM_SETTINGS.decimationFilter.taps, SPECTROGRAM_SETTINGS.decimationFilter.kaiserBeta);

/** Input samples either side of an output sample that the filter reads. */
export const DECIMATION_REACH = (SPECTROGRAM_SETTINGS.decimationFilter.taps - 1) / 2;

/**
 * 2:1 decimation with the linear-phase half-band filter, delay-compensated: output sample m is the filtered input
 * at sample 2m, so frame centres map exactly (sample c at rate r is sample c/2 at rate r/2). Outside the input is
 * zero.
 *
 * @returns `ceil(input.length / 2)` samples, in `into` when given (its first ceil(n/2) entries).
 */
export function decimateByTwo(input: Float32Array, into?: Float32Array): Float32Array {
  const length = input.length;
  const out = into ? into.subarray(0, Math.ceil(length / 2)) : new Float32Array(Math.ceil(length / 2));
  const reach = 2 * (DECIMATION_TAPS.length - 1) - 1;
  const centre = DECIMATION_TAPS[0]!;
  const tapCount = DECIMATION_TAPS.length;
  for (let m = 0; m < out.length; m++) {
    const n = 2 * m;
    let acc = centre * input[n]!;
    if (n - reach >= 0 && n + reach < length) {
      for (let t = 1; t < tapCount; t++) {
        const k = 2 * t - 1;
        acc += DECIMATION_TAPS[t]! * (input[n - k]! + input[n + k]!);
      }
    } else {
      for (let t = 1; t < tapCount; t++) {
        const k = 2 * t - 1;
        const before = n - k >= 0 ? input[n - k]! : 0;
        const after = n + k < length ? input[n + k]! : 0;
        acc += DECIMATION_TAPS[t]! * (before + after);
      }
    }
    out[m] = acc;
  }
  return out;
}
