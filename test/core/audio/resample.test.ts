import { resample, RESAMPLER_SETTINGS } from '../../../core/audio';
import { levelDb, sine, zeroCrossingHz } from './helpers';

function tone(hz: number, rateHz: number, seconds = 1): Float32Array {
  return Float32Array.from(sine(hz, rateHz, Math.round(rateHz * seconds), 1));
}

/** Level of a resampled full-scale tone away from the edges, dB relative to full scale. */
function passedDb(hz: number, inRate: number, outRate = 16000): number {
  const out = resample(tone(hz, inRate), inRate, outRate);
  return levelDb(out, 800, out.length - 800);
}

describe('resample', () => {
  it('attenuates a 12 kHz tone at 44.1 kHz by at least 60 dB (it would alias to 4 kHz)', () => {
    expect(passedDb(12_000, 44_100)).toBeLessThan(-60);
  });

  it.each([
    [8_100, 44_100],
    [9_000, 48_000],
    [15_000, 96_000],
    [30_000, 192_000],
    [11_000, 22_050],
  ])('stops %d Hz from %d Hz input by at least the designed attenuation', (hz, rate) => {
    expect(passedDb(hz, rate)).toBeLessThan(-RESAMPLER_SETTINGS.stopbandAttenuationDb + 1);
  });

  it.each([
    [50, 44_100],
    [440, 44_100],
    [4186, 44_100],
    [4186, 48_000],
    [1000, 11_025],
    [1000, 8_000],
  ])('passes %d Hz from %d Hz input within 0.01 dB and at the same pitch', (hz, rate) => {
    const out = resample(tone(hz, rate), rate, 16_000);
    expect(Math.abs(levelDb(out, 800, out.length - 800))).toBeLessThan(0.01);
    // Zero-crossing interpolation is biased near Nyquist (3.8 samples per period at 4186 Hz), so compare relatively.
    expect(Math.abs(zeroCrossingHz(out, 16_000, 800, out.length - 800) / hz - 1)).toBeLessThan(1e-4);
  });

  it('keeps a constant constant (unit gain at DC in every phase)', () => {
    const out = resample(new Float32Array(44_100).fill(0.25), 44_100);
    for (let i = 100; i < out.length - 100; i++) expect(Math.abs((out[i] as number) - 0.25)).toBeLessThan(1e-6);
  });

  it('gives ceil(length × out / in) samples, aligned at t = 0', () => {
    expect(resample(new Float32Array(441), 44_100).length).toBe(160);
    expect(resample(new Float32Array(442), 44_100).length).toBe(161);
    expect(resample(new Float32Array(3), 8_000).length).toBe(6);
    // An impulse at input time 0.5 s lands at output sample 8000 (the filter is zero-phase).
    const impulse = new Float32Array(44_100);
    impulse[22_050] = 1;
    const out = resample(impulse, 44_100);
    const peak = out.reduce((best, v, i) => (v > (out[best] as number) ? i : best), 0);
    expect(peak).toBe(8000);
  });

  it('copies when the rates match', () => {
    const input = Float32Array.from([0.1, -0.2, 0.3]);
    const out = resample(input, 16_000);
    expect(Array.from(out)).toEqual(Array.from(input));
    expect(out).not.toBe(input);
  });

  it('handles rates with no small common divisor (nearest of maxPhases phases)', () => {
    // 44 101 and 16 000 share no factor: 16 000 phases would be needed exactly.
    expect(passedDb(1000, 44_101)).toBeGreaterThan(-0.01);
    expect(passedDb(12_000, 44_101)).toBeLessThan(-60);
  });

  it('refuses non-integer or non-positive rates', () => {
    expect(() => resample(new Float32Array(4), 44_100.5)).toThrow(RangeError);
    expect(() => resample(new Float32Array(4), 0)).toThrow(RangeError);
  });
});
