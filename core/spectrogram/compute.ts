import { BIN_COUNT, FRAME_RATE_HZ, HOP_SAMPLES } from '../params';
import type { Spectrogram } from '../types';
import { cqtKernel, type CqtKernel, type DecimationTaps, type FftTables, type KernelTables } from './cqt-kernel';
import { DECIMATION_REACH, DECIMATION_TAPS } from './decimate';
import { blendDynamicQ, dynamicQWork, findBeatingCandidates, type DynamicQWork } from './dynamic-q';
import { buildKernels, type SparseKernels } from './kernels';
import { SPECTROGRAM_SETTINGS, type BinGroup } from './settings';

/** Options of computeSpectrogram. The defaults are what features and models use. */
export interface SpectrogramOptions {
  /**
   * 'dynamic' (default): low Q, replaced by high Q where low-Q bins beat. 'low' / 'high': a fixed resolution
   * (for comparison and tests).
   */
  readonly q?: 'dynamic' | 'low' | 'high';
  /** 'log' (default): SPECTROGRAM_SETTINGS.amplitude. 'magnitude': linear, a sine of amplitude A on a bin reads A. */
  readonly scale?: 'log' | 'magnitude';
  /** Called with the fraction done, 0 … 1, after each block of frames. */
  readonly onProgress?: (fraction: number) => void;
  /** Filled in with what the dynamic-Q rule did (for the bench and diagnostics). */
  readonly stats?: SpectrogramStats;
  /**
   * Frames per processing block (memory only: the output does not depend on it). @default DEFAULT_BLOCK_FRAMES
   */
  readonly blockFrames?: number;
}

/** Counters of one computeSpectrogram call. */
export interface SpectrogramStats {
  /** Group-frames (one octave group × one frame) analysed at low Q, and at high Q. */
  lowGroupFrames: number;
  highGroupFrames: number;
  /** Cells `[frame][bin]` where the output moved toward high Q. */
  blendedCells: number;
}

/**
 * 2048 frames (20 s) per block: the per-block planes stay under 3 MB each, and the 2·spanFrames frames of context
 * analysed twice at block edges cost under 2 %.
 */
export const DEFAULT_BLOCK_FRAMES = 2048;

/** One FFT length of one resolution in a group, with its kernels in the wasm kernel's memory. */
interface SegmentPlan {
  readonly fft: FftTables;
  readonly kernels: KernelTables;
  /** Offset of the segment's first bin within the group. */
  readonly binOffset: number;
}

interface GroupPlan {
  readonly group: BinGroup;
  readonly low: readonly SegmentPlan[];
  readonly high: readonly SegmentPlan[];
  /** Largest FFT of the group (either resolution). */
  readonly longestFft: number;
}

let plans: GroupPlan[] | undefined;
let storedTaps: DecimationTaps | undefined;

function decimationTaps(): DecimationTaps {
  groupPlans();
  return storedTaps!;
}

function segmentPlans(kernel: CqtKernel, group: BinGroup, resolution: 'low' | 'high'): SegmentPlan[] {
  const settings = resolution === 'low' ? SPECTROGRAM_SETTINGS.lowQ : SPECTROGRAM_SETTINGS.highQ;
  return group.segments[resolution].map((segment) => {
    const kernels: SparseKernels = buildKernels(segment, group.sampleRateHz, settings, SPECTROGRAM_SETTINGS.kernelThreshold);
    return {
      fft: kernel.fftTables(segment.fftSize),
      kernels: kernel.storeKernels(kernels),
      binOffset: segment.firstBin - group.firstBin,
    };
  });
}

/**
 * Kernels depend only on the settings, so they are built once per process (~20 ms) and stay in the wasm kernel's
 * memory below every per-call buffer.
 */
