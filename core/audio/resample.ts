import { SAMPLE_RATE_HZ } from '../params';

/**
 * The anti-aliasing filter, in terms of the lower of the two rates' Nyquist frequency: flat to 62.5 % of it (5 kHz
 * when writing 16 kHz, above C8's 4186 Hz and the spectrogram's top bin), at least `stopbandAttenuationDb` down from
 * Nyquist on, so nothing above 8 kHz folds back. The narrow-enough transition keeps the filter at ~74 taps for
 * 44.1 kHz input; a flatter passband would cost taps for frequencies the spectrogram never looks at.
 * These values shape every spectrogram, so they belong to the DSP parameters a model card is checked against.
 */
export const RESAMPLER_SETTINGS = {
  passbandFraction: 0.625,
  stopbandFraction: 1,
  stopbandAttenuationDb: 80,
  /** Above this many polyphase phases (rates with no small common divisor), the nearest of this many is used. */
  maxPhases: 4096,
} as const;

/** A polyphase windowed-sinc filter for one pair of rates. */
interface Design {
  /** Output samples per `down` input samples, reduced. */
  readonly up: number;
  readonly down: number;
  /** Taps per phase (even): the output at input time t reads inputs floor(t) − half + 1 … floor(t) + half. */
  readonly taps: number;
  /** Phases in the table; equals `up` unless `up` exceeds `maxPhases`. */
  readonly phases: number;
  /** `[phase][tap]`, row `phases` repeats row 0 shifted one input sample (used when rounding lands on it). */
  readonly table: Float32Array;
}

const designs = new Map<string, Design>();

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind, by its power series (converges fast for x ≤ 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64 && term > 1e-12 * sum; k++) {
    term *= q / (k * k);
    sum += term;
  }
  return sum;
}

function design(inputRateHz: number, outputRateHz: number): Design {
  const key = `${inputRateHz}:${outputRateHz}`;
  const cached = designs.get(key);
  if (cached !== undefined) return cached;
  const g = gcd(inputRateHz, outputRateHz);
  const up = outputRateHz / g;
  const down = inputRateHz / g;
  const { passbandFraction, stopbandFraction, stopbandAttenuationDb: a, maxPhases } = RESAMPLER_SETTINGS;
  const nyquist = Math.min(inputRateHz, outputRateHz) / 2;
  // Cut-off and transition width in cycles per input sample. Kaiser's formulas: Oppenheim & Schafer (7.62–7.63).
  const cutoff = ((passbandFraction + stopbandFraction) / 2) * (nyquist / inputRateHz);
  const transition = (stopbandFraction - passbandFraction) * (nyquist / inputRateHz);
  const beta = a > 50 ? 0.1102 * (a - 8.7) : a >= 21 ? 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21) : 0;
  const length = Math.ceil((a - 7.95) / (2.285 * 2 * Math.PI * transition)) + 1;
  const half = Math.ceil(length / 2);
  const taps = 2 * half;
  const phases = Math.min(up, maxPhases);
  const table = new Float32Array((phases + 1) * taps);
  const i0Beta = besselI0(beta);
  for (let p = 0; p <= phases; p++) {
    let sum = 0;
    const row = new Float64Array(taps);
    for (let k = 0; k < taps; k++) {
      const tau = p / phases + half - 1 - k;
      const x = tau / half;
      const window = Math.abs(x) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - x * x)) / i0Beta;
      const arg = 2 * cutoff * tau;
      const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
      row[k] = 2 * cutoff * sinc * window;
      sum += row[k] as number;
    }
    // Unit gain at DC in every phase, so a constant stays constant (no ripple at the phase period).
    for (let k = 0; k < taps; k++) table[p * taps + k] = (row[k] as number) / sum;
  }
  const made = { up, down, taps, phases, table };
  designs.set(key, made);
  return made;
}

/**
 * Resamples a mono signal with a polyphase Kaiser-windowed-sinc filter (see RESAMPLER_SETTINGS).
 * Output sample n sits at input time n·inputRate/outputRate, so both signals start at t = 0 and
 * the output has ceil(length · outputRate / inputRate) samples. Samples outside the input count as zero.
 *
 * @param input mono samples at `inputRateHz`
 * @param inputRateHz integer rate in Hz
 * @param outputRateHz integer rate in Hz (default SAMPLE_RATE_HZ, 16 kHz)
 * @example resample(samples44k, 44_100) // → Float32Array at 16 kHz
 */
export function resample(input: Float32Array, inputRateHz: number, outputRateHz: number = SAMPLE_RATE_HZ): Float32Array {
  if (!Number.isInteger(inputRateHz) || !Number.isInteger(outputRateHz) || inputRateHz <= 0 || outputRateHz <= 0) {
    throw new RangeError(`resample: rates must be positive integers, got ${inputRateHz} → ${outputRateHz}`);
  }
  if (inputRateHz === outputRateHz) return input.slice();
  const { up, down, taps, phases, table } = design(inputRateHz, outputRateHz);
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
      // The hot loop: four accumulators let the multiply-adds overlap.
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let k = 0;
      for (; k + 3 < taps; k += 4, base += 4) {
        acc += (input[base] as number) * (table[rowOffset + k] as number);
        a1 += (input[base + 1] as number) * (table[rowOffset + k + 1] as number);
        a2 += (input[base + 2] as number) * (table[rowOffset + k + 2] as number);
        a3 += (input[base + 3] as number) * (table[rowOffset + k + 3] as number);
      }
      for (; k < taps; k++, base++) acc += (input[base] as number) * (table[rowOffset + k] as number);
      acc += a1 + a2 + a3;
    } else {
      for (let k = 0; k < taps; k++) {
        const j = base + k;
        if (j >= 0 && j < length) acc += (input[j] as number) * (table[rowOffset + k] as number);
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
