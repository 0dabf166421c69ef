import FFT from 'fft.js';
import { BIN_COUNT, FRAME_RATE_HZ, HOP_SAMPLES } from '../params';
import type { Spectrogram } from '../types';
import { decimateByTwo } from './decimate';
import { blendDynamicQ } from './dynamic-q';
import { buildKernels, type SparseKernels } from './kernels';
import { SPECTROGRAM_SETTINGS, type BinGroup } from './settings';

/** Options of computeSpectrogram. The defaults are what features and models use. */
export interface SpectrogramOptions {
  /**
   * 'dynamic' (default): low Q, replaced by high Q where low-Q bins beat. 'low' / 'high': a fixed resolution
   * (for comparison and tests).
   */
  readonly q?: 'dynamic' | 'low' | 'high';
  /** 'log' (default): SPECTROGRAM_SETTINGS.amplitude. 'magnitude': linear, a sine of amplitude A on a bin reads A. */
  readonly scale?: 'log' | 'magnitude';
  /** Called with the fraction done, 0 … 1, after each octave group. */
  readonly onProgress?: (fraction: number) => void;
}

interface GroupPlan {
  readonly group: BinGroup;
  readonly low: SparseKernels;
  readonly high: SparseKernels;
  readonly fft: FFT;
}

let plans: GroupPlan[] | undefined;

/** Kernels depend only on the settings, so they are built once per process (~10 ms). */
function groupPlans(): GroupPlan[] {
  plans ??= SPECTROGRAM_SETTINGS.groups.map((group) => ({
    group,
    low: buildKernels(group, SPECTROGRAM_SETTINGS.lowQ, SPECTROGRAM_SETTINGS.kernelThreshold),
    high: buildKernels(group, SPECTROGRAM_SETTINGS.highQ, SPECTROGRAM_SETTINGS.kernelThreshold),
    fft: new FFT(group.fftSize),
  }));
  return plans;
}

/** Number of frames for `sampleCount` samples: frame f is centred on sample f·HOP_SAMPLES, the last ≤ the last sample. */
export function spectrogramFrameCount(sampleCount: number): number {
  return Math.ceil(sampleCount / HOP_SAMPLES);
}

/**
 * The amplitude reference: √2 × a high percentile of the RMS over hops (the peak of a sine with that RMS), so the
 * output does not depend on the recording's gain. 0 for digital silence.
 */
export function amplitudeReference(samples: Float32Array): number {
  const hops = Math.ceil(samples.length / HOP_SAMPLES);
  if (hops === 0) return 0;
  const rms = new Float64Array(hops);
  for (let h = 0; h < hops; h++) {
    const end = Math.min(samples.length, (h + 1) * HOP_SAMPLES);
    let sum = 0;
    for (let i = h * HOP_SAMPLES; i < end; i++) sum += samples[i]! * samples[i]!;
    rms[h] = Math.sqrt(sum / (end - h * HOP_SAMPLES));
  }
  rms.sort();
  const at = Math.min(hops - 1, Math.floor(SPECTROGRAM_SETTINGS.amplitude.referencePercentile * hops));
  const reference = rms[at]! > 0 ? rms[at]! : rms[hops - 1]!;
  return Math.SQRT2 * reference;
}

/** Magnitudes `[frame][group.binCount]` of one group at one or two resolutions, from its decimated signal. */
function analyseGroup(
  plan: GroupPlan,
  signal: Float32Array,
  frameCount: number,
  wantLow: boolean,
  wantHigh: boolean,
): { low: Float32Array | undefined; high: Float32Array | undefined } {
  const { group, fft } = plan;
  const n = group.fftSize;
  const half = n / 2;
  const hop = HOP_SAMPLES / group.decimation;
  const bins = group.binCount;
  const frame = new Float64Array(n);
  const spectrum = new Float64Array(2 * n);
  const low = wantLow ? new Float32Array(frameCount * bins) : undefined;
  const high = wantHigh ? new Float32Array(frameCount * bins) : undefined;
  const length = signal.length;
  for (let f = 0; f < frameCount; f++) {
    const first = f * hop - half;
    if (first >= 0 && first + n <= length) {
      for (let i = 0; i < n; i++) frame[i] = signal[first + i]!;
    } else {
      for (let i = 0; i < n; i++) {
        const s = first + i;
        frame[i] = s >= 0 && s < length ? signal[s]! : 0;
      }
    }
    fft.realTransform(spectrum, frame);
    if (low) applyKernels(plan.low, spectrum, low, f * bins, bins);
    if (high) applyKernels(plan.high, spectrum, high, f * bins, bins);
  }
  return { low, high };
}