function groupPlans(): GroupPlan[] {
  const kernel = cqtKernel();
  storedTaps ??= kernel.storeDecimationTaps(DECIMATION_TAPS);
  plans ??= SPECTROGRAM_SETTINGS.groups.map((group) => ({
    group,
    low: segmentPlans(kernel, group, 'low'),
    high: segmentPlans(kernel, group, 'high'),
    longestFft: Math.max(...[...group.segments.low, ...group.segments.high].map((s) => s.fftSize)),
  }));
  return plans;
}

/** Number of frames for `sampleCount` samples: frame f is centred on sample f·HOP_SAMPLES, the last ≤ the last sample. */
export function spectrogramFrameCount(sampleCount: number): number {
  return Math.ceil(sampleCount / HOP_SAMPLES);
}

/**
 * The amplitude reference: √2 × a high percentile of the RMS over hops (the peak of a sine with that RMS), so the
 * output does not depend on the recording's gain. 0 for digital silence.
 */
export function amplitudeReference(samples: Float32Array): number {
  const hops = Math.ceil(samples.length / HOP_SAMPLES);
  if (hops === 0) return 0;
  const rms = new Float64Array(hops);
  let largest = 0;
  let unordered = false;
  // A local: under CommonJS transpilers (tsx, jest) an imported constant is a property read on every use.
  const hop = HOP_SAMPLES;
  // Four whole hops per step: four independent chains of adds (the loop is bound by add latency), each hop's sum
  // in its own sample order, so every value is what the one-hop loop below computes.
  const wholeHops = Math.floor(samples.length / hop);
  let h = 0;
  for (; h + 4 <= wholeHops; h += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    const base = h * hop;
    for (let i = 0; i < hop; i++) {
      const x0 = samples[base + i]!;
      const x1 = samples[base + hop + i]!;
      const x2 = samples[base + 2 * hop + i]!;
      const x3 = samples[base + 3 * hop + i]!;
      s0 += x0 * x0;
      s1 += x1 * x1;
      s2 += x2 * x2;
      s3 += x3 * x3;
    }
    rms[h] = Math.sqrt(s0 / hop);
    rms[h + 1] = Math.sqrt(s1 / hop);
    rms[h + 2] = Math.sqrt(s2 / hop);
    rms[h + 3] = Math.sqrt(s3 / hop);
  }
  for (; h < hops; h++) {
    const end = Math.min(samples.length, (h + 1) * HOP_SAMPLES);
    let sum = 0;
    for (let i = h * HOP_SAMPLES; i < end; i++) sum += samples[i]! * samples[i]!;
    rms[h] = Math.sqrt(sum / (end - h * HOP_SAMPLES));
  }
  for (let k = 0; k < hops; k++) {
    const value = rms[k]!;
    if (value > largest) largest = value;
    else if (!(value >= 0)) unordered = true;
  }
  const at = Math.min(hops - 1, Math.floor(SPECTROGRAM_SETTINGS.amplitude.referencePercentile * hops));
  // NaN (from non-finite input) has no place in a selection: sort as before, which puts it last.
  if (unordered) rms.sort();
  const chosen = unordered ? rms[at]! : selectNth(rms, at);
  const reference = chosen > 0 ? chosen : unordered ? rms[hops - 1]! : largest;
  return Math.SQRT2 * reference;
}

/**
 * The value at index `n` of `values` sorted ascending (what `values.sort()[n]` reads), by Hoare's selection:
 * O(length) on average instead of a sort. Reorders `values`. No NaN in `values`.
 */
export function selectNth(values: Float64Array, n: number): number {
  let low = 0;
  let high = values.length - 1;
  while (high > low) {
    // Median of three as the pivot, so sorted or constant runs stay linear.
    const middle = (low + high) >>> 1;
    const a = values[low]!;
    const b = values[middle]!;
    const c = values[high]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = low;
    let j = high;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i++;
        j--;
      }
    }
    // [low, j] ≤ pivot ≤ [i, high], and everything strictly between j and i equals the pivot.
    if (n <= j) high = j;
    else if (n >= i) low = i;
    else return values[n]!;
  }
  return values[n]!;
}

