import { detectOnsets, ONSET_SETTINGS, OnsetError, pickOnsets, type OnsetSettings } from '../../../core/onsets';
import { BIN_COUNT } from '../../../core/params';
import type { Spectrogram } from '../../../core/types';

/** A spectrogram that is silent except where `levels` sets bins: levels[frame] = [[bin, value], ...]. */
function handMade(frameCount: number, events: { frame: number; bins: number[]; level: number; until?: number }[]): Spectrogram {
  const data = new Float32Array(frameCount * BIN_COUNT);
  for (const { frame, bins, level, until } of events) {
    for (let f = frame; f < (until ?? frameCount); f++) for (const bin of bins) data[f * BIN_COUNT + bin] = level;
  }
  return { data, frameCount, binCount: BIN_COUNT, frameRateHz: 100 };
}

const partials = (first: number): number[] => [first, first + 48, first + 76, first + 96, first + 111, first + 124];

describe('detectOnsets', () => {
  it('finds steps of many bins, one onset for an attack spread over two frames, one at frame 0, none in steady sound', () => {
    const spectrogram = handMade(100, [
      { frame: 0, bins: partials(1), level: 0.8 },
      { frame: 30, bins: partials(41), level: 0.9 },
      { frame: 31, bins: partials(42), level: 0.9 },
      { frame: 70, bins: partials(101), level: 0.5 },
    ]);
    // Frames 30 and 31 both rise; with a 2-frame lag frame 31 sees both rises, so the onset lands there.
    expect(Array.from(detectOnsets(spectrogram))).toEqual([0, 31, 70]);
  });

  it('hears a quiet note among loud sustained ones (rises are relative to each bin)', () => {
    const spectrogram = handMade(80, [
      { frame: 5, bins: partials(1), level: 1 },
      { frame: 40, bins: partials(161), level: 0.35 },
    ]);
    expect(Array.from(detectOnsets(spectrogram))).toEqual([5, 40]);
  });

  it('ignores rises below the level floor and a partial drifting by one bin (max filter)', () => {
    const spectrogram = handMade(60, [
      { frame: 10, bins: partials(1), level: 0.2 },
      { frame: 5, bins: [200], level: 0.9, until: 30 },
      { frame: 30, bins: [201], level: 0.9 },
    ]);
    expect(Array.from(detectOnsets(spectrogram, { threshold: 0.001 }))).toEqual([5]);
  });

  it('returns nothing for silence or an empty spectrogram', () => {
    expect(detectOnsets(handMade(50, [])).length).toBe(0);
    expect(detectOnsets(handMade(0, [])).length).toBe(0);
  });

  it('refuses invalid settings, naming each problem', () => {
    expect(() => detectOnsets(handMade(5, []), { lagFrames: 0, threshold: Number.NaN })).toThrow(OnsetError);
    expect(() => detectOnsets(handMade(5, []), { lagFrames: 0, threshold: Number.NaN })).toThrow(
      /lagFrames must be at least 1; threshold must be finite/,
    );
  });
});

describe('pickOnsets', () => {
  const settings = { ...ONSET_SETTINGS, peakBeforeFrames: 1, peakAfterFrames: 1, medianBeforeFrames: 2, medianAfterFrames: 2, threshold: 0.1, recentRatio: 0, minSpacingFrames: 3 };

  it('keeps local maxima above the local median plus the threshold', () => {
    expect(Array.from(pickOnsets(Float32Array.of(0, 1, 0, 0, 0, 0.05, 0, 0, 2, 0), settings))).toEqual([1, 8]);
  });

  it('keeps the stronger of two peaks closer than minSpacingFrames, and the first of a flat top', () => {
    expect(Array.from(pickOnsets(Float32Array.of(0, 1, 0, 2, 0, 0, 0, 0), settings))).toEqual([3]);
    expect(Array.from(pickOnsets(Float32Array.of(0, 1, 1, 0, 0, 0), settings))).toEqual([1]);
  });
});

/** pickOnsets written out in TypeScript (its definition): the kernel's picking must return the same frames. */
function referencePick(strength: Float32Array, settings: OnsetSettings): number[] {
  const count = strength.length;
  const picked: number[] = [];
  const median = new Float32Array(settings.medianBeforeFrames + 1 + settings.medianAfterFrames);
  for (let n = 0; n < count; n++) {
    const value = strength[n]!;
    if (value <= 0) continue;
    let isPeak = true;
    for (let m = Math.max(0, n - settings.peakBeforeFrames); m <= Math.min(count - 1, n + settings.peakAfterFrames); m++) {
      if (strength[m]! > value || (m < n && strength[m]! === value)) isPeak = false;
    }
    if (!isPeak) continue;
    median.fill(0);
    for (let m = Math.max(0, n - settings.medianBeforeFrames); m <= Math.min(count - 1, n + settings.medianAfterFrames); m++) {
      median[m - (n - settings.medianBeforeFrames)] = strength[m]!;
    }
    median.sort();
    if (value < median[median.length >> 1]! + settings.threshold) continue;
    let recentPeak = 0;
    for (let m = Math.max(0, n - settings.recentFrames); m < n; m++) recentPeak = Math.max(recentPeak, strength[m]!);
    if (value < settings.recentRatio * recentPeak) continue;
    const last = picked[picked.length - 1];
    if (last !== undefined && n - last < settings.minSpacingFrames) {
      if (value > strength[last]!) picked[picked.length - 1] = n;
      continue;
    }
    picked.push(n);
  }
  return picked;
}

describe('pickOnsets against its TypeScript definition', () => {
  /** Strengths on a coarse grid (many ties), with zeros, negatives and spikes. */
  function strengths(count: number, seed: number): Float32Array {
    let state = seed;
    const random = (): number => {
      state = (state * 1103515245 + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const r = random();
      out[i] = r < 0.1 ? 0 : r < 0.15 ? -random() * 0.01 : r < 0.25 ? random() : Math.round(random() * 20) / 200;
    }
    return out;
  }

  it('picks the same frames for the engine settings and others, ties, zeros and negatives included', () => {
    const variants: Partial<OnsetSettings>[] = [
      {},
      { peakBeforeFrames: 0, peakAfterFrames: 0, minSpacingFrames: 1 },
      { peakBeforeFrames: 3, peakAfterFrames: 2, medianBeforeFrames: 0, medianAfterFrames: 0, threshold: -0.01 },
      { medianBeforeFrames: 20, medianAfterFrames: 11, recentFrames: 0, recentRatio: 1, minSpacingFrames: 7 },
      { threshold: 0, recentRatio: 0 },
    ];
    for (const [i, overrides] of variants.entries()) {
      const settings = { ...ONSET_SETTINGS, ...overrides };
      for (const count of [0, 1, 2, 5, 300, 3000]) {
        const strength = strengths(count, 7 * i + count);
        expect(Array.from(pickOnsets(strength, settings))).toEqual(referencePick(strength, settings));
      }
    }
  });

  it('picks NaN and ±∞ strengths as the TypeScript code does', () => {
    const strength = strengths(500, 3);
    strength[100] = Number.NaN;
    strength[200] = Infinity;
    strength[300] = -Infinity;
    expect(Array.from(pickOnsets(strength, ONSET_SETTINGS))).toEqual(referencePick(strength, ONSET_SETTINGS));
  });
});
