import { decimateByTwo, halfBandTaps } from '../../../core/spectrogram/decimate';
import { SPECTROGRAM_SETTINGS } from '../../../core/spectrogram';

describe('half-band decimation', () => {
  const { taps, kaiserBeta } = SPECTROGRAM_SETTINGS.decimationFilter;

  it('has unit DC gain and gain 1/2 at a quarter of the input rate', () => {
    const h = halfBandTaps(taps, kaiserBeta);
    let dc = h[0]!;
    let quarter = h[0]!;
    for (let i = 1; i < h.length; i++) {
      const k = 2 * i - 1;
      dc += 2 * h[i]!;
      quarter += 2 * h[i]! * Math.cos((Math.PI * k) / 2);
    }
    expect(dc).toBeCloseTo(1, 12);
    expect(quarter).toBeCloseTo(0.5, 4);
  });

  it('keeps a sine in the pass band (in phase) and removes one that would alias into it', () => {
    const n = 4000;
    const pass = new Float32Array(n);
    const stop = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      pass[i] = Math.sin(2 * Math.PI * 0.1 * i);
      stop[i] = Math.sin(2 * Math.PI * 0.4 * i);
    }
    const keptPass = decimateByTwo(pass);
    const keptStop = decimateByTwo(stop);
    expect(keptPass).toHaveLength(n / 2);
    let passError = 0;
    let stopPeak = 0;
    for (let m = 100; m < n / 2 - 100; m++) {
      passError = Math.max(passError, Math.abs(keptPass[m]! - pass[2 * m]!));
      stopPeak = Math.max(stopPeak, Math.abs(keptStop[m]!));
    }
    expect(passError).toBeLessThan(1e-3);
    expect(stopPeak).toBeLessThan(1e-3);
  });

  it('gives ceil(n/2) samples', () => {
    expect(decimateByTwo(new Float32Array(7))).toHaveLength(4);
    expect(decimateByTwo(new Float32Array(0))).toHaveLength(0);
  });
});
