import { CQT_WASM_BASE64 } from './wasm/generated/cqt';
import type { instantiate } from './wasm/generated/cqt.bindings';
import { type BoundExports, instantiateEmbedded, WasmArena } from '../wasm/memory';
import type { SparseKernels } from './kernels';

/**
 * The constant-Q analysis kernel (core/spectrogram/wasm/src/cqt.ts): real FFTs of four frames at once in SIMD lanes, Brown–
 * Puckette sparse kernels and the log, in f32. Used by core/spectrogram/compute.ts; nothing else needs it.
 */
/** The kernel's exports, as the compiler types them (`asc --bindings`, wasm/generated/cqt.bindings.d.ts). */
type CqtExports = BoundExports<typeof instantiate>;

/** The tables of one real FFT length, in kernel memory. */
export interface FftTables {
  readonly fftSize: number;
  /** Complex FFT length (fftSize / 2). */
  readonly m: number;
  readonly bitrev: number;
  readonly twiddle: number;
  readonly post: number;
}

/** A run of bins' sparse spectral kernels in kernel memory (see core/spectrogram/kernels.ts for the layout). */
export interface KernelTables {
  readonly binCount: number;
  readonly start: number;
  readonly firstFftBin: number;
  readonly re: number;
  readonly im: number;
  /** Lowest and highest FFT bin any kernel reads. */
  readonly firstUsed: number;
  readonly lastUsed: number;
}

/** A half-band decimation filter's taps in kernel memory. */
export interface DecimationTaps {
  readonly pointer: number;
  readonly count: number;
  /** The kernel's f64 work for the odd samples of a run of outputs, and its length in f64s. */
  readonly scratch: number;
  readonly scratchCount: number;
}

/** Outputs per run of decimateByTwo's widened odd samples (their f64s stay in the first-level cache). */
const DECIMATION_RUN = 1024;

/** Work memory of the dynamic-Q rule in kernel memory, for planes of up to `frames` × `bins` cells. */
export interface DynamicQWorkTables {
  readonly pointer: number;
  readonly frames: number;
  readonly bins: number;
}

/** Parameters of the dynamic-Q rule as the kernel takes them (see core/spectrogram/dynamic-q.ts). */
export interface DynamicQParameters {
  /** Levels are clamped to this (natural log) before measuring. */
  readonly logFloor: number;
  /** dB per unit of natural-log magnitude (20 / ln 10, as the TypeScript side computes it). */
  readonly toDb: number;
  /** R: spans are [t − R, t + R], frames. */
  readonly radius: number;
  /** The range counts this many times against the total variation. */
  readonly excursionWeight: number;
  readonly thresholdDb: number;
  /** fullDb − thresholdDb. */
  readonly spanDb: number;
  readonly spreadBins: number;
}

export class CqtKernel {
  readonly arena: WasmArena;
  private readonly exports: CqtExports;
  private readonly tables = new Map<number, FftTables>();
  private scratchPointer = 0;
  private scratchBytes = 0;

  constructor() {
    const { exports, memory } = instantiateEmbedded<CqtExports>(CQT_WASM_BASE64);
    this.exports = exports;
    this.arena = new WasmArena(memory);
  }

