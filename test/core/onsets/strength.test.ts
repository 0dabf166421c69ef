import { onsetSpans, onsetStrength } from '../../../core/onsets/detect';
import { ONSET_SETTINGS, type OnsetSettings } from '../../../core/onsets/constants';
import { SPECTROGRAM_SETTINGS } from '../../../core/spectrogram/settings';
import type { Spectrogram } from '../../../core/types';
import { onsetKernel } from '../../../core/onsets/onset-kernel';
import { xorshift } from '../../helpers/random';

/**
 * onsetStrength written the plain way (each cell's earlier level and peak scanned afresh): the screened,
 * integer-keyed implementation must reproduce it bit for bit, NaN and all.
 */
function referenceStrength(spectrogram: Spectrogram, settings: OnsetSettings, floor: number, spans: Int32Array): Float32Array {
  const { frameCount, binCount, data } = spectrogram;
  const k = (SPECTROGRAM_SETTINGS.amplitude.rangeDb / 20) * Math.LN10;
  const levelFloor = Math.max(floor, settings.levelFloor);
  const strength = new Float32Array(frameCount);
  for (let frame = 0; frame < frameCount; frame++) {
    let sum = 0;
    for (let bin = 0; bin < binCount; bin++) {
      const now = Math.max(levelFloor, data[frame * binCount + bin]!);
      let earlier = levelFloor;
      const last = frame - settings.lagFrames;
      for (let back = Math.max(0, last - settings.referenceFrames + 1); back <= last; back++) {
        for (let other = Math.max(0, bin - settings.maxFilterBins); other <= Math.min(binCount - 1, bin + settings.maxFilterBins); other++) {
          earlier = Math.max(earlier, data[back * binCount + other]!);
        }
      }
      if (now <= earlier) continue;
      let peak = now;
      for (let ahead = frame + 1; ahead <= Math.min(frameCount - 1, frame + spans[bin]!); ahead++) peak = Math.max(peak, data[ahead * binCount + bin]!);
      sum += Math.exp(k * (now - peak)) - Math.exp(k * (earlier - peak));
    }
    strength[frame] = sum / binCount;
  }
  return strength;
}


/** Notes that strike and decay in random bins over a noise floor; `specials` sprinkles in exotic values. */
function spectrogram(frameCount: number, binCount: number, seed: number, specials: number[] = []): Spectrogram {
  const random = xorshift(seed);
  const data = new Float32Array(frameCount * binCount);
  for (let i = 0; i < data.length; i++) data[i] = random() * 0.35;
  for (let note = 0; note < frameCount / 3; note++) {
    const start = Math.floor(random() * frameCount);
    const bin = Math.floor(random() * binCount);
    const level = 0.3 + random() * 0.7;
    for (let f = start; f < Math.min(frameCount, start + 30); f++) {
      const v = level - 0.01 * (f - start) + (f === start ? -0.2 * random() : 0);
      data[f * binCount + bin] = Math.max(data[f * binCount + bin]!, v);
    }
  }
  for (const value of specials) data[Math.floor(random() * data.length)] = value;
  return { data, frameCount, binCount, frameRateHz: 100 };
}

function expectSameBits(actual: Float32Array, expected: Float32Array): void {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const first = a.findIndex((bits, i) => bits !== e[i]);
  expect(first === -1 ? 'identical' : `frame ${first}: ${actual[first]} vs ${expected[first]}`).toBe('identical');
  expect(actual.length).toBe(expected.length);
}

function expectMatchesReference(s: Spectrogram, overrides: Partial<OnsetSettings> = {}, floor = 0): Float32Array {
  const settings = { ...ONSET_SETTINGS, ...overrides };
  const spans = onsetSpans(s.binCount, settings);
  const expected = referenceStrength(s, settings, floor, spans);
  expectSameBits(onsetStrength(s, settings, floor, spans), expected);
  return expected;
}

describe('onsetStrength against the plain reference', () => {
  it('matches bit for bit on the engine settings', () => {
    const strength = expectMatchesReference(spectrogram(400, 352, 1));
    expect(strength.some((v) => v > 0.01)).toBe(true);
  });

  it('matches for other lags, reference spans, filter widths and floors', () => {
    const s = spectrogram(150, 40, 2);
    for (const maxFilterBins of [0, 1, 2, 5]) {
      for (const referenceFrames of [1, 3]) {
        for (const lagFrames of [1, 2, 4]) expectMatchesReference(s, { maxFilterBins, referenceFrames, lagFrames });
      }
    }
    expectMatchesReference(s, { levelFloor: 0 }, 0);
    expectMatchesReference(s, { levelFloor: -0.5 }, -1);
    expectMatchesReference(s, { levelFloor: 0.123456789 });
    expectMatchesReference(spectrogram(3, 1, 3), { maxFilterBins: 1 });
    expectMatchesReference(spectrogram(1, 352, 4));
  });

  it('matches across the kernel\'s blocks of rows, at odd bin counts and wide filters (edge groups of bins)', () => {
    expectMatchesReference(spectrogram(700, 37, 9), { lagFrames: 3, referenceFrames: 2 });
    for (const binCount of [1, 2, 3, 5, 7, 9, 13]) {
      for (const maxFilterBins of [0, 1, 3, 6]) expectMatchesReference(spectrogram(60, binCount, binCount), { maxFilterBins });
    }
    expectMatchesReference(spectrogram(300, 352, 10), { minSpanFrames: 40, spanFraction: 4 });
  });

  it('matches with −0 and negative values in the kernel (no NaN or ±∞)', () => {
    const specials = [-0, -0.4, 0, 2, -1e-30, 1e-30, -3e38, 3e38];
    for (let seed = 11; seed < 14; seed++) {
      expectMatchesReference(spectrogram(120, 30, seed, specials), {}, 0);
      expectMatchesReference(spectrogram(120, 30, seed, specials), { referenceFrames: 2, levelFloor: -1 }, -1);
      expectMatchesReference(spectrogram(120, 30, seed, specials), { levelFloor: -0 }, -0);
      expectMatchesReference(spectrogram(120, 30, seed, specials), { levelFloor: -1e-50 }, -1e-50);
    }
  });

  it('measures finite spectrograms in the kernel and leaves those with NaN or ±∞ to TypeScript', () => {
    const measure = (s: Spectrogram): Float32Array | undefined =>
      onsetKernel().strength({
        ...s,
        ...ONSET_SETTINGS,
        levelFloor: -1,
        magnitudePerUnit: 9,
        spans: onsetSpans(s.binCount, ONSET_SETTINGS),
      });
    expect(measure(spectrogram(50, 30, 15, [-0, -0.4, -3e38, 3e38]))).toBeInstanceOf(Float32Array);
    for (const special of [Number.NaN, -Number.NaN, Infinity, -Infinity]) {
      expect(measure(spectrogram(50, 30, 15, [special]))).toBeUndefined();
    }
  });

  it('matches with NaN, ±∞, −0 and negative values (NaN propagates as Math.max makes it)', () => {
    const specials = [Number.NaN, -Number.NaN, Infinity, -Infinity, -0, -0.4, 0, 2];
    for (let seed = 5; seed < 9; seed++) {
      expectMatchesReference(spectrogram(120, 30, seed, specials), {}, 0);
      expectMatchesReference(spectrogram(120, 30, seed, specials), { referenceFrames: 2, levelFloor: -1 }, -1);
    }
  });
});
