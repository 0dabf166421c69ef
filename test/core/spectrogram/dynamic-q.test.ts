import { blendDynamicQ, dynamicQWork, findBeatingCandidates, measureOscillation, type DynamicQWork } from '../../../core/spectrogram/dynamic-q';
import { cqtKernel } from '../../../core/spectrogram/cqt-kernel';
import { SPECTROGRAM_SETTINGS } from '../../../core/spectrogram/settings';
import { xorshift } from '../../helpers/random';

/**
 * The dynamic-Q rule written the plain way, one bin's series at a time, with plain span scans: the formulation the
 * WebAssembly kernel's row-wise, integer-keyed SIMD implementation must reproduce bit for bit (the trained model
 * depends on these features).
 */
const TO_DB = 20 / Math.LN10;

function oscillationOfSeries(level: Float64Array, radius: number): Float64Array {
  const n = level.length;
  const weight = 2 * SPECTROGRAM_SETTINGS.dynamicQ.ignoredCycles;
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let f = 0; f < n; f++) {
    const v = level[f]!;
    const previous = f > 0 ? level[f - 1]! : v;
    total += v > previous ? v - previous : previous - v;
    cumulative[f] = total;
  }
  const out = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    const a = Math.max(0, f - radius);
    const z = Math.min(n - 1, f + radius);
    let max = -Infinity;
    let min = Infinity;
    for (let t = a; t <= z; t++) {
      max = Math.max(max, level[t]!);
      min = Math.min(min, level[t]!);
    }
    const value = cumulative[z]! - cumulative[a]! - weight * (max - min);
    out[f] = value > 0 ? value : 0;
  }
  return out;
}

function levelsDb(plane: Float32Array, bin: number, binCount: number, frameCount: number, logFloor: number): Float64Array {
  const out = new Float64Array(frameCount);
  for (let f = 0; f < frameCount; f++) {
    const v = plane[f * binCount + bin]!;
    out[f] = TO_DB * (v > logFloor ? v : logFloor);
  }
  return out;
}

interface Reference {
  frames: number[];
  rowOfFrame: number[];
  candidateBins: number[];
  oscillationLow: Float32Array;
  blended: Float32Array;
  weighted: number;
}

function referenceRule(
  low: Float32Array,
  highOf: (frames: number[]) => Float32Array,
  frameCount: number,
  binCount: number,
  logFloor: number,
  outputStart: number,
  outputCount: number,
): Reference {
  const { spanFrames, thresholdDb, fullDb, spreadBins } = SPECTROGRAM_SETTINGS.dynamicQ;
  const oscillationLow = new Float32Array(frameCount * binCount);
  const candidateBins = new Array<number>(binCount).fill(0);
  const needed = new Array<boolean>(frameCount).fill(false);
  for (let b = 0; b < binCount; b++) {
    const o = oscillationOfSeries(levelsDb(low, b, binCount, frameCount, logFloor), spanFrames);
    for (let f = 0; f < frameCount; f++) oscillationLow[f * binCount + b] = o[f]!;
    for (let f = outputStart; f < outputStart + outputCount; f++) {
      if (o[f]! <= thresholdDb) continue;
      candidateBins[b] = 1;
      for (let t = Math.max(0, f - spanFrames); t <= Math.min(frameCount - 1, f + spanFrames); t++) needed[t] = true;
    }
  }
  const frames: number[] = [];
  const rowOfFrame = needed.map((n, f) => (n ? frames.push(f) - 1 : -1));
  const high = highOf(frames);
  const blended = low.slice();
  const weights = new Float32Array(frames.length * binCount);
  for (let b = 0; b < binCount; b++) {
    if (candidateBins[b] === 0) continue;
    const level = levelsDb(low, b, binCount, frameCount, logFloor);
    frames.forEach((f, r) => {
      const v = high[r * binCount + b]!;
      level[f] = TO_DB * (v > logFloor ? v : logFloor);
    });
    const o = oscillationOfSeries(level, spanFrames);
    for (let f = 0; f < frameCount; f++) {
      const lowO = oscillationLow[f * binCount + b]!;
      const excess = lowO - o[f]! - thresholdDb;
      if (lowO <= thresholdDb || excess <= 0 || rowOfFrame[f]! < 0) continue;
      weights[rowOfFrame[f]! * binCount + b] = excess >= fullDb - thresholdDb ? 1 : excess / (fullDb - thresholdDb);
    }
  }
  let weighted = 0;
  frames.forEach((f, r) => {
    for (let b = 0; b < binCount; b++) {
      let w = 0;
      for (let o = Math.max(0, b - spreadBins); o <= Math.min(binCount - 1, b + spreadBins); o++) w = Math.max(w, weights[r * binCount + o]!);
      if (w > 0) {
        weighted++;
        const i = f * binCount + b;
        blended[i] = blended[i]! + w * (high[r * binCount + b]! - blended[i]!);
      }
    }
  });
  return { frames, rowOfFrame, candidateBins, oscillationLow, blended, weighted };
}


