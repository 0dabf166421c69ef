import { ONSETS_WASM_BASE64 } from './wasm/generated/onsets';
import type { instantiate } from './wasm/generated/onsets.bindings';
import { type BoundExports, instantiateEmbedded, WasmArena } from '../wasm/memory';
import type { OnsetSettings } from './constants';

/**
 * The onset detection function's kernel (core/onsets/wasm/src/onsets.ts): an i32x4 screen of the cells that can rise, then
 * each rising cell measured in float64 with fdlibm's exp, bit for bit as core/onsets/detect.ts defines it. Used by
 * `onsetStrength`, which streams the spectrogram through it in blocks of rows (`OnsetKernel.strength`).
 */
/** The kernel's exports, as the compiler types them (`asc --bindings`, wasm/generated/onsets.bindings.d.ts). */
type OnsetExports = BoundExports<typeof instantiate>;

/** What `OnsetKernel.strength` measures: see core/onsets/detect.ts `onsetStrength`. */
export interface StrengthInput {
  /** `[frame][bin]` spectrogram values. */
  readonly data: Float32Array;
  readonly frameCount: number;
  readonly binCount: number;
  /** Each bin's rise is measured against the maximum of frames n − lag − reference + 1 … n − lag … */
  readonly lagFrames: number;
  readonly referenceFrames: number;
  /** … within ±this many bins. */
  readonly maxFilterBins: number;
  /** Levels below this count as this. */
  readonly levelFloor: number;
  /** Natural-log magnitude per spectrogram unit. */
  readonly magnitudePerUnit: number;
  /** h_b per bin, frames (≥ 0). */
  readonly spans: Int32Array;
}

/** What `OnsetKernel.pick` reads of the onset settings (core/onsets/constants.ts has their meaning). */
export type PickSettings = Pick<
  OnsetSettings,
  | 'peakBeforeFrames'
  | 'peakAfterFrames'
  | 'medianBeforeFrames'
  | 'medianAfterFrames'
  | 'threshold'
  | 'recentRatio'
  | 'recentFrames'
  | 'minSpacingFrames'
>;

/**
 * Frames per block. The block's rows (plus the look-back and look-ahead around them) are all the kernel holds of the
 * spectrogram: 128 rows of 352 bins are 180 kB, whatever the audio's length. Small blocks also get V8 to optimise
 * the kernel early in the first call (it starts in its baseline compiler); the per-call overhead (a copy of the
 * overlap, one call) is still small against 1.3 s of audio.
 */
const BLOCK_FRAMES = 128;

export class OnsetKernel {
  readonly arena: WasmArena;
  private readonly exports: OnsetExports;

  constructor() {
    const { exports, memory } = instantiateEmbedded<OnsetExports>(ONSETS_WASM_BASE64);
    this.exports = exports;
    this.arena = new WasmArena(memory);
  }

