import {
  BIN_COUNT,
  FRAME_RATE_HZ,
  HOP_SAMPLES,
  KEY_COUNT,
  SAMPLE_RATE_HZ,
  binCentreHz,
  keyCentreBin,
  midiToHz,
  LOWEST_MIDI_PITCH,
} from '../../../core/params';
import { computeSpectrogram, referenceConstantQ, spectrogramFrameCount } from '../../../core/spectrogram';
import { expectAllClose } from './close';
import { harmonicTone, mix, sine } from './signals';

function argmax(data: Float32Array, from: number, count: number, stride = 1): number {
  let best = 0;
  for (let i = 1; i < count; i++) if (data[from + i * stride]! > data[from + best * stride]!) best = i;
  return best;
}

describe('computeSpectrogram: shape', () => {
  it.each([
    [0, 0],
    [1, 1],
    [159, 1],
    [160, 1],
    [161, 2],
    [16_000, 100],
    [16_001, 101],
  ])('%i samples give %i frames of 352 bins at 100 frames/s', (samples, frames) => {
    const s = computeSpectrogram(new Float32Array(samples));
    expect(spectrogramFrameCount(samples)).toBe(frames);
    expect(s.frameCount).toBe(frames);
    expect(s.binCount).toBe(BIN_COUNT);
    expect(s.frameRateHz).toBe(FRAME_RATE_HZ);
    expect(s.data).toHaveLength(frames * BIN_COUNT);
  });

  it('reads digital silence as 0 everywhere', () => {
    const s = computeSpectrogram(new Float32Array(8000));
    expect(Math.max(...s.data)).toBe(0);
  });
});

describe('computeSpectrogram: frequency and time placement', () => {
  it('puts a sine at each of the 88 key frequencies within one bin of its key centre bin', () => {
    const misplaced: string[] = [];
    for (let key = 0; key < KEY_COUNT; key++) {
      const s = computeSpectrogram(sine(midiToHz(LOWEST_MIDI_PITCH + key), 0.6));
      const peak = argmax(s.data, 30 * BIN_COUNT, BIN_COUNT);
      if (Math.abs(peak - keyCentreBin(key)) > 1) misplaced.push(`key ${key}: peak bin ${peak}, expected ${keyCentreBin(key)}`);
    }
    expect(misplaced).toEqual([]);
  });

  it('puts an impulse at sample 160·f on frame f in every bin (all octave groups are aligned)', () => {
    const x = new Float32Array(SAMPLE_RATE_HZ * 2);
    const frame = 100;
    x[frame * HOP_SAMPLES] = 1;
    const s = computeSpectrogram(x, { q: 'low', scale: 'magnitude' });
    const misplaced: number[] = [];
    for (let bin = 0; bin < BIN_COUNT; bin++) {
      if (argmax(s.data, bin, s.frameCount, BIN_COUNT) !== frame) misplaced.push(bin);
    }
    expect(misplaced).toEqual([]);
  });

  it('reads a sine of amplitude A on a bin centre as A on the magnitude scale, and ≈1 on the log scale', () => {
    const bin = keyCentreBin(48) + 2; // between keys: not a special case
    const magnitude = computeSpectrogram(sine(binCentreHz(bin), 1, 0.25), { scale: 'magnitude' });
    expect(magnitude.data[50 * BIN_COUNT + bin]).toBeCloseTo(0.25, 3);
    const log = computeSpectrogram(sine(binCentreHz(bin), 1, 0.25));
    expect(log.data[50 * BIN_COUNT + bin]).toBeCloseTo(1, 2);
  });
});

describe('computeSpectrogram: amplitude scale', () => {
  it('is gain-invariant: the same music 40 dB quieter gives the same spectrogram', () => {
    const loud = mix(harmonicTone({ hz: 261.63, totalSeconds: 1, decayPerSecond: 2 }), sine(1000, 1, 0.05));
    const quiet = loud.map((v) => v * 0.01);
    // 1e-3 is 0.08 dB: the analysis runs in f32, and its rounding (which differs at another gain) is amplified where
    // the dynamic-Q weight ramps.
    expectAllClose(computeSpectrogram(quiet).data, computeSpectrogram(loud).data, { atol: 1e-3, rowWidth: BIN_COUNT });
  });

  it('maps 80 dB below the reference to 0', () => {
    const bin = keyCentreBin(40);
    const loud = sine(binCentreHz(bin), 1, 0.5);
    const faint = sine(binCentreHz(bin + 80), 1, 0.5 * 10 ** (-40 / 20));
    const s = computeSpectrogram(mix(loud, faint));
    // Loud sine ≈ 1; a partial 40 dB down ≈ 0.5 (80 dB range).
    expect(s.data[50 * BIN_COUNT + bin]).toBeCloseTo(1, 2);
    expect(s.data[50 * BIN_COUNT + bin + 80]).toBeCloseTo(0.5, 2);
  });
});