/**
 * One block's signal at one decimation level: `data[i]` is the level's sample whose 16 kHz position is
 * `origin + i·decimation`. Positions outside the audio read zero, as if the whole signal had been decimated at once.
 */
interface BlockSignal {
  readonly data: Float32Array;
  readonly origin: number;
  readonly decimation: number;
}

/** The next level of the cascade (into `into`), with samples past either end of the decimated audio forced to zero. */
function decimateBlock(signal: BlockSignal, sampleCount: number, into: Float32Array): BlockSignal {
  const data = cqtKernel().decimateByTwo(signal.data, into, decimationTaps());
  const decimation = signal.decimation * 2;
  // Whole-signal decimation yields ceil(n / d) samples at positions 0 … (ceil(n/d) − 1)·d and nothing else:
  // sample i sits at position origin + i·d.
  const lastPosition = (Math.ceil(sampleCount / decimation) - 1) * decimation;
  const firstInside = Math.max(0, Math.ceil(-signal.origin / decimation));
  const lastInside = Math.min(data.length - 1, Math.floor((lastPosition - signal.origin) / decimation));
  if (lastInside < firstInside) {
    data.fill(0);
  } else {
    data.fill(0, 0, firstInside);
    data.fill(0, lastInside + 1);
  }
  return { data, origin: signal.origin, decimation };
}

/**
 * Log magnitudes (natural log) `[row][group.binCount]` of one group at one resolution for frames `frames[row]`
 * (global frame indices). Frames are centred on 16 kHz sample f·HOP_SAMPLES; each FFT length reads the centred part
 * of the same span. `signal.data`, `frames` and `into` are views of the wasm kernel's memory (their byte offsets are
 * the kernel's pointers).
 */
function analyseFrames(
  plan: GroupPlan,
  resolution: 'low' | 'high',
  signal: BlockSignal,
  frames: Int32Array,
  into: Float32Array,
): Float32Array {
  const segments = resolution === 'low' ? plan.low : plan.high;
  const bins = plan.group.binCount;
  const out = into.subarray(0, frames.length * bins);
  const { data, origin, decimation } = signal;
  const hop = HOP_SAMPLES / decimation;
  const kernel = cqtKernel();
  for (const segment of segments) {
    kernel.analyse({
      signal: data.byteOffset,
      length: data.length,
      frames: frames.byteOffset,
      frameCount: frames.length,
      hop,
      // Frame f's centre is 16 kHz sample f·HOP_SAMPLES, sample (f·HOP_SAMPLES − origin)/decimation of the level.
      offset: -origin / decimation - segment.fft.fftSize / 2,
      fft: segment.fft,
      kernels: segment.kernels,
      out: out.byteOffset,
      outStride: bins,
      binOffset: segment.binOffset,
    });
  }
  return out;
}

/**
 * Lower bound of the dynamic rule's clamp level (−600 dB), for a reference of 0 (digital silence). The kernel floors
 * powers itself, at the smallest normal float32 (core/spectrogram/wasm/src/cqt.ts MIN_POWER).
 */
const MIN_POWER = 1e-60;

/**
 * The high-Q companion on `frames` (sorted, global), analysed every `group.highFrameStride` frames and
 * interpolated linearly in log magnitude between those anchors. Returns `[row][binCount]` for `frames[row]`.
 */
function analyseHighStrided(
  plan: GroupPlan,
  signal: BlockSignal,
  frameCount: number,
  frames: Int32Array,
  work: Workspace,
): Float32Array {
  const stride = plan.group.highFrameStride;
  const bins = plan.group.binCount;
  if (stride === 1) return analyseFrames(plan, 'high', signal, frames, work.high);
  let count = 0;
  const anchors = work.anchors;
  for (const f of frames) {
    const before = f - (f % stride);
    // Frames are sorted, so anchors come out sorted; push only ones past the last.
    if (count === 0 || anchors[count - 1]! < before) anchors[count++] = before;
    const after = Math.min(before + stride, frameCount - 1);
    if (before !== f && anchors[count - 1]! < after) anchors[count++] = after;
  }
  const atAnchors = analyseFrames(plan, 'high', signal, anchors.subarray(0, count), work.anchorPlane);
  const out = work.high.subarray(0, frames.length * bins);
  cqtKernel().interpolateAnchors({ atAnchors, anchors: anchors.subarray(0, count), frames, stride, frameCount, bins, out });
  return out;
}

