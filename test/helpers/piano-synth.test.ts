import FFT from 'fft.js';
import { midiToHz } from '../../core/params';
import { createRandom, randomPiece, renderPiano } from './piano-synth';

/** Magnitude spectrum of `samples[start … start + size)` with a Hann window; bin k is k · rate / size Hz. */
function spectrum(samples: Float32Array, start: number, size: number): Float64Array {
  const fft = new FFT(size);
  const input = new Array<number>(size);
  for (let i = 0; i < size; i++) input[i] = (samples[start + i] ?? 0) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size));
  const out = fft.createComplexArray() as number[];
  fft.realTransform(out, input);
  return Float64Array.from({ length: size / 2 }, (_, k) => Math.hypot(out[2 * k]!, out[2 * k + 1]!));
}

const rms = (samples: Float32Array, from: number, to: number): number => {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i]! ** 2;
  return Math.sqrt(sum / (to - from));
};

describe('renderPiano', () => {
  const a4 = [{ pitch: 69, onsetSeconds: 0.25, offsetSeconds: 1, velocity: 100 }];

  it('is deterministic, silent before the strike, and normalised to the requested peak', () => {
    const once = renderPiano(a4, { durationSeconds: 1.5 });
    expect(once).toEqual(renderPiano(a4, { durationSeconds: 1.5 }));
    expect(once.length).toBe(24_000);
    expect(once.subarray(0, 4000).every((value) => value === 0)).toBe(true);
    expect(Math.max(...once.map(Math.abs))).toBeCloseTo(0.9, 6);
    expect(renderPiano(a4, { durationSeconds: 1.5, seed: 2 })).not.toEqual(once);
  });

  it('puts the strongest partial at the fundamental and stretches upper partials (inharmonicity)', () => {
    const samples = renderPiano(a4, { durationSeconds: 1.5 });
    const magnitudes = spectrum(samples, 4400, 8192); // 1.95 Hz per bin
    const hzPerBin = 16_000 / 8192;
    let strongest = 0;
    for (let k = 1; k < magnitudes.length; k++) if (magnitudes[k]! > magnitudes[strongest]!) strongest = k;
    expect(Math.abs(strongest * hzPerBin - midiToHz(69))).toBeLessThan(2 * hzPerBin);
    // B = 1e-4 · 2^(21/18) ≈ 2.2e-4 puts the 8th partial at 8 · 440 · √(1 + 64 B) ≈ 3545 Hz, 25 Hz above 8 × 440.
    const around = (hz: number): number => {
      let best = Math.round(hz / hzPerBin);
      const centre = best;
      for (let k = centre - 20; k <= centre + 20; k++) if (magnitudes[k]! > magnitudes[best]!) best = k;
      return best * hzPerBin;
    };
    expect(Math.abs(around(8 * 440) - 3545)).toBeLessThan(3 * hzPerBin);
  });

  it('decays while held, dies quickly after the damper, and is louder for harder strikes', () => {
    const samples = renderPiano(a4, { durationSeconds: 1.5, normalisePeak: false });
    const early = rms(samples, 4000, 4800);
    const held = rms(samples, 14_400, 15_200);
    const released = rms(samples, 20_000, 20_800);
    expect(held).toBeLessThan(early);
    expect(released).toBeLessThan(held / 100);
    const soft = renderPiano([{ ...a4[0]!, velocity: 30 }], { durationSeconds: 1.5, normalisePeak: false });
    // Level ∝ velocity² is 21 dB between 100 and 30; the softer strike's duller spectrum takes a little back.
    expect(20 * Math.log10(early / rms(soft, 4000, 4800))).toBeGreaterThan(15);
  });
});

describe('randomPiece', () => {
  it('is reproducible, sorted, and never strikes a key that is still held', () => {
    const piece = randomPiece({ seed: 5, events: 80, repeatProbability: 0.5 });
    expect(piece).toEqual(randomPiece({ seed: 5, events: 80, repeatProbability: 0.5 }));
    expect(piece.onsetSeconds.length).toBe(80);
    expect(piece.onsetSeconds).toEqual([...piece.onsetSeconds].sort((a, b) => a - b));
    for (const note of piece.notes) {
      for (const other of piece.notes) {
        if (other !== note && other.pitch === note.pitch && other.onsetSeconds > note.onsetSeconds) {
          expect(note.offsetSeconds).toBeLessThanOrEqual(other.onsetSeconds);
        }
      }
    }
  });

  it('draws from a seeded generator in [0, 1)', () => {
    const random = createRandom(42);
    const values = Array.from({ length: 1000 }, random);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(createRandom(42)()).toBe(values[0]);
  });
});
