import { SAMPLE_RATE_HZ } from '../params';
import { resampleKernel } from './resample-kernel';

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
export interface ResamplerDesign {
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

const designs = new Map<string, ResamplerDesign>();

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

/**
 * The filter for one pair of rates, built once and cached. Exported for the tests' TypeScript reference
 * (test/core/audio/resample-reference.ts); callers use `resample` or `resampleFrom`.
 */
export function resamplerDesign(inputRateHz: number, outputRateHz: number): ResamplerDesign {
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
 * Writes input samples `first … first + target.length − 1` into `target` (a view valid only during the call; it
 * may lie in a WebAssembly memory, so the reader must not keep it).
 */
export type SampleReader = (target: Float32Array, first: number) => void;

/**
 * Input samples per fill of the window buffer (64 KiB of f32): large enough that the per-block overhead vanishes,
 * small enough that a streamed decode holds no full-rate copy of the signal.
 */
const BLOCK_SAMPLES = 16_384;

/**
 * Resamples a mono signal with a polyphase Kaiser-windowed-sinc filter (see RESAMPLER_SETTINGS).
 * Output sample n sits at input time n·inputRate/outputRate, so both signals start at t = 0 and
 * the output has ceil(length · outputRate / inputRate) samples. Samples outside the input count as zero.
 *
 * The dot products run in a WebAssembly SIMD kernel in f32 (core/audio/wasm/src/resample.ts); they differ from an f64
 * sum only by rounding (< 1e-5 on signals in [-1, 1]). A non-finite sample makes every output within the filter's
 * reach (± taps/2 + 3 input samples) NaN.
 *
 * @param input mono samples at `inputRateHz`
 * @param inputRateHz integer rate in Hz
 * @param outputRateHz integer rate in Hz (default SAMPLE_RATE_HZ, 16 kHz)
 * @example resample(samples44k, 44_100) // → Float32Array at 16 kHz
 */
export function resample(input: Float32Array, inputRateHz: number, outputRateHz: number = SAMPLE_RATE_HZ): Float32Array {
  checkRates(inputRateHz, outputRateHz);
  if (inputRateHz === outputRateHz) return input.slice();
  return resampleFrom(input.length, inputRateHz, outputRateHz, (target, first) =>
    target.set(input.subarray(first, first + target.length)),
  );
}

/**
 * `resample` of a signal that `read` produces block by block, in order, so the input never needs to exist whole:
 * a decoder writes each block straight into the resampler's window buffer. Same output as `resample`.
 *
 * @param length input samples in all
 * @param read called with consecutive ranges covering [0, length) once each
 * @example resampleFrom(header.frames, 44_100, 16_000, (target, first) => decodeFrames(first, target))
 */
export function resampleFrom(length: number, inputRateHz: number, outputRateHz: number, read: SampleReader): Float32Array {
  checkRates(inputRateHz, outputRateHz);
  if (inputRateHz === outputRateHz) {
    const out = new Float32Array(length);
    for (let first = 0; first < length; first += BLOCK_SAMPLES) read(out.subarray(first, first + BLOCK_SAMPLES), first);
    return out;
  }
  const design = resamplerDesign(inputRateHz, outputRateHz);
  const { up, down, taps, phases } = design;
  const outLength = Math.ceil((length * up) / down);
  const out = new Float32Array(outLength);
  if (outLength === 0) return out;
  const kernel = resampleKernel();
  // The window buffer holds the signal in padded coordinates, p = input index + taps/2 − 1, so output n's first tap
  // is at p = ⌊n·down/up⌋ and no window starts before 0. After each block the buffer keeps what the next window
  // needs, at most `stride + ⌈down/up⌉` samples, so a capacity of a block more always fits one more window.
  const mark = kernel.arena.mark();
  try {
    const table = kernel.storeTable(design.table, phases + 1, taps);
    const { stride } = table;
    const capacity = BLOCK_SAMPLES + stride + Math.ceil(down / up);
    const outCapacity = Math.ceil((capacity * up) / down) + 1;
    const windowPointer = kernel.arena.allocate(4 * capacity);
    const outPointer = kernel.arena.allocate(4 * outCapacity);
    // Views only after the allocations: growing the memory detaches them.
    const window = kernel.arena.f32(windowPointer, capacity);
    const block = kernel.arena.f32(outPointer, outCapacity);
    window.fill(0);
    let start = 0; // padded index of window[0]
    let filled = taps / 2 - 1; // the zeros before t = 0
    let consumed = 0;
    let produced = 0;
    while (produced < outLength) {
      const take = Math.min(capacity - filled, length - consumed);
      if (take > 0) {
        read(window.subarray(filled, filled + take), consumed);
        consumed += take;
        filled += take;
      }
      if (consumed === length) {
        window.fill(0, filled); // zeros after the end
        filled = capacity;
      }
      // Outputs whose window [p, p + stride) lies in the buffer: p ≤ last.
      const last = start + filled - stride;
      const ready = last < 0 ? 0 : Math.floor(((last + 1) * up - 1) / down) + 1;
      const count = Math.min(ready, outLength) - produced;
      for (let done = 0; done < count; ) {
        const n = produced + done;
        const chunk = Math.min(count - done, outCapacity);
        const whole = Math.floor((n * down) / up);
        const frac = n * down - whole * up;
        kernel.run({ input: windowPointer, whole: whole - start, frac, count: chunk, up, down, phases, table, out: outPointer });
        out.set(block.subarray(0, chunk), n);
        done += chunk;
      }
      produced += Math.max(0, count);
      const shift = Math.min(Math.floor((produced * down) / up) - start, filled);
      window.copyWithin(0, shift, filled);
      start += shift;
      filled -= shift;
    }
  } finally {
    kernel.arena.release(mark);
  }
  return out;
}

function checkRates(inputRateHz: number, outputRateHz: number): void {
  if (!Number.isInteger(inputRateHz) || !Number.isInteger(outputRateHz) || inputRateHz <= 0 || outputRateHz <= 0) {
    throw new RangeError(`resample: rates must be positive integers, got ${inputRateHz} → ${outputRateHz}`);
  }
}