/**
 * Buffers of one computeSpectrogram call, reused by every block and group. Those the wasm kernel reads or writes
 * live in its memory; the call releases them when it returns.
 */
interface Workspace {
  /** Decimation level k's block signal (level 0 is the 16 kHz block). */
  readonly levels: Float32Array[];
  readonly analysed: Int32Array;
  /** Candidate frames of the dynamic rule as global frame indices. */
  readonly globalFrames: Int32Array;
  readonly low: Float32Array;
  readonly high: Float32Array;
  readonly anchors: Int32Array;
  readonly anchorPlane: Float32Array;
  readonly dynamic: DynamicQWork | undefined;
  /** One block of output rows `[frame][BIN_COUNT]` on the log scale, copied to the output once complete. */
  readonly rows: Float32Array;
  /** The kernel memory's top before this call. */
  readonly mark: number;
}

function createWorkspace(frames: number, blockSamples: number, levels: number, dynamic: boolean, outputRows: number): Workspace {
  let bins = 0;
  for (const plan of groupPlans()) bins = Math.max(bins, plan.group.binCount);
  const { arena } = cqtKernel();
  const mark = arena.mark();
  const levelLengths: number[] = [];
  for (let k = 0, length = blockSamples; k < levels; k++, length = Math.ceil(length / 2)) levelLengths.push(length);
  // Every allocation first, then the views: growing the memory detaches views taken earlier.
  const levelPointers = levelLengths.map((length) => arena.allocate(4 * length));
  const analysed = arena.allocate(4 * frames);
  const globalFrames = arena.allocate(dynamic ? 4 * frames : 0);
  const low = arena.allocate(4 * frames * bins);
  const high = arena.allocate(dynamic ? 4 * frames * bins : 0);
  const anchors = arena.allocate(dynamic ? 8 * frames : 0);
  const anchorPlane = arena.allocate(dynamic ? 8 * frames * bins : 0);
  const dynamicWork = dynamic ? dynamicQWork(frames, bins) : undefined;
  const rows = arena.allocate(4 * outputRows * BIN_COUNT);
  return {
    levels: levelPointers.map((pointer, k) => arena.f32(pointer, levelLengths[k]!)),
    analysed: arena.i32(analysed, frames),
    globalFrames: arena.i32(globalFrames, dynamic ? frames : 0),
    low: arena.f32(low, frames * bins),
    high: arena.f32(high, dynamic ? frames * bins : 0),
    anchors: arena.i32(anchors, dynamic ? 2 * frames : 0),
    anchorPlane: arena.f32(anchorPlane, dynamic ? 2 * frames * bins : 0),
    dynamic: dynamicWork,
    rows: arena.f32(rows, outputRows * BIN_COUNT),
    mark,
  };
}

/**
 * The engine's time–frequency representation: a dynamic-Q constant-Q spectrogram.
 *
 * `samples`: mono at SAMPLE_RATE_HZ (16 kHz). Returns `[frame][bin]` with `ceil(samples.length / 160)` frames at
 * 100 frames/s (frame f centred on sample 160·f) and 352 bins, 4 per semitone, bin b centred on `binCentreHz(b)`.
 * Values on the default log scale lie in [0, ~1] (see SPECTROGRAM_SETTINGS.amplitude), 0 meaning silence.
 *
 * Computed in blocks of frames, octave by octave (multi-rate: each octave at the lowest rate that holds it, by
 * half-band decimation), with real FFTs per frame and octave (128–512 points, the smallest that holds each bin's
 * window) and Brown–Puckette sparse spectral kernels; the high-Q companion only where the low-Q analysis oscillates
 * (see dynamic-q.ts). Memory beyond the input and the output: a few MB per block, whatever the length.
 *
 * @example
 * const s = computeSpectrogram(samples);                    // dynamic Q, log scale
 * const v = s.data[frame * s.binCount + keyCentreBin(48)];  // A4's level at `frame`, 0 … ~1
 */
