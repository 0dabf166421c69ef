import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decimateByTwo, DECIMATION_TAPS } from '../../../core/spectrogram/decimate';
import { cqtKernel } from '../../../core/wasm/cqt';
import { generatedModule, kernelNames } from '../../../scripts/build-wasm';

describe('wasm kernels', () => {
  it.each(kernelNames())('core/wasm/generated/%s.ts is the build of its source (run npm run build:wasm)', (name) => {
    const committed = readFileSync(path.join(__dirname, '..', '..', '..', 'core', 'wasm', 'generated', `${name}.ts`), 'utf8');
    expect(generatedModule(name)).toBe(committed);
  });

  it.each([1, 2, 3, 27, 28, 29, 1000, 4097])('decimates %i samples bit for bit like the TypeScript reference', (length) => {
    const kernel = cqtKernel();
    const mark = kernel.arena.mark();
    try {
      const inputPointer = kernel.arena.allocate(4 * length);
      const outputPointer = kernel.arena.allocate(4 * Math.ceil(length / 2));
      const taps = kernel.storeDecimationTaps(DECIMATION_TAPS);
      const input = kernel.arena.f32(inputPointer, length);
      let seed = length;
      for (let i = 0; i < length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        input[i] = seed / 2 ** 31 - 1;
      }
      const expected = decimateByTwo(input);
      const actual = kernel.decimateByTwo(input, kernel.arena.f32(outputPointer, Math.ceil(length / 2)), taps);
      expect(Array.from(actual)).toEqual(Array.from(expected));
    } finally {
      kernel.arena.release(mark);
    }
  });

  it('hands out aligned, disjoint buffers and grows its memory as needed', () => {
    const { arena } = cqtKernel();
    const mark = arena.mark();
    try {
      const small = arena.allocate(3);
      const big = arena.allocate(5 * 65536);
      expect(small % 16).toBe(0);
      expect(big % 16).toBe(0);
      expect(big).toBeGreaterThanOrEqual(small + 16);
      const view = arena.f32(big, 5 * 16384);
      view[view.length - 1] = 7;
      expect(arena.f32(big, 5 * 16384)[5 * 16384 - 1]).toBe(7);
    } finally {
      arena.release(mark);
    }
    expect(arena.mark()).toBe(mark);
  });
});
