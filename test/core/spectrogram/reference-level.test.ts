import { HOP_SAMPLES } from '../../../core/params';
import { amplitudeReference, SPECTROGRAM_SETTINGS } from '../../../core/spectrogram';
import { selectNth } from '../../../core/spectrogram/compute';

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

/** The definition: √2 × the sorted RMS at the percentile, or the largest RMS where that reads 0. */
function sortedReference(samples: Float32Array): number {
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
  return Math.SQRT2 * (rms[at]! > 0 ? rms[at]! : rms[hops - 1]!);
}

describe('selectNth', () => {
  it.each([1, 2, 3, 10, 101, 1000])('reads what a sort reads at every index of %i values with many ties', (length) => {
    const next = lcg(length);
    const values = Float64Array.from({ length }, () => Math.floor(next() * 7) / 7);
    const sorted = Float64Array.from(values).sort();
    for (let n = 0; n < length; n++) expect(selectNth(Float64Array.from(values), n)).toBe(sorted[n]);
  });

  it('stays exact on sorted, reversed and constant input', () => {
    const up = Float64Array.from({ length: 500 }, (_, i) => i);
    for (const values of [up, Float64Array.from(up).reverse(), new Float64Array(500).fill(3)]) {
      const sorted = Float64Array.from(values).sort();
      for (const n of [0, 1, 249, 475, 499]) expect(selectNth(Float64Array.from(values), n)).toBe(sorted[n]);
    }
  });
});

describe('amplitudeReference', () => {
  it.each([
    ['noise with silent stretches', 48_123, (i: number, r: number) => (Math.floor(i / 4000) % 3 === 0 ? 0 : r - 0.5)],
    ['mostly silence', 32_000, (i: number, r: number) => (i > 31_000 ? r : 0)],
    ['digital silence', 8_000, () => 0],
    ['one hop', 100, (_: number, r: number) => r],
    // Hops are summed four at a time: whole hops past the last group of four, then a partial one; fewer than four.
    ['seven hops and a part', 7 * 160 + 37, (i: number, r: number) => (r - 0.5) * (1 + (i % 7))],
    ['three hops', 3 * 160, (i: number, r: number) => (r - 0.5) * (i < 160 ? 3 : 1)],
  ])('equals the sorted-percentile definition exactly: %s', (_, length, sample) => {
    const next = lcg(length);
    const samples = Float32Array.from({ length }, (__, i) => sample(i, next()));
    expect(amplitudeReference(samples)).toBe(sortedReference(samples));
  });

  it('is NaN for NaN input, as the sort made it', () => {
    const samples = new Float32Array(16_000).fill(0.1);
    samples.fill(NaN, 0, 8000);
    expect(amplitudeReference(samples)).toBe(sortedReference(samples));
  });
});