/**
 * A log-magnitude plane like the analysis gives: per bin a decaying level, some bins beating (two partials inside
 * the low-Q bandwidth), noise, and stretches at or below the floor, with exact floor values and ±0 mixed in.
 */
function plane(frameCount: number, binCount: number, seed: number, logFloor: number): { low: Float32Array; high: Float32Array } {
  const random = xorshift(seed);
  const low = new Float32Array(frameCount * binCount);
  const high = new Float32Array(frameCount * binCount);
  for (let b = 0; b < binCount; b++) {
    const start = Math.floor(random() * frameCount);
    const beat = random() < 0.5 ? 0.05 + random() * 0.3 : 0;
    const depth = 1 + random() * 2;
    for (let f = 0; f < frameCount; f++) {
      const t = f - start;
      const base = t < 0 ? logFloor - 1 : -t * 0.01 - random() * 0.2;
      const swing = beat > 0 && t >= 0 ? depth * Math.abs(Math.cos(Math.PI * beat * t)) : 0;
      const i = f * binCount + b;
      low[i] = base - swing;
      high[i] = base - swing * 0.1 + (random() - 0.5) * 0.05;
      const pick = random();
      if (pick < 0.01) low[i] = logFloor;
      else if (pick < 0.015) low[i] = random() < 0.5 ? 0 : -0;
      else if (pick < 0.02) low[i] = -Infinity;
      else if (pick < 0.021) low[i] = Number.NaN;
    }
  }
  return { low, high };
}

/**
 * Runs the kernel on `low` and `highOf`'s rows in kernel memory, as computeSpectrogram does: `work` larger than
 * needed (or shared across shapes) and used twice, so stale contents must not leak.
 */
function runKernel(
  low: Float32Array,
  highOf: (frames: ArrayLike<number>) => Float32Array,
  frameCount: number,
  binCount: number,
  logFloor: number,
  output: { start: number; count: number },
  check: (frames: number[], blended: Float32Array, weighted: number) => void,
  work?: DynamicQWork,
): void {
  const { arena } = cqtKernel();
  const mark = arena.mark();
  try {
    const ownWork = work ?? dynamicQWork(frameCount + 7, binCount + 5);
    const lowPointer = arena.allocate(4 * frameCount * binCount);
    const highPointer = arena.allocate(4 * frameCount * binCount);
    const framesPointer = arena.allocate(4 * frameCount);
    const frameOffset = 1000;
    for (let pass = 0; pass < 2; pass++) {
      const plane = { low: arena.f32(lowPointer, frameCount * binCount), frameCount, binCount, logFloor, work: ownWork };
      plane.low.set(low);
      const framesOut = arena.i32(framesPointer, frameCount);
      const count = findBeatingCandidates(plane, { ...output, frames: framesOut, frameOffset });
      const frames = Array.from(framesOut.subarray(0, count), (f) => f - frameOffset);
      const high = arena.f32(highPointer, count * binCount);
      high.set(highOf(frames));
      const weighted = count > 0 ? blendDynamicQ(plane, high, count) : 0;
      check(frames, plane.low.slice(), weighted);
    }
  } finally {
    arena.release(mark);
  }
}

/** Runs both; returns the reference's number of blended cells. */
function expectSameRule(
  frameCount: number,
  binCount: number,
  seed: number,
  outputStart: number,
  outputCount: number,
  logFloor: number,
  work?: DynamicQWork,
): number {
  const { low, high } = plane(frameCount, binCount, seed, logFloor);
  const highOf = (frames: ArrayLike<number>): Float32Array => {
    const rows = new Float32Array(frames.length * binCount);
    for (let r = 0; r < frames.length; r++) rows.set(high.subarray(frames[r]! * binCount, (frames[r]! + 1) * binCount), r * binCount);
    return rows;
  };
  const expected = referenceRule(low, highOf, frameCount, binCount, logFloor, outputStart, outputCount);
  // O itself, float64, on the low plane and on the plane the high-Q pass measures (high rows on the needed frames):
  // the blended output rounds O through float32 weights, which can hide a last-bit difference.
  const mixed = low.slice();
  for (const f of expected.frames) mixed.set(high.subarray(f * binCount, (f + 1) * binCount), f * binCount);
  for (const measured of [low, mixed]) expectSameOscillation(measured, frameCount, binCount, logFloor);
  const output = { start: outputStart, count: outputCount };
  runKernel(low, highOf, frameCount, binCount, logFloor, output, (frames, blended, weighted) => {
    expect(frames).toEqual(expected.frames);
    expect(weighted).toBe(expected.weighted);
    expectSameBits(blended, expected.blended);
  }, work);
  return expected.weighted;
}