export function computeSpectrogram(samples: Float32Array, options: SpectrogramOptions = {}): Spectrogram {
  const mode = options.q ?? 'dynamic';
  const scale = options.scale ?? 'log';
  const blockFrames = options.blockFrames ?? DEFAULT_BLOCK_FRAMES;
  if (!(Number.isInteger(blockFrames) && blockFrames >= 1)) throw new RangeError(`blockFrames must be a positive integer, got ${blockFrames}`);
  const stats = options.stats;
  if (stats) {
    stats.lowGroupFrames = 0;
    stats.highGroupFrames = 0;
    stats.blendedCells = 0;
  }
  const frameCount = spectrogramFrameCount(samples.length);
  const data = new Float32Array(frameCount * BIN_COUNT);
  const reference = amplitudeReference(samples);
  const logFloor = Math.log(Math.max(reference * 10 ** (SPECTROGRAM_SETTINGS.dynamicQ.floorDb / 20), MIN_POWER));
  const all = groupPlans();
  const context = mode === 'dynamic' ? SPECTROGRAM_SETTINGS.dynamicQ.spanFrames : 0;
  // 16 kHz samples a block needs beyond its frame centres: the longest FFT's half span at its rate, one high-Q
  // stride of frames (anchors may lie past the needed frames) and the decimation cascade's reach.
  let margin = 0;
  let coarsest = 1;
  for (const plan of all) {
    const d = plan.group.decimation;
    coarsest = Math.max(coarsest, d);
    margin = Math.max(margin, (plan.longestFft / 2) * d + plan.group.highFrameStride * HOP_SAMPLES + DECIMATION_REACH * 2 * d);
  }

  const capacityFrames = Math.min(blockFrames, frameCount) + 2 * context;
  const blockSamples = (capacityFrames - 1) * HOP_SAMPLES + 2 * margin + coarsest + 1;
  const outputRows = scale === 'log' ? Math.min(blockFrames, frameCount) : 0;
  const work = createWorkspace(capacityFrames, blockSamples, Math.log2(coarsest) + 1, mode === 'dynamic', outputRows);
  try {
    computeBlocks(samples, data, frameCount, blockFrames, context, margin, coarsest, mode, scale, reference, logFloor, work, options);
  } finally {
    cqtKernel().arena.release(work.mark);
  }
  return { data, frameCount, binCount: BIN_COUNT, frameRateHz: FRAME_RATE_HZ };
}

