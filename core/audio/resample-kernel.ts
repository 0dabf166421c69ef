import { RESAMPLE_WASM_BASE64 } from './wasm/generated/resample';
import type { instantiate } from './wasm/generated/resample.bindings';
import { type BoundExports, instantiateEmbedded, WasmArena } from '../wasm/memory';

/**
 * The polyphase resampler's kernel (core/audio/wasm/src/resample.ts): one f32x4 dot product of a filter row with the
 * input per output sample, and the 16-bit PCM → mono conversion (eight samples per SIMD step) that feeds it. Used by core/audio/resample.ts, which designs the filter and streams the signal through
 * a window buffer in this kernel's memory.
 */
/** The kernel's exports, as the compiler types them (`asc --bindings`, wasm/generated/resample.bindings.d.ts). */
type ResampleExports = BoundExports<typeof instantiate>;

/** A polyphase filter table in kernel memory: `rows` rows of `stride` f32 taps, zero past the filter's own taps. */
export interface ResampleTable {
  readonly pointer: number;
  readonly rows: number;
  /** Taps per row rounded up to a whole number of 4-float vectors. */
  readonly stride: number;
}

/** One block of outputs: see `ResampleKernel.run`. */
export interface ResampleBlock {
  /** Byte offset of the window buffer (f32) in kernel memory. */
  readonly input: number;
  /** Index in the window buffer of the first output's first tap. */
  readonly whole: number;
  /** The first output's phase numerator, in [0, up). */
  readonly frac: number;
  readonly count: number;
  readonly up: number;
  readonly down: number;
  /** Table rows used: `up`, or fewer (the nearest row is taken, as core/audio/resample.ts's design says). */
  readonly phases: number;
  readonly table: ResampleTable;
  /** Byte offset of `count` f32 outputs in kernel memory. */
  readonly out: number;
}

/**
 * Bytes of 16-bit PCM converted per kernel call (64 KiB: a whole 16 384-frame block of a stereo file). The staging
 * area and its f32 twin are the kernel's own, allocated once before any caller's buffers, so converting allocates
 * nothing and never detaches a caller's view.
 */
const PCM_STAGING_BYTES = 65_536;

export class ResampleKernel {
  readonly arena: WasmArena;
  private readonly exports: ResampleExports;
  private readonly memory: WebAssembly.Memory;
  private readonly pcmStaging: number;
  private readonly monoStaging: number;

  constructor() {
    const { exports, memory } = instantiateEmbedded<ResampleExports>(RESAMPLE_WASM_BASE64);
    this.exports = exports;
    this.memory = memory;
    this.arena = new WasmArena(memory);
    this.pcmStaging = this.arena.allocate(PCM_STAGING_BYTES);
    this.monoStaging = this.arena.allocate(2 * PCM_STAGING_BYTES);
  }

  /**
   * Averages interleaved 16-bit little-endian PCM frames (`bytes`, `channels` samples each, any byte offset) into
   * `target`, one value per frame: sum · (1 / channels) · (1 / 32768), rounded to f32 once, as core/audio/wav.ts
   * defines it. Returns the largest |sample| of any channel as an integer (0 … 32768). `target` may be a view of
   * this kernel's memory (written in place, as the resampler's window is) or any other Float32Array.
   */
  pcm16ToMono(bytes: Uint8Array, channels: number, target: Float32Array): number {
    const frames = target.length;
    if (bytes.length !== frames * channels * 2) {
      throw new RangeError(`ResampleKernel.pcm16ToMono: ${bytes.length} bytes ≠ ${frames} frames × ${channels} channels × 2`);
    }
    const inPlace = this.arena.holds(target);
    const chunk = Math.floor(PCM_STAGING_BYTES / (2 * channels));
    const memory = new Uint8Array(this.memory.buffer);
    let peak = 0;
    for (let first = 0; first < frames; first += chunk) {
      const count = Math.min(chunk, frames - first);
      memory.set(bytes.subarray(first * channels * 2, (first + count) * channels * 2), this.pcmStaging);
      const out = inPlace ? target.byteOffset + 4 * first : this.monoStaging;
      peak = Math.max(peak, this.exports.pcm16ToMono(this.pcmStaging, out, count, channels));
      if (!inPlace) target.set(this.arena.f32(this.monoStaging, count), first);
    }
    return peak;
  }

  /**
   * Copies a `rows × taps` f32 table into kernel memory with each row padded with zeros to a multiple of four taps.
   * Stored per call, after the caller's `arena.mark()`, not cached: wasm memory never shrinks, and a worker that
   * met many odd rates (a 4097-row table is 1.2 MB) would otherwise keep every table for good. The copy costs far
   * less than one block of outputs.
   */
  storeTable(values: Float32Array, rows: number, taps: number): ResampleTable {
    if (values.length !== rows * taps) throw new RangeError(`ResampleKernel.storeTable: ${values.length} values ≠ ${rows} × ${taps}`);
    const stride = Math.ceil(taps / 4) * 4;
    const pointer = this.arena.allocate(4 * rows * stride);
    const view = this.arena.f32(pointer, rows * stride);
    view.fill(0);
    for (let r = 0; r < rows; r++) view.set(values.subarray(r * taps, (r + 1) * taps), r * stride);
    return { pointer, rows, stride };
  }

  /**
   * Writes `count` outputs: output i is Σ_k window[w_i + k] · row_i[k] over the row's `stride` taps, where
   * w_0 = whole and each step advances the position by down / up input samples (w by ⌊down/up⌋, the phase
   * numerator by down mod up, carrying). Every window read must lie inside the buffer: the caller zero-pads.
   * With a row per phase the kernel goes phase by phase (three outputs of one row at a time), else output by output
   * in pairs; the order of operations within each output, and so every bit, is the same either way.
   */
  run(block: ResampleBlock): void {
    // Phase by phase pays once at least three outputs share each row; with fewer, output by output in pairs.
    if (block.phases === block.up && block.count >= 3 * block.up) {
      this.exports.resampleByPhase(
        block.input,
        block.whole,
        block.frac,
        block.count,
        block.up,
        block.down,
        block.table.pointer,
        block.table.stride,
        block.out,
      );
      return;
    }
    const wholeStep = Math.floor(block.down / block.up);
    this.exports.resampleBlock(
      block.input,
      block.whole,
      block.frac,
      block.count,
      block.up,
      wholeStep,
      block.down - wholeStep * block.up,
      block.phases,
      block.table.pointer,
      block.table.stride,
      block.out,
    );
  }
}

let shared: ResampleKernel | undefined;

/** The process's one resampler kernel instance; every buffer in it belongs to one call, between mark and release. */
export function resampleKernel(): ResampleKernel {
  shared ??= new ResampleKernel();
  return shared;
}
