import FFT from 'fft.js';
import { binCentreHz } from '../params';
import { binWindowSeconds, type BinGroup, type ResolutionSettings } from './settings';

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
 * Sparse spectral kernels for one group and one resolution (Brown & Puckette, "An efficient algorithm for the
 * calculation of a constant Q transform", JASA 92(5), 1992): bin k's windowed complex sinusoid, transformed once;
 * then `X_k = Σ_m FFT(frame)[m] · K_k[m]` over the few m where the kernel is significant. Only non-negative
 * frequencies are kept (the analytic kernel has negligible energy below zero), so a real FFT suffices.
 *
 * Layout: bin b of the group uses entries `start[b] … start[b+1]-1` of `index`, `re`, `im`.
 */
export interface SparseKernels {
  readonly start: Int32Array;
  readonly index: Int32Array;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

export function buildKernels(group: BinGroup, resolution: ResolutionSettings, threshold: number): SparseKernels {
  const n = group.fftSize;
  const fft = new FFT(n);
  const timeKernel = fft.createComplexArray();
  const spectrum = fft.createComplexArray();
  const start = new Int32Array(group.binCount + 1);
  const index: number[] = [];
  const re: number[] = [];
  const im: number[] = [];
  for (let b = 0; b < group.binCount; b++) {
    const bin = group.firstBin + b;
    const omega = (2 * Math.PI * binCentreHz(bin)) / group.sampleRateHz;
    const { halfLength, weights } = binWindow(bin, resolution, group.sampleRateHz);
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
    start[b] = index.length;
    for (let m = 0; m <= n / 2; m++) {
      const kr = spectrum[2 * m]!;
      const ki = spectrum[2 * m + 1]!;
      if (Math.hypot(kr, ki) < threshold * peak) continue;
      // Parseval: Σ x·conj(t) = (1/N) Σ X·conj(T).
      index.push(m);
      re.push(kr / n);
      im.push(-ki / n);
    }
  }
  start[group.binCount] = index.length;
  return { start, index: Int32Array.from(index), re: Float64Array.from(re), im: Float64Array.from(im) };
}