/** The kernel's O of every cell of `plane` equals the per-bin reference's, bit for bit (float64). */
function expectSameOscillation(plane: Float32Array, frameCount: number, binCount: number, logFloor: number): void {
  const expected = new Float64Array(frameCount * binCount);
  for (let b = 0; b < binCount; b++) {
    const o = oscillationOfSeries(levelsDb(plane, b, binCount, frameCount, logFloor), SPECTROGRAM_SETTINGS.dynamicQ.spanFrames);
    for (let f = 0; f < frameCount; f++) expected[f * binCount + b] = o[f]!;
  }
  const { arena } = cqtKernel();
  const mark = arena.mark();
  try {
    const work = dynamicQWork(frameCount, binCount);
    const planePointer = arena.allocate(4 * plane.length);
    const outPointer = arena.allocate(8 * plane.length);
    const inKernel = arena.f32(planePointer, plane.length);
    inKernel.set(plane);
    const out = arena.f64(outPointer, plane.length);
    measureOscillation({ low: inKernel, frameCount, binCount, logFloor, work }, out);
    const a = new BigUint64Array(out.buffer, out.byteOffset, out.length);
    const e = new BigUint64Array(expected.buffer);
    const first = a.findIndex((bits, i) => bits !== e[i]);
    expect(first === -1 ? 'identical' : `cell ${first}: ${out[first]} vs ${expected[first]}`).toBe('identical');
  } finally {
    arena.release(mark);
  }
}

/** Equal bit for bit; on failure names the first differing index and both values. */
function expectSameBits(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const first = a.findIndex((bits, i) => bits !== e[i]);
  expect(first === -1 ? 'identical' : `index ${first}: ${actual[first]} vs ${expected[first]}`).toBe('identical');
}

describe('dynamic-Q rule (WebAssembly kernel) against the per-bin reference', () => {
  it('matches bit for bit on beating, decaying and floor-clamped planes (with ±0, −∞ and NaN)', () => {
    expect(expectSameRule(300, 48, 1, 16, 268, -6)).toBeGreaterThan(100);
    expect(expectSameRule(257, 112, 2, 0, 241, -5.5)).toBeGreaterThan(100);
  });

  it('matches with tracks shorter than a span, a block, and at block edges, for bin counts off the SIMD width', () => {
    for (const frames of [1, 2, 16, 17, 33, 34, 49, 66, 67]) expectSameRule(frames, 7, 10 + frames, 0, frames, -6);
    for (const bins of [1, 2, 3, 4, 5, 6, 9, 50, 51]) expectSameRule(120, bins, 40 + bins, 10, 90, -6);
  });

  it('matches with one work buffer reused across shapes, as computeSpectrogram reuses it across groups', () => {
    const { arena } = cqtKernel();
    const mark = arena.mark();
    try {
      const work = dynamicQWork(300, 112);
      expect(expectSameRule(300, 112, 3, 16, 268, -6)).toBeGreaterThan(100);
      expectSameRule(300, 112, 3, 16, 268, -6, work);
      expectSameRule(200, 48, 4, 16, 168, -6, work);
      expectSameRule(77, 5, 5, 0, 77, -4, work);
      expectSameRule(300, 112, 6, 0, 300, -6, work);
    } finally {
      arena.release(mark);
    }
  });

  it('finds beating where two partials inside the low-Q bandwidth beat, and blends towards the high-Q level', () => {
    const frameCount = 200;
    const binCount = 5;
    const low = new Float32Array(frameCount * binCount).fill(-8);
    for (let f = 0; f < frameCount; f++) low[f * binCount + 2] = -1 - 2 * Math.abs(Math.cos(0.4 * f));
    const highOf = (frames: ArrayLike<number>): Float32Array => new Float32Array(frames.length * binCount).fill(-1);
    runKernel(low, highOf, frameCount, binCount, -7, { start: 0, count: frameCount }, (frames, blended, weighted) => {
      expect(frames.length).toBeGreaterThan(100);
      expect(weighted).toBeGreaterThan(0);
      expect(blended[100 * binCount + 2]).toBe(-1);
      // Only the beating bin and its ±spreadBins neighbours move; bins 0 and 4 keep their low-Q level.
      for (let f = 0; f < frameCount; f++) {
        expect(blended[f * binCount]).toBe(-8);
        expect(blended[f * binCount + 4]).toBe(-8);
      }
    });
  });

  it('refuses planes outside kernel memory and work too small for the plane', () => {
    const { arena } = cqtKernel();
    const mark = arena.mark();
    try {
      const work = dynamicQWork(10, 4);
      const inside = arena.f32(arena.allocate(4 * 40), 40);
      const frames = arena.i32(arena.allocate(4 * 10), 10);
      const output = { start: 0, count: 10, frames, frameOffset: 0 };
      expect(() => findBeatingCandidates({ low: new Float32Array(40), frameCount: 10, binCount: 4, logFloor: -6, work }, output)).toThrow(RangeError);
      expect(() => findBeatingCandidates({ low: inside, frameCount: 10, binCount: 5, logFloor: -6, work }, output)).toThrow(RangeError);
      expect(findBeatingCandidates({ low: inside.fill(-1), frameCount: 10, binCount: 4, logFloor: -6, work }, output)).toBe(0);
    } finally {
      arena.release(mark);
    }
  });
});
