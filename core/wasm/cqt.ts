import { CQT_WASM_BASE64 } from './generated/cqt';
import { instantiateEmbedded, WasmArena } from './memory';

/**
 * The constant-Q analysis kernel (core/wasm/src/cqt.ts): real FFTs of four frames at once in SIMD lanes, Brown–
 * Puckette sparse kernels and the log, in f32. Used by core/spectrogram/compute.ts; nothing else needs it.
 */
interface CqtExports extends WebAssembly.Exports {
  analyse(
    signal: number,
    length: number,
    frames: number,
    frameCount: number,
    hop: number,
    offset: number,
    m: number,
    bitrev: number,
    twiddle: number,
    post: number,
    binCount: number,
    start: number,
    firstFftBin: number,
    kernelRe: number,
    kernelIm: number,
    firstUsed: number,
    lastUsed: number,
    out: number,
    outStride: number,
    binOffset: number,
    scratch: number,
  ): void;
  decimateByTwo(input: number, length: number, out: number, taps: number, tapCount: number): void;
}

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
}

/** Kernels as built on the TypeScript side (SparseKernels is structurally this). */
export interface SparseKernelSource {
  readonly fftSize: number;
  readonly binCount: number;
  readonly start: Int32Array;
  readonly firstFftBin: Int32Array;
  readonly re: Float64Array;
  readonly im: Float64Array;
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

  /** Tables for a real FFT of `fftSize` points (a power of two ≥ 4), built once. */
  fftTables(fftSize: number): FftTables {
    const known = this.tables.get(fftSize);
    if (known) return known;
    const m = fftSize / 2;
    const bits = Math.log2(m);
    if (!Number.isInteger(bits) || bits < 1) throw new RangeError(`fftTables: ${fftSize} is not a power of two ≥ 4`);
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
  storeKernels(kernels: SparseKernelSource): KernelTables {
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
    this.exports.decimateByTwo(input.byteOffset, input.length, out.byteOffset, taps.pointer, taps.count);
    return out;
  }

  /** Copies decimation taps ([centre, h(1), h(3), …], f64) into kernel memory. */
  storeDecimationTaps(taps: Float64Array): DecimationTaps {
    const pointer = this.arena.allocate(8 * taps.length);
    this.arena.f64(pointer, taps.length).set(taps);
    return { pointer, count: taps.length };
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