function computeBlocks(
  samples: Float32Array,
  data: Float32Array,
  frameCount: number,
  blockFrames: number,
  context: number,
  margin: number,
  coarsest: number,
  mode: 'dynamic' | 'low' | 'high',
  scale: 'log' | 'magnitude',
  reference: number,
  logFloor: number,
  work: Workspace,
  options: SpectrogramOptions,
): void {
  const all = groupPlans();
  const stats = options.stats;
  for (let blockStart = 0; blockStart < frameCount; blockStart += blockFrames) {
    const blockEnd = Math.min(frameCount, blockStart + blockFrames);
    const analysedStart = Math.max(0, blockStart - context);
    const analysedEnd = Math.min(frameCount, blockEnd + context);
    // Aligned to the coarsest decimation so every level's samples sit on whole 16 kHz positions of the cascade.
    const origin = Math.floor((analysedStart * HOP_SAMPLES - margin) / coarsest) * coarsest;
    const end = (analysedEnd - 1) * HOP_SAMPLES + margin;
    const block = work.levels[0]!.subarray(0, end - origin + 1);
    const from = Math.max(0, origin);
    const to = Math.min(samples.length, end + 1);
    // Zeros only where no sample lands.
    if (to > from) {
      block.fill(0, 0, from - origin);
      block.set(samples.subarray(from, to), from - origin);
      block.fill(0, to - origin);
    } else {
      block.fill(0);
    }
    let signal: BlockSignal = { data: block, origin, decimation: 1 };
    let level = 0;
    const analysedCount = analysedEnd - analysedStart;
    const analysed = work.analysed.subarray(0, analysedCount);
    for (let i = 0; i < analysedCount; i++) analysed[i] = analysedStart + i;
    const outputOffset = blockStart - analysedStart;

    for (const plan of all) {
      const { group } = plan;
      const bins = group.binCount;
      while (signal.decimation < group.decimation) signal = decimateBlock(signal, samples.length, work.levels[++level]!);
      let logMagnitude: Float32Array;
      if (mode === 'high') {
        logMagnitude = analyseFrames(plan, 'high', signal, analysed, work.low);
        if (stats) stats.highGroupFrames += analysedCount;
      } else {
        logMagnitude = analyseFrames(plan, 'low', signal, analysed, work.low);
        if (stats) stats.lowGroupFrames += analysedCount;
        if (work.dynamic) {
          const plane = { low: logMagnitude, frameCount: analysedCount, binCount: bins, logFloor, work: work.dynamic };
          const needed = findBeatingCandidates(plane, {
            start: outputOffset,
            count: blockEnd - blockStart,
            frames: work.globalFrames,
            frameOffset: analysedStart,
          });
          if (needed > 0) {
            const globalFrames = work.globalFrames.subarray(0, needed);
            const high = analyseHighStrided(plan, signal, frameCount, globalFrames, work);
            const blended = blendDynamicQ(plane, high, needed);
            if (stats) {
              stats.highGroupFrames += needed;
              stats.blendedCells += blended;
            }
          }
        }
      }
      writeRows(data, work.rows, logMagnitude, group, outputOffset, blockStart, blockEnd - blockStart, scale, reference);
    }
    // Log scale: the block's rows, complete, in one copy (digital silence leaves the output at 0).
    if (scale === 'log' && reference > 0) data.set(work.rows.subarray(0, (blockEnd - blockStart) * BIN_COUNT), blockStart * BIN_COUNT);
    options.onProgress?.(blockEnd / frameCount);
  }
}

/**
 * Writes rows `firstRow … firstRow + rows − 1` of a group's log-magnitude plane: on the log scale to the block's rows
 * (`staged`, frame `firstFrame` at row 0), on the magnitude scale straight to output frames from `firstFrame`.
 */
function writeRows(
  data: Float32Array,
  staged: Float32Array,
  logMagnitude: Float32Array,
  group: BinGroup,
  firstRow: number,
  firstFrame: number,
  rows: number,
  scale: 'log' | 'magnitude',
  reference: number,
): void {
  const bins = group.binCount;
  if (scale === 'magnitude') {
    for (let r = 0; r < rows; r++) {
      const src = (firstRow + r) * bins;
      const dst = (firstFrame + r) * BIN_COUNT + group.firstBin;
      for (let b = 0; b < bins; b++) data[dst + b] = Math.exp(logMagnitude[src + b]!);
    }
    return;
  }
  if (!(reference > 0)) return;
  const { rangeDb } = SPECTROGRAM_SETTINGS.amplitude;
  // v = 1 + 20·log10(|X|/ref)/rangeDb = a·ln|X| + c, clamped at 0.
  const a = 20 / Math.LN10 / rangeDb;
  const c = 1 - a * Math.log(reference);
  cqtKernel().scaleRows({
    from: logMagnitude.subarray(firstRow * bins, (firstRow + rows) * bins),
    rows,
    bins,
    to: staged.subarray(group.firstBin),
    toStride: BIN_COUNT,
    a,
    c,
  });
}