  /** Tables for a real FFT of `fftSize` points (a power of two ≥ 8: the kernel's first stages take 4 points), built once. */
  fftTables(fftSize: number): FftTables {
    const known = this.tables.get(fftSize);
    if (known) return known;
    const m = fftSize / 2;
    const bits = Math.log2(m);
    if (!Number.isInteger(bits) || bits < 2) throw new RangeError(`fftTables: ${fftSize} is not a power of two ≥ 8`);
    const bitrev = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      let reversed = 0;
      for (let b = 0; b < bits; b++) if (i & (1 << b)) reversed |= 1 << (bits - 1 - b);
      bitrev[i] = reversed;
    }
    // e^{−2πij/m} for the complex FFT, e^{−2πik/fftSize} for unpacking the real spectrum.
    const twiddle = new Float64Array(m);
    for (let j = 0; j < m / 2; j++) {
      twiddle[2 * j] = Math.cos((2 * Math.PI * j) / m);
      twiddle[2 * j + 1] = -Math.sin((2 * Math.PI * j) / m);
    }
    const post = new Float64Array(2 * (m + 1));
    for (let k = 0; k <= m; k++) {
      post[2 * k] = Math.cos((2 * Math.PI * k) / fftSize);
      post[2 * k + 1] = -Math.sin((2 * Math.PI * k) / fftSize);
    }
    const made: FftTables = {
      fftSize,
      m,
      bitrev: this.arena.storeI32(bitrev),
      twiddle: this.arena.storeF32(twiddle),
      post: this.arena.storeF32(post),
    };
    this.tables.set(fftSize, made);
    this.reserveScratch(m);
    return made;
  }

  /** Copies one run of kernels into kernel memory (as f32). */
  storeKernels(kernels: SparseKernels): KernelTables {
    let firstUsed = Infinity;
    let lastUsed = -Infinity;
    for (let b = 0; b < kernels.binCount; b++) {
      const taps = kernels.start[b + 1]! - kernels.start[b]!;
      firstUsed = Math.min(firstUsed, kernels.firstFftBin[b]!);
      lastUsed = Math.max(lastUsed, kernels.firstFftBin[b]! + taps - 1);
    }
    return {
      binCount: kernels.binCount,
      start: this.arena.storeI32(kernels.start),
      firstFftBin: this.arena.storeI32(kernels.firstFftBin),
      re: this.arena.storeF32(kernels.re),
      im: this.arena.storeF32(kernels.im),
      firstUsed,
      lastUsed,
    };
  }

  /**
   * ½·ln|X_b|² of one run of bins for `frameCount` frames: frame r reads `fftSize` samples of `signal` from
   * `frames[r]·hop + offset` (zero outside [0, length)) and writes `out[r·outStride + binOffset + b]`.
   * All pointers are byte offsets into this kernel's memory.
   */
  analyse(call: {
    signal: number;
    length: number;
    frames: number;
    frameCount: number;
    hop: number;
    offset: number;
    fft: FftTables;
    kernels: KernelTables;
    out: number;
    outStride: number;
    binOffset: number;
  }): void {
    const { fft, kernels } = call;
    this.exports.analyse(
      call.signal,
      call.length,
      call.frames,
      call.frameCount,
      call.hop,
      call.offset,
      fft.m,
      fft.bitrev,
      fft.twiddle,
      fft.post,
      kernels.binCount,
      kernels.start,
      kernels.firstFftBin,
      kernels.re,
      kernels.im,
      kernels.firstUsed,
      kernels.lastUsed,
      call.out,
      call.outStride,
      call.binOffset,
      this.scratchPointer,
    );
  }

  /**
   * Half-band 2:1 decimation of `input` into `output` (views of this kernel's memory; `output` holds at least
   * ceil(input.length / 2) samples), bit-identical to core/spectrogram/decimate.ts's decimateByTwo with the same
   * `taps` ([centre, h(1), h(3), …]).
   */
  decimateByTwo(input: Float32Array, output: Float32Array, taps: DecimationTaps): Float32Array {
    const out = output.subarray(0, Math.ceil(input.length / 2));
    this.exports.decimateByTwo(input.byteOffset, input.length, out.byteOffset, taps.pointer, taps.count, taps.scratch, taps.scratchCount);
    return out;
  }

  /**
   * The output scale: `to[r·toStride + b] = max(0, a·from[r·bins + b] + c)` for `rows` rows of `bins` cells, in f64
   * then rounded to f32 (bit-identical to that TypeScript expression). Both are views of this kernel's memory.
   */
  scaleRows(call: { from: Float32Array; rows: number; bins: number; to: Float32Array; toStride: number; a: number; c: number }): void {
    const { from, rows, bins, to, toStride } = call;
    this.checkViews([from, 4 * rows * bins], [to, rows === 0 ? 0 : 4 * ((rows - 1) * toStride + bins)]);
    this.exports.scaleRows(from.byteOffset, rows, bins, to.byteOffset, toStride, call.a, call.c);
  }

  /**
   * Rows of a plane on sorted global `frames` (each row `bins` cells, into `out`) from its rows `atAnchors` on the
   * sorted, unique `anchors`: the multiples of `stride` around each frame (capped at frameCount − 1). A frame on an
   * anchor copies its row; any other is interpolated linearly between the two around it, in f64 then rounded to
   * f32. All are views of this kernel's memory.
   */
  interpolateAnchors(call: {
    atAnchors: Float32Array;
    anchors: Int32Array;
    frames: Int32Array;
    stride: number;
    frameCount: number;
    bins: number;
    out: Float32Array;
  }): void {
    const { atAnchors, anchors, frames, bins, out } = call;
    this.checkViews([atAnchors, 4 * anchors.length * bins], [anchors, 0], [frames, 0], [out, 4 * frames.length * bins]);
    this.exports.interpolateAnchors(
      atAnchors.byteOffset,
      anchors.byteOffset,
      frames.byteOffset,
      frames.length,
      call.stride,
      call.frameCount,
      bins,
      out.byteOffset,
    );
  }

  /** Reserves the dynamic-Q rule's work memory for planes of up to `frames` × `bins` cells (allocate before views). */
  dynamicQWork(frames: number, bins: number): DynamicQWorkTables {
    return { pointer: this.arena.allocate(this.exports.dynamicQWorkBytes(frames, bins)), frames, bins };
  }

  /**
   * The dynamic rule's low-Q pass on `low` (`[frameCount][binCount]`, a view of this kernel's memory): writes the
   * frames that need the high-Q analysis, plus `frameOffset`, to `framesOut` (a view of this kernel's memory) and
   * returns how many. Only frames outputStart … outputStart + outputCount − 1 make candidates.
   */
  findBeatingCandidates(call: {
    low: Float32Array;
    frameCount: number;
    binCount: number;
    outputStart: number;
    outputCount: number;
    framesOut: Int32Array;
    frameOffset: number;
    work: DynamicQWorkTables;
    parameters: DynamicQParameters;
  }): number {
    const { low, frameCount, binCount, work, parameters: p } = call;
    this.checkPlanes(frameCount, binCount, work, [low, 4 * frameCount * binCount], [call.framesOut, 4 * frameCount]);
    return this.exports.findBeatingCandidates(
      low.byteOffset,
      frameCount,
      binCount,
      work.pointer,
      work.frames,
      work.bins,
      p.logFloor,
      p.toDb,
      p.radius,
      p.excursionWeight,
      p.thresholdDb,
      call.outputStart,
      call.outputCount,
      call.frameOffset,
      call.framesOut.byteOffset,
    );
  }

  /**
   * The high-Q pass after `findBeatingCandidates` on the same `low` and `work`: blends `high` (`[rows][binCount]`,
   * row r for the r-th frame found) into `low` in place and returns the number of cells with a non-zero weight.
   */
  blendDynamicQ(call: {
    low: Float32Array;
    high: Float32Array;
    rows: number;
    frameCount: number;
    binCount: number;
    work: DynamicQWorkTables;
    parameters: DynamicQParameters;
  }): number {
    const { low, high, frameCount, binCount, work, parameters: p } = call;
    this.checkPlanes(frameCount, binCount, work, [low, 4 * frameCount * binCount], [high, 4 * call.rows * binCount]);
    return this.exports.blendDynamicQ(
      low.byteOffset,
      high.byteOffset,
      frameCount,
      binCount,
      work.pointer,
      work.frames,
      work.bins,
      p.logFloor,
      p.toDb,
      p.radius,
      p.excursionWeight,
      p.thresholdDb,
      p.spanDb,
      p.spreadBins,
    );
  }

  /**
   * The oscillation O (dB, float64) that both passes measure, of every cell of `plane` (`[frameCount][binCount]`)
   * into `out` (same shape; both views of this kernel's memory). For tests and diagnostics.
   */
  measureOscillation(call: {
    plane: Float32Array;
    frameCount: number;
    binCount: number;
    out: Float64Array;
    work: DynamicQWorkTables;
    parameters: DynamicQParameters;
  }): void {
    const { plane, frameCount, binCount, work, parameters: p } = call;
    const cells = frameCount * binCount;
    this.checkPlanes(frameCount, binCount, work, [plane, 4 * cells], [call.out, 8 * cells]);
    this.exports.measureOscillation(
      plane.byteOffset,
      frameCount,
      binCount,
      work.pointer,
      work.frames,
      work.bins,
      p.logFloor,
      p.toDb,
      p.radius,
      p.excursionWeight,
      call.out.byteOffset,
    );
  }

  /**
   * The kernel reads raw pointers: refuses work too small for the plane, and views (each with the bytes it must
   * hold) of other memory or too short.
   */
  private checkPlanes(frameCount: number, binCount: number, work: DynamicQWorkTables, ...views: [ArrayBufferView, number][]): void {
    if (frameCount > work.frames || binCount > work.bins) {
      throw new RangeError(`dynamic-Q work holds ${work.frames} × ${work.bins} cells, not ${frameCount} × ${binCount}`);
    }
    this.checkViews(...views);
  }

  /** Refuses views (each with the bytes it must hold) of other memory or too short: the kernel reads raw pointers. */
  private checkViews(...views: [ArrayBufferView, number][]): void {
    for (const [view, bytes] of views) {
      if (!this.arena.holds(view)) throw new RangeError('cqt kernel: a view outside kernel memory (or detached by a later allocation)');
      if (view.byteLength < bytes) throw new RangeError(`cqt kernel: a view of ${view.byteLength} bytes, ${bytes} needed`);
    }
  }

  /** Copies decimation taps ([centre, h(1), h(3), …], f64) into kernel memory, with the filter's work memory. */
  storeDecimationTaps(taps: Float64Array): DecimationTaps {
    const pointer = this.arena.allocate(8 * taps.length);
    this.arena.f64(pointer, taps.length).set(taps);
    const scratchCount = DECIMATION_RUN + 2 * taps.length;
    return { pointer, count: taps.length, scratch: this.arena.allocate(8 * scratchCount), scratchCount };
  }

  /** Scratch for the largest FFT seen: 2m packed-complex vectors and 2(m + 1) spectrum vectors of 16 bytes. */
  private reserveScratch(m: number): void {
    const bytes = (4 * m + 2) * 16;
    if (bytes <= this.scratchBytes) return;
    this.scratchPointer = this.arena.allocate(bytes);
    this.scratchBytes = bytes;
  }
}

let shared: CqtKernel | undefined;

/**
 * The process's one kernel instance. Tables (FFT, kernels, taps) are stored once, below every per-call buffer;
 * per-call buffers are allocated after `arena.mark()` and released by their caller.
 */
export function cqtKernel(): CqtKernel {
  shared ??= new CqtKernel();
  return shared;
}
