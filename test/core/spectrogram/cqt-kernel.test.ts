import { decimateByTwo, DECIMATION_TAPS } from '../../../core/spectrogram/decimate';
import { buildKernels } from '../../../core/spectrogram/kernels';
import { SPECTROGRAM_SETTINGS } from '../../../core/spectrogram/settings';
import { cqtKernel } from '../../../core/spectrogram/cqt-kernel';

describe('the cqt kernel', () => {
  it.each([1, 2, 3, 27, 28, 29, 60, 61, 62, 63, 64, 65, 1000, 2055, 2062, 4097, 9001])('decimates %i samples bit for bit like the TypeScript reference', (length) => {
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

  it.each([1, 3, 4, 38, 48, 112])('scales %i-bin rows bit for bit like max(0, a·x + c) in TypeScript', (bins) => {
    const kernel = cqtKernel();
    const mark = kernel.arena.mark();
    try {
      const rows = 5;
      const stride = bins + 7;
      const fromPointer = kernel.arena.allocate(4 * rows * bins);
      const toPointer = kernel.arena.allocate(4 * rows * stride);
      const from = kernel.arena.f32(fromPointer, rows * bins);
      const to = kernel.arena.f32(toPointer, rows * stride).fill(-1);
      let seed = bins;
      for (let i = 0; i < from.length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        from[i] = (seed / 2 ** 32) * 40 - 30;
      }
      from[0] = -0;
      const a = 20 / Math.LN10 / 80;
      const c = 1 - a * Math.log(0.37);
      kernel.scaleRows({ from, rows, bins, to: to.subarray(3), toStride: stride, a, c });
      for (let r = 0; r < rows; r++) {
        for (let b = 0; b < bins; b++) {
          const v = a * from[r * bins + b]! + c;
          expect(to[3 + r * stride + b]).toBe(Math.fround(v > 0 ? v : 0));
        }
        // Cells between rows are left alone.
        if (r < rows - 1) expect(Array.from(to.subarray(3 + r * stride + bins, 3 + (r + 1) * stride))).toEqual(new Array(7).fill(-1));
      }
    } finally {
      kernel.arena.release(mark);
    }
  });

  it.each([1, 5, 48, 112])('interpolates %i-bin rows between anchors bit for bit like the TypeScript expression', (bins) => {
    const kernel = cqtKernel();
    const mark = kernel.arena.mark();
    try {
      const stride = 4;
      const frameCount = 23;
      const frames = [0, 1, 2, 5, 8, 9, 11, 20, 21, 22];
      // Anchors as analyseHighStrided lays them out: the multiples of the stride around each frame, and the last frame.
      const anchors = [0, 4, 8, 12, 20, 22];
      const anchorPointer = kernel.arena.allocate(4 * anchors.length);
      const framePointer = kernel.arena.allocate(4 * frames.length);
      const planePointer = kernel.arena.allocate(4 * anchors.length * bins);
      const outPointer = kernel.arena.allocate(4 * frames.length * bins);
      kernel.arena.i32(anchorPointer, anchors.length).set(anchors);
      kernel.arena.i32(framePointer, frames.length).set(frames);
      const atAnchors = kernel.arena.f32(planePointer, anchors.length * bins);
      let seed = bins;
      for (let i = 0; i < atAnchors.length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        atAnchors[i] = (seed / 2 ** 32) * 20 - 15;
      }
      const out = kernel.arena.f32(outPointer, frames.length * bins);
      kernel.interpolateAnchors({
        atAnchors,
        anchors: kernel.arena.i32(anchorPointer, anchors.length),
        frames: kernel.arena.i32(framePointer, frames.length),
        stride,
        frameCount,
        bins,
        out,
      });
      frames.forEach((f, r) => {
        const before = f - (f % stride);
        const after = Math.min(before + stride, frameCount - 1);
        const a = anchors.indexOf(before) * bins;
        const z = anchors.indexOf(after) * bins;
        const t = (f - before) / (after - before);
        for (let b = 0; b < bins; b++) {
          const expected = before === f ? atAnchors[a + b]! : Math.fround(atAnchors[a + b]! + t * (atAnchors[z + b]! - atAnchors[a + b]!));
          expect(out[r * bins + b]).toBe(expected);
        }
      });
    } finally {
      kernel.arena.release(mark);
    }
  });

  it.each([
    [128, 0],
    [256, 0],
    [512, 0],
    [128, 5],
  ])('analyses a %i-point frame to the same bits whether it reaches past the signal or not (group %i)', (fftSize, groupIndex) => {
    const group = SPECTROGRAM_SETTINGS.groups[groupIndex]!;
    const segment = [...group.segments.low, ...group.segments.high].find((s) => s.fftSize === fftSize)!;
    const resolution = group.segments.low.includes(segment) ? SPECTROGRAM_SETTINGS.lowQ : SPECTROGRAM_SETTINGS.highQ;
    const kernel = cqtKernel();
    const fft = kernel.fftTables(fftSize);
    const kernels = kernel.storeKernels(buildKernels(segment, group.sampleRateHz, resolution, SPECTROGRAM_SETTINGS.kernelThreshold));
    const mark = kernel.arena.mark();
    try {
      const length = 3 * fftSize + 7;
      const pad = fftSize;
      const hop = 5;
      // Frame starts from −fftSize/2 − 3 to past the end: the first and last batches reach outside the signal.
      const frameList = Array.from({ length: Math.ceil((length + fftSize) / hop) }, (_, i) => i);
      const offset = -fftSize / 2 - 3;
      const bins = kernels.binCount + 3;
      const signalPointer = kernel.arena.allocate(4 * length);
      const paddedPointer = kernel.arena.allocate(4 * (length + 2 * pad + fftSize));
      const framePointer = kernel.arena.allocate(4 * frameList.length);
      const edgePointer = kernel.arena.allocate(4 * frameList.length * bins);
      const insidePointer = kernel.arena.allocate(4 * frameList.length * bins);
      const signal = kernel.arena.f32(signalPointer, length);
      let seed = fftSize + groupIndex;
      for (let i = 0; i < length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        signal[i] = seed / 2 ** 31 - 1;
      }
      kernel.arena.f32(paddedPointer, length + 2 * pad + fftSize).fill(0).set(signal, pad);
      kernel.arena.i32(framePointer, frameList.length).set(frameList);
      const call = { frames: framePointer, frameCount: frameList.length, hop, fft, kernels, outStride: bins, binOffset: 2 };
      kernel.analyse({ ...call, signal: signalPointer, length, offset, out: edgePointer });
      kernel.analyse({ ...call, signal: paddedPointer, length: length + 2 * pad + fftSize, offset: offset + pad, out: insidePointer });
      const edge = kernel.arena.f32(edgePointer, frameList.length * bins);
      const inside = kernel.arena.f32(insidePointer, frameList.length * bins);
      for (let r = 0; r < frameList.length; r++) {
        for (let b = 0; b < kernels.binCount; b++) {
          expect(Number.isFinite(inside[r * bins + 2 + b])).toBe(true);
          expect(edge[r * bins + 2 + b]).toBe(inside[r * bins + 2 + b]);
        }
      }
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
