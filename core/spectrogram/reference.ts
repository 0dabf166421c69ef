import { BIN_COUNT, HOP_SAMPLES, SAMPLE_RATE_HZ, binCentreHz } from '../params';
import { binWindow } from './kernels';
import { SPECTROGRAM_SETTINGS } from './settings';

/**
 * The direct, per-bin definition of the constant-Q magnitude at SAMPLE_RATE_HZ, without decimation or FFT:
 * `|Σ_d x[c+d] · w_b(d) · e^{-iω_b d}|` with c = 160·frame and w_b the bin's Hann window (kernels.ts). It is the
 * parity reference for computeSpectrogram(…, { q, scale: 'magnitude' }) and the bench's naive baseline; O(Σ window
 * lengths) per frame, about 400 000 multiply-adds, so use it on short excerpts only.
 *
 * @returns magnitudes `[frame - firstFrame][BIN_COUNT]` for frames firstFrame … firstFrame + frameCount - 1.
 */
export function referenceConstantQ(
  samples: Float32Array,
  options: { q: 'low' | 'high'; firstFrame?: number; frameCount?: number },
): Float32Array {
  const resolution = options.q === 'low' ? SPECTROGRAM_SETTINGS.lowQ : SPECTROGRAM_SETTINGS.highQ;
  const firstFrame = options.firstFrame ?? 0;
  const frameCount = options.frameCount ?? Math.ceil(samples.length / HOP_SAMPLES) - firstFrame;
  const out = new Float32Array(frameCount * BIN_COUNT);
  for (let bin = 0; bin < BIN_COUNT; bin++) {
    const { halfLength, weights } = binWindow(bin, resolution, SAMPLE_RATE_HZ);
    const omega = (2 * Math.PI * binCentreHz(bin)) / SAMPLE_RATE_HZ;
    const cos = new Float64Array(weights.length);
    const sin = new Float64Array(weights.length);
    for (let d = -halfLength; d <= halfLength; d++) {
      cos[d + halfLength] = weights[d + halfLength]! * Math.cos(omega * d);
      sin[d + halfLength] = weights[d + halfLength]! * Math.sin(omega * d);
    }
    for (let f = 0; f < frameCount; f++) {
      const centre = (firstFrame + f) * HOP_SAMPLES;
      let re = 0;
      let im = 0;
      for (let d = -halfLength; d <= halfLength; d++) {
        const s = centre + d;
        if (s < 0 || s >= samples.length) continue;
        const x = samples[s]!;
        re += x * cos[d + halfLength]!;
        im -= x * sin[d + halfLength]!;
      }
      out[f * BIN_COUNT + bin] = Math.hypot(re, im);
    }
  }
  return out;
}