describe('computeSpectrogram: parity with the direct per-bin definition', () => {
  // Broadband test signal: a chirp, two sines and deterministic noise.
  const x = new Float32Array(SAMPLE_RATE_HZ);
  let seed = 1;
  for (let i = 0; i < x.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const t = i / SAMPLE_RATE_HZ;
    x[i] =
      0.2 * Math.sin(2 * Math.PI * (30 + 2000 * t) * t) +
      0.2 * Math.sin(2 * Math.PI * 440 * t) +
      0.2 * Math.sin(2 * Math.PI * 41.2 * t) +
      0.1 * (seed / 2 ** 31 - 0.5);
  }

  it.each(['low', 'high'] as const)('%s Q: FFT kernels on decimated octaves match the direct sum', (q) => {
    const firstFrame = 30;
    const frameCount = 20;
    const fast = computeSpectrogram(x, { q, scale: 'magnitude' });
    const direct = referenceConstantQ(x, { q, firstFrame, frameCount });
    const excerpt = fast.data.subarray(firstFrame * BIN_COUNT, (firstFrame + frameCount) * BIN_COUNT);
    let peak = 0;
    for (const v of direct) peak = Math.max(peak, v);
    // Truncating the spectral kernels at 1 % of their peak bounds the error near 1 % of the loudest bin.
    expectAllClose(excerpt, direct, { atol: 0.01 * peak, rtol: 0.01, rowWidth: BIN_COUNT });
  });
});

/** (max − min) / (max + min) of bin `bin` over frames [from, to). */
function modulationDepth(data: Float32Array, bin: number, from: number, to: number): number {
  let max = 0;
  let min = Infinity;
  for (let f = from; f < to; f++) {
    max = Math.max(max, data[f * BIN_COUNT + bin]!);
    min = Math.min(min, data[f * BIN_COUNT + bin]!);
  }
  return (max - min) / (max + min);
}

/** Frames from 10 % to 90 % of the peak of bin `bin` (first crossings). */
function riseFrames(data: Float32Array, bin: number, frameCount: number): number {
  let peak = 0;
  for (let f = 0; f < frameCount; f++) peak = Math.max(peak, data[f * BIN_COUNT + bin]!);
  let start = -1;
  for (let f = 0; f < frameCount; f++) {
    const v = data[f * BIN_COUNT + bin]!;
    if (start < 0 && v >= 0.1 * peak) start = f;
    if (v >= 0.9 * peak) return f - start;
  }
  return -1;
}

describe('computeSpectrogram: dynamic Q', () => {
  // A3 and A#3, three harmonics each: every pair of partials (220/233, 440/466, 660/699 Hz) lies inside the low-Q
  // bandwidth and beats at 13, 26 and 39 Hz.
  const beating = mix(harmonicTone({ hz: 220, totalSeconds: 2 }), harmonicTone({ hz: 233.08, totalSeconds: 2 }));
  const affectedKeys = [36, 37, 48, 49];

  it.each(affectedKeys)('halves (at least) the beating depth on key %i against fixed low Q', (key) => {
    const bin = keyCentreBin(key);
    const low = computeSpectrogram(beating, { q: 'low', scale: 'magnitude' });
    const dynamic = computeSpectrogram(beating, { scale: 'magnitude' });
    const lowDepth = modulationDepth(low.data, bin, 50, 150);
    const dynamicDepth = modulationDepth(dynamic.data, bin, 50, 150);
    expect(lowDepth).toBeGreaterThan(0.3);
    expect(dynamicDepth).toBeLessThanOrEqual(lowDepth / 2);
  });

  it("leaves an isolated note's onset as sharp as fixed low Q (and sharper than high Q)", () => {
    const note = harmonicTone({ hz: 440, startSeconds: 0.5, totalSeconds: 2, decayPerSecond: 3 });
    const bin = keyCentreBin(48);
    const low = computeSpectrogram(note, { q: 'low', scale: 'magnitude' });
    const dynamic = computeSpectrogram(note, { scale: 'magnitude' });
    const high = computeSpectrogram(note, { q: 'high', scale: 'magnitude' });
    const lowRise = riseFrames(low.data, bin, low.frameCount);
    expect(riseFrames(dynamic.data, bin, dynamic.frameCount)).toBe(lowRise);
    expect(lowRise).toBeLessThanOrEqual(3);
    expect(riseFrames(high.data, bin, high.frameCount)).toBeGreaterThan(lowRise);
    // No cell of an isolated note is blended at all.
    expectAllClose(dynamic.data, low.data, { atol: 0, rowWidth: BIN_COUNT });
  });
});

describe('computeSpectrogram: blocks', () => {
  it('gives the same output whatever the block length (blocks only bound memory)', () => {
    const x = mix(
      harmonicTone({ hz: 220, totalSeconds: 3 }),
      harmonicTone({ hz: 233.08, startSeconds: 0.7, totalSeconds: 3, decayPerSecond: 1 }),
      harmonicTone({ hz: 55, startSeconds: 1.3, totalSeconds: 3, decayPerSecond: 2 }),
    );
    const whole = computeSpectrogram(x, { blockFrames: 100_000 });
    for (const blockFrames of [37, 128]) {
      expectAllClose(computeSpectrogram(x, { blockFrames }).data, whole.data, { atol: 1e-6, rowWidth: BIN_COUNT });
    }
  });
});
