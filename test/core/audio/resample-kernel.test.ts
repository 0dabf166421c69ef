import { resample, resampleFrom, resamplerDesign } from '../../../core/audio/resample';
import { resampleKernel } from '../../../core/audio/resample-kernel';
import { resampleReference } from '../audio/resample-reference';

/** Deterministic white noise in [-1, 1): the hardest signal for rounding (every tap contributes). */
function noise(length: number, seed = length + 1): Float32Array {
  const out = new Float32Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x / 2 ** 31 - 1;
  }
  return out;
}

/** Largest |actual − expected|; fails with the index and its neighbours when the lengths or values disagree. */
function expectClose(actual: Float32Array, expected: Float32Array, tolerance: number): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  if (!(worst < tolerance)) {
    const around = (a: Float32Array): number[] => Array.from(a.subarray(Math.max(0, at - 2), at + 3));
    throw new Error(`max difference ${worst} at ${at}: got ${around(actual).join(', ')}, expected ${around(expected).join(', ')}`);
  }
  return worst;
}

/** Rates the engine meets (8–192 kHz in, 16 kHz out), one with no small common divisor (the maxPhases path). */
const RATE_PAIRS: [number, number][] = [
  [44_100, 16_000],
  [48_000, 16_000],
  [22_050, 16_000],
  [11_025, 16_000],
  [8_000, 16_000],
  [96_000, 16_000],
  [192_000, 16_000],
  [44_101, 16_000],
  [16_000, 44_100],
];