  /**
   * The onset strength of every frame, bit for bit as core/onsets/detect.ts's definition; `undefined` when the
   * spectrogram holds NaN or ±∞ (which the kernel does not reproduce: the caller measures those in TypeScript).
   */
  strength(input: StrengthInput): Float32Array | undefined {
    const { data, frameCount, binCount, lagFrames, referenceFrames, spans } = input;
    let maxSpan = 0;
    for (const span of spans) maxSpan = Math.max(maxSpan, span);
    const before = lagFrames + referenceFrames - 1;
    const capacity = Math.min(frameCount, BLOCK_FRAMES + before + maxSpan);
    const block = Math.min(frameCount, BLOCK_FRAMES);
    const arena = this.arena;
    const mark = arena.mark();
    try {
      // The kernel reads whole vectors of four bins and masks what lies outside the rows, so it needs readable bytes
      // around them (4 · radius + 16 each side); spans are zero-padded to whole vectors.
      const slack = 16 * Math.ceil((4 * input.maxFilterBins + 16) / 16);
      const rowsPointer = arena.allocate(4 * capacity * binCount + 2 * slack) + slack;
      const spanCount = Math.ceil(binCount / 4) * 4;
      const spansPointer = arena.allocate(4 * spanCount);
      const workPointer = arena.allocate(this.exports.strengthWorkBytes(binCount));
      const outPointer = arena.allocate(4 * block);
      // Views only now: the allocations above may have grown (and so detached) the memory.
      const rows = arena.f32(rowsPointer, capacity * binCount);
      arena.i32(spansPointer, spanCount).fill(0).set(spans);
      const out = arena.f32(outPointer, block);
      const strength = new Float32Array(frameCount);
      for (let first = 0; first < frameCount; first += BLOCK_FRAMES) {
        const end = Math.min(frameCount, first + BLOCK_FRAMES);
        const rowBase = Math.max(0, first - before);
        const rowEnd = Math.min(frameCount, end + maxSpan);
        rows.set(data.subarray(rowBase * binCount, rowEnd * binCount));
        const bad = this.exports.strengthBlock(
          rowsPointer,
          rowBase,
          first,
          end,
          frameCount,
          binCount,
          lagFrames,
          referenceFrames,
          input.maxFilterBins,
          input.levelFloor,
          float32AtOrBelow(input.levelFloor),
          input.magnitudePerUnit,
          spansPointer,
          workPointer,
          outPointer,
        );
        if (bad !== 0) return undefined;
        strength.set(out.subarray(0, end - first), first);
      }
      return strength;
    } finally {
      arena.release(mark);
    }
  }

  /**
   * Onset frames picked from `strength`, as core/onsets/detect.ts `pickOnsets` defines them; `undefined` when a
   * strength is NaN or ±∞ (the caller picks those in TypeScript).
   */
  pick(strength: Float32Array, settings: PickSettings): Int32Array | undefined {
    const arena = this.arena;
    const mark = arena.mark();
    try {
      const count = strength.length;
      const windowLength = settings.medianBeforeFrames + 1 + settings.medianAfterFrames;
      const strengthPointer = arena.allocate(4 * count);
      const windowPointer = arena.allocate(4 * windowLength);
      const outPointer = arena.allocate(4 * count);
      arena.f32(strengthPointer, count).set(strength);
      const picked = this.exports.pickPeaks(
        strengthPointer,
        count,
        settings.peakBeforeFrames,
        settings.peakAfterFrames,
        settings.medianBeforeFrames,
        settings.medianAfterFrames,
        settings.threshold,
        settings.recentRatio,
        settings.recentFrames,
        settings.minSpacingFrames,
        windowPointer,
        outPointer,
      );
      return picked < 0 ? undefined : arena.i32(outPointer, picked).slice();
    } finally {
      arena.release(mark);
    }
  }

  /** fdlibm's e^x of each value, one at a time (`pairs` false) or two lanes at a time, for the tests. */
  exp(values: Float64Array, pairs = false): Float64Array {
    const arena = this.arena;
    const mark = arena.mark();
    try {
      const length = values.length + (values.length & 1);
      const input = arena.allocate(8 * length);
      const output = arena.allocate(8 * length);
      arena.f64(input, length).fill(0).set(values);
      if (pairs) this.exports.expPairArray(input, output, length);
      else this.exports.expArray(input, output, values.length);
      return arena.f64(output, values.length).slice();
    } finally {
      arena.release(mark);
    }
  }
}

/** The largest float32 at or below `value` (v > value exactly when v > this, for every float32 v). */
function float32AtOrBelow(value: number): number {
  const rounded = Math.fround(value);
  if (rounded <= value) return rounded;
  // Rounded up: step one float32 down.
  const bits = new Int32Array(new Float32Array([rounded]).buffer);
  if (rounded === 0) bits[0] = -0x7fffffff; // the negative float32 nearest zero (bits 0x80000001)
  else bits[0] = bits[0]! + (rounded > 0 ? -1 : 1);
  return new Float32Array(bits.buffer)[0]!;
}

let shared: OnsetKernel | undefined;

/** The process's one onset kernel instance; every buffer in it belongs to one call, between mark and release. */
export function onsetKernel(): OnsetKernel {
  shared ??= new OnsetKernel();
  return shared;
}
