import FFT from 'fft.js';
import { binCentreHz } from '../params';
import { binWindowSeconds, type FftSegment, type ResolutionSettings } from './settings';

/**
 * The sampled analysis window of one bin: Hann, `w(d) = cos²(π·d / (T·fs))` for integer offsets |d| < T·fs/2 from the
 * frame centre, scaled by 2/Σw so that a sine of amplitude A at the bin's centre frequency reads A. Sampling the same
 * continuous window at any rate keeps the decimated path and the direct reference comparable.
 *
 * @returns `{ halfLength, weights }` with `weights[d + halfLength]` for d in [-halfLength, halfLength].
 */
export function binWindow(bin: number, resolution: ResolutionSettings, sampleRateHz: number): {
  halfLength: number;
  weights: Float64Array;
} {
  const span = binWindowSeconds(bin, resolution) * sampleRateHz;
  const halfLength = Math.ceil(span / 2) - 1;
  const weights = new Float64Array(2 * halfLength + 1);
  let sum = 0;
  for (let d = -halfLength; d <= halfLength; d++) {
    const c = Math.cos((Math.PI * d) / span);
    const w = c * c;
    weights[d + halfLength] = w;
    sum += w;
  }
  for (let i = 0; i < weights.length; i++) weights[i] = (weights[i]! * 2) / sum;
  return { halfLength, weights };
}

/**
 * Sparse spectral kernels for one run of bins sharing an FFT length (Brown & Puckette, "An efficient algorithm for
 * the calculation of a constant Q transform", JASA 92(5), 1992): bin k's windowed complex sinusoid, transformed
 * once; then `X_k = Σ_m FFT(frame)[m] · K_k[m]` over the few m where the kernel is significant. Only non-negative
 * frequencies are kept (the analytic kernel has negligible energy below zero), so a real FFT suffices. Each bin
 * keeps one contiguous run of FFT bins, from the first to the last entry at or above `threshold` × its peak, which
 * keeps the inner loop free of index indirection.
 *
 * Layout: bin b of the segment (0-based) reads FFT bins `firstFftBin[b] …` with kernel entries
 * `start[b] … start[b+1]-1` of `re`, `im`.
 */
export interface SparseKernels {
  readonly fftSize: number;
  readonly binCount: number;
  readonly start: Int32Array;
  readonly firstFftBin: Int32Array;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

export function buildKernels(
  segment: FftSegment,
  sampleRateHz: number,
  resolution: ResolutionSettings,
  threshold: number,
): SparseKernels {
  const n = segment.fftSize;
  const fft = new FFT(n);
  const timeKernel = fft.createComplexArray();
  const spectrum = fft.createComplexArray();
  const start = new Int32Array(segment.binCount + 1);
  const firstFftBin = new Int32Array(segment.binCount);
  const re: number[] = [];
  const im: number[] = [];
  for (let b = 0; b < segment.binCount; b++) {
    const bin = segment.firstBin + b;
    const omega = (2 * Math.PI * binCentreHz(bin)) / sampleRateHz;
    const { halfLength, weights } = binWindow(bin, resolution, sampleRateHz);
    if (2 * halfLength + 1 > n) throw new Error(`kernel: window of bin ${bin} (${2 * halfLength + 1}) exceeds FFT ${n}`);
    timeKernel.fill(0);
    const centre = n / 2;
    for (let d = -halfLength; d <= halfLength; d++) {
      const w = weights[d + halfLength]!;
      timeKernel[2 * (centre + d)] = w * Math.cos(omega * d);
      timeKernel[2 * (centre + d) + 1] = w * Math.sin(omega * d);
    }
    fft.transform(spectrum, timeKernel);
    let peak = 0;
    for (let m = 0; m <= n / 2; m++) peak = Math.max(peak, Math.hypot(spectrum[2 * m]!, spectrum[2 * m + 1]!));
    let first = -1;
    let last = -1;
    for (let m = 0; m <= n / 2; m++) {
      if (Math.hypot(spectrum[2 * m]!, spectrum[2 * m + 1]!) < threshold * peak) continue;
      if (first < 0) first = m;
      last = m;
    }
    start[b] = re.length;
    firstFftBin[b] = first;
    for (let m = first; m <= last; m++) {
      // Parseval: Σ x·conj(t) = (1/N) Σ X·conj(T).
      re.push(spectrum[2 * m]! / n);
      im.push(-spectrum[2 * m + 1]! / n);
    }
  }
  start[segment.binCount] = re.length;
  return { fftSize: n, binCount: segment.binCount, start, firstFftBin, re: Float64Array.from(re), im: Float64Array.from(im) };
}