describe('resample (WebAssembly kernel) against the TypeScript reference', () => {
  it.each(RATE_PAIRS)('%i Hz → %i Hz: 3 s of noise within 1e-5, first and last samples included', (inRate, outRate) => {
    const input = noise(3 * inRate);
    const expected = resampleReference(input, inRate, outRate);
    const actual = resample(input, inRate, outRate);
    expect(expectClose(actual, expected, 1e-5)).toBeLessThan(1e-5);
    // The edges, where the window reaches past the signal and the reference sums only the samples inside.
    for (const i of [0, 1, 2, expected.length - 2, expected.length - 1]) {
      expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThan(1e-6);
    }
  });

  it('uses a table of fewer phases than up for 44 101 Hz, and picks the same rows', () => {
    const { up, phases } = resamplerDesign(44_101, 16_000);
    expect(up).toBe(16_000);
    expect(phases).toBe(4096);
    // A full-scale tone near the top of the passband moves most between neighbouring rows: a different row choice
    // would show up far above 1e-5.
    const input = Float32Array.from({ length: 44_101 }, (_, i) => Math.sin((2 * Math.PI * 4_900 * i) / 44_101));
    expectClose(resample(input, 44_101), resampleReference(input, 44_101, 16_000), 1e-5);
  });

  it.each(RATE_PAIRS)('%i Hz → %i Hz: inputs shorter than the filter (0 … 200 samples)', (inRate, outRate) => {
    for (const length of [0, 1, 2, 3, 4, 5, 7, 36, 37, 38, 75, 76, 77, 200]) {
      const input = noise(length);
      expectClose(resample(input, inRate, outRate), resampleReference(input, inRate, outRate), 1e-5);
    }
  });

  it('streams: resampleFrom asks for consecutive blocks covering the input once and gives resample’s output', () => {
    const input = noise(100_003);
    const ranges: [number, number][] = [];
    const streamed = resampleFrom(input.length, 44_100, 16_000, (target, first) => {
      ranges.push([first, target.length]);
      target.set(input.subarray(first, first + target.length));
    });
    expect(Array.from(streamed)).toEqual(Array.from(resample(input, 44_100)));
    expect(ranges.length).toBeGreaterThan(1);
    let next = 0;
    for (const [first, length] of ranges) {
      expect(first).toBe(next);
      expect(length).toBeGreaterThan(0);
      next += length;
    }
    expect(next).toBe(input.length);
  });

  it('streams at equal rates as a plain copy', () => {
    const input = noise(40_000);
    const streamed = resampleFrom(input.length, 16_000, 16_000, (target, first) =>
      target.set(input.subarray(first, first + target.length)),
    );
    expect(Array.from(streamed)).toEqual(Array.from(input));
  });

  it('gives back all its kernel memory, also when the reader throws', () => {
    const { arena } = resampleKernel();
    const mark = arena.mark();
    resample(noise(50_000), 44_100);
    expect(arena.mark()).toBe(mark);
    expect(() =>
      resampleFrom(50_000, 44_100, 16_000, (_target, first) => {
        if (first > 0) throw new Error('reader failed');
      }),
    ).toThrow('reader failed');
    expect(arena.mark()).toBe(mark);
  });

  it('stores a table with each row padded to whole vectors with zeros', () => {
    const design = resamplerDesign(48_000, 16_000);
    const kernel = resampleKernel();
    const mark = kernel.arena.mark();
    try {
      const table = kernel.storeTable(design.table, design.phases + 1, design.taps);
      expect(table.stride % 4).toBe(0);
      expect(table.stride - design.taps).toBeLessThan(4);
      const stored = kernel.arena.f32(table.pointer, table.rows * table.stride);
      for (let r = 0; r < table.rows; r++) {
        for (let k = 0; k < table.stride; k++) {
          expect(stored[r * table.stride + k]).toBe(k < design.taps ? design.table[r * design.taps + k] : 0);
        }
      }
    } finally {
      kernel.arena.release(mark);
    }
  });

  it('sums each output in the documented order, bit for bit (two outputs per pass and the odd one out alike)', () => {
    // The kernel's order: lane-wise partial sums a over vectors 0, 2, 4, … and b over 1, 3, 5, …, each from +0;
    // then a + b; then (lane 0 + lane 1) + (lane 2 + lane 3). Every step rounded to f32 here as it is there.
    const f = Math.fround;
    const mismatches: string[] = [];
    for (const [inRate, outRate] of [[44_100, 16_000], [8_000, 16_000], [44_101, 16_000]] as const) {
      const input = noise(3_001, inRate);
      const actual = resample(input, inRate, outRate);
      const { up, down, taps, phases, table } = resamplerDesign(inRate, outRate);
      const stride = Math.ceil(taps / 4) * 4;
      const padded = new Float32Array(taps / 2 - 1 + input.length + 2 * stride);
      padded.set(input, taps / 2 - 1);
      for (let n = 0; n < actual.length; n++) {
        const whole = Math.floor((n * down) / up);
        const frac = n * down - whole * up;
        const row = phases === up ? frac : Math.round((frac / up) * phases);
        const tap = (k: number): number => (k < taps ? table[row * taps + k]! : 0);
        const a = [0, 0, 0, 0];
        const b = [0, 0, 0, 0];
        for (let v = 0; v < stride / 4; v++) {
          const sums = v % 2 === 0 ? a : b;
          for (let l = 0; l < 4; l++) sums[l] = f(sums[l]! + f(padded[whole + 4 * v + l]! * tap(4 * v + l)));
        }
        const s = a.map((x, l) => f(x + b[l]!));
        const expected = f(f(f(s[0]! + s[1]!) + f(s[2]! + s[3]!)));
        if (!Object.is(actual[n], expected)) mismatches.push(`${inRate} Hz: output ${n} is ${actual[n]}, expected ${expected}`);
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});

describe('ResampleKernel.pcm16ToMono', () => {
  /** Random 16-bit samples with both extremes, `frames × channels` of them after `offset` spare bytes. */
  function pcm(frames: number, channels: number, offset: number): { bytes: Uint8Array; values: Int16Array } {
    const values = new Int16Array(frames * channels);
    const random = noise(values.length, frames * 7 + channels);
    for (let i = 0; i < values.length; i++) values[i] = Math.round(random[i]! * 32767.5 - 0.5);
    if (values.length > 2) values.set([-32768, 32767], values.length >> 1);
    const bytes = new Uint8Array(offset + 2 * values.length);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setInt16(offset + 2 * i, v, true));
    return { bytes: bytes.subarray(offset), values };
  }

  /** wav.ts's definition: the f64 sum · (1 / channels) · (1 / 32768), rounded to f32; the peak as an integer. */
  function plain(values: Int16Array, channels: number): { mono: Float32Array; peak: number } {
    const mono = new Float32Array(values.length / channels);
    let peak = 0;
    for (let frame = 0; frame < mono.length; frame++) {
      let sum = 0;
      for (let c = 0; c < channels; c++) {
        const v = values[frame * channels + c]!;
        sum += v;
        peak = Math.max(peak, Math.abs(v));
      }
      mono[frame] = sum * (1 / channels) * (1 / 32768);
    }
    return { mono, peak };
  }

  it.each([1, 2, 3, 6, 64])('%i channel(s): same bits and peak as the plain definition, in kernel memory or not', (channels) => {
    const kernel = resampleKernel();
    // More than one 64 KiB staging chunk in every case but the smallest.
    for (const frames of channels > 8 ? [0, 1, 9, 1_100] : [0, 1, 7, 8, 9, 1_000, 40_000]) {
      for (const offset of [0, 1]) {
        const { bytes, values } = pcm(frames, channels, offset);
        const expected = plain(values, channels);
        const outside = new Float32Array(frames);
        expect(kernel.pcm16ToMono(bytes, channels, outside)).toBe(expected.peak);
        expect(Buffer.from(outside.buffer).equals(Buffer.from(expected.mono.buffer))).toBe(true);
        const mark = kernel.arena.mark();
        try {
          const inside = kernel.arena.f32(kernel.arena.allocate(4 * frames), frames);
          expect(kernel.pcm16ToMono(bytes, channels, inside)).toBe(expected.peak);
          expect(Buffer.from(inside.slice().buffer).equals(Buffer.from(expected.mono.buffer))).toBe(true);
        } finally {
          kernel.arena.release(mark);
        }
      }
    }
  });

  it('refuses bytes that are not whole frames for the target', () => {
    expect(() => resampleKernel().pcm16ToMono(new Uint8Array(6), 2, new Float32Array(2))).toThrow(RangeError);
  });
});