function applyKernels(kernels: SparseKernels, spectrum: Float64Array, out: Float32Array, offset: number, bins: number): void {
  const { start, index, re, im } = kernels;
  for (let b = 0; b < bins; b++) {
    let sr = 0;
    let si = 0;
    const end = start[b + 1]!;
    for (let j = start[b]!; j < end; j++) {
      const m = 2 * index[j]!;
      const xr = spectrum[m]!;
      const xi = spectrum[m + 1]!;
      const kr = re[j]!;
      const ki = im[j]!;
      sr += xr * kr - xi * ki;
      si += xr * ki + xi * kr;
    }
    out[offset + b] = Math.sqrt(sr * sr + si * si);
  }
}

/**
 * The engine's time–frequency representation: a dynamic-Q constant-Q spectrogram.
 *
 * `samples`: mono at SAMPLE_RATE_HZ (16 kHz). Returns `[frame][bin]` with `ceil(samples.length / 160)` frames at
 * 100 frames/s (frame f centred on sample 160·f) and 352 bins, 4 per semitone, bin b centred on `binCentreHz(b)`.
 * Values on the default log scale lie in [0, ~1] (see SPECTROGRAM_SETTINGS.amplitude), 0 meaning silence.
 *
 * Computed octave by octave (multi-rate: each octave at the lowest rate that holds it, by half-band decimation) with
 * one 512-point real FFT per frame and octave and Brown–Puckette sparse spectral kernels for both resolutions.
 * Memory beyond the input and output: one decimated copy of the signal and two magnitude planes of one octave.
 *
 * @example
 * const s = computeSpectrogram(samples);           // dynamic Q, log scale
 * const v = s.data[frame * s.binCount + keyCentreBin(48)]; // A4's level at `frame`
 */
export function computeSpectrogram(samples: Float32Array, options: SpectrogramOptions = {}): Spectrogram {
  const mode = options.q ?? 'dynamic';
  const scale = options.scale ?? 'log';
  const frameCount = spectrogramFrameCount(samples.length);
  const data = new Float32Array(frameCount * BIN_COUNT);
  const reference = amplitudeReference(samples);
  const floor = reference * 10 ** (SPECTROGRAM_SETTINGS.dynamicQ.floorDb / 20);
  const all = groupPlans();
  let signal = samples;
  for (let g = 0; g < all.length; g++) {
    const plan = all[g]!;
    if (g > 0) signal = decimateByTwo(signal);
    const { low, high } = analyseGroup(plan, signal, frameCount, mode !== 'high', mode !== 'low');
    let magnitude: Float32Array;
    if (mode === 'dynamic') {
      blendDynamicQ(low!, high!, frameCount, plan.group.binCount, floor > 0 ? floor : Number.MIN_VALUE);
      magnitude = low!;
    } else {
      magnitude = (mode === 'low' ? low : high)!;
    }
    writeGroup(data, magnitude, plan.group, frameCount, scale, reference);
    options.onProgress?.((g + 1) / all.length);
  }
  return { data, frameCount, binCount: BIN_COUNT, frameRateHz: FRAME_RATE_HZ };
}

function writeGroup(
  data: Float32Array,
  magnitude: Float32Array,
  group: BinGroup,
  frameCount: number,
  scale: 'log' | 'magnitude',
  reference: number,
): void {
  const bins = group.binCount;
  const { rangeDb } = SPECTROGRAM_SETTINGS.amplitude;
  // v = 1 + 20·log10(|X|/ref)/rangeDb = a·ln|X| + c.
  const a = 20 / Math.LN10 / rangeDb;
  const c = reference > 0 ? 1 - a * Math.log(reference) : 0;
  for (let f = 0; f < frameCount; f++) {
    const src = f * bins;
    const dst = f * BIN_COUNT + group.firstBin;
    if (scale === 'magnitude') {
      for (let b = 0; b < bins; b++) data[dst + b] = magnitude[src + b]!;
    } else if (reference > 0) {
      for (let b = 0; b < bins; b++) {
        const m = magnitude[src + b]!;
        const v = m > 0 ? a * Math.log(m) + c : 0;
        data[dst + b] = v > 0 ? v : 0;
      }
    }
  }
}
