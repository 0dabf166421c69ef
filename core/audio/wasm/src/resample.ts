// AssemblyScript: the polyphase resampler's inner loop (core/audio/resample.ts designs the filter), and the 16-bit
// PCM → mono conversion that fills its window from a WAV file. Built by scripts/build-wasm.ts into
// core/audio/wasm/generated/resample.ts; the TypeScript side (core/audio/resample-kernel.ts) owns all memory and hands this code
// pointers.
//
// One output is one dot product of a filter row with the input, four taps per f32x4 lane-wise multiply-add. The
// caller zero-pads the signal in the window buffer, so no output needs a bounds check.

const VEC: usize = 16;

/**
 * Writes `count` outputs to `out` (f32). Output i reads `stride` samples of `input` (f32) from sample `whole`, with
 * row `frac` of `table` (`stride` f32 taps per row, zero past the filter's taps); then whole += wholeStep,
 * frac += fracStep, carrying into whole when frac reaches `up`.
 */
export function resampleBlock(
  input: usize,
  whole: i32,
  frac: i32,
  count: i32,
  up: i32,
  wholeStep: i32,
  fracStep: i32,
  phases: i32,
  table: usize,
  stride: i32,
  out: usize,
): void {
  const rowBytes = <usize>stride << 2;
  const vectors = stride >> 2;
  let n = 0;
  // Two outputs per pass: their loads and multiply-adds interleave, so neither waits on its own adds.
  for (; n + 1 < count; n += 2) {
    const source0 = input + (<usize>whole << 2);
    const taps0 = table + <usize>rowOf(frac, up, phases) * rowBytes;
    whole += wholeStep;
    frac += fracStep;
    if (frac >= up) {
      frac -= up;
      whole++;
    }
    const source1 = input + (<usize>whole << 2);
    const taps1 = table + <usize>rowOf(frac, up, phases) * rowBytes;
    whole += wholeStep;
    frac += fracStep;
    if (frac >= up) {
      frac -= up;
      whole++;
    }
    dotPair(source0, taps0, source1, taps1, vectors, out + (<usize>n << 2));
  }
  if (n < count) {
    store<f32>(out + (<usize>n << 2), dot(input + (<usize>whole << 2), table + <usize>rowOf(frac, up, phases) * rowBytes, vectors));
  }
}

/**
 * The table row for phase numerator `frac`: `frac` itself when every phase has a row, else round(frac / up · phases),
 * half up like Math.round, so the choice of phase is the TypeScript reference's to the last bit.
 */
// @ts-ignore: decorator
@inline
function rowOf(frac: i32, up: i32, phases: i32): i32 {
  if (phases == up) return frac;
  const x = (<f64>frac / <f64>up) * <f64>phases;
  const below = Math.floor(x);
  return <i32>below + (x - below >= 0.5 ? 1 : 0);
}

// One output's sum, in this order (it defines the bits): lane-wise partial sums `a` over vectors 0, 2, 4, … and `b`
// over vectors 1, 3, 5, …, each starting from +0; then a + b; then (lane 0 + lane 1) + (lane 2 + lane 3).

// @ts-ignore: decorator
@inline
function reduce(a: v128, b: v128): f32 {
  const s = f32x4.add(a, b);
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
}

/** One output: `vectors` f32x4 products of `source` and `taps`, summed as above. */
function dot(source: usize, taps: usize, vectors: i32): f32 {
  let a = f32x4.splat(0);
  let b = f32x4.splat(0);
  let v = 0;
  for (; v + 1 < vectors; v += 2) {
    a = f32x4.add(a, f32x4.mul(v128.load(source), v128.load(taps)));
    b = f32x4.add(b, f32x4.mul(v128.load(source, VEC), v128.load(taps, VEC)));
    source += 2 * VEC;
    taps += 2 * VEC;
  }
  if (v < vectors) a = f32x4.add(a, f32x4.mul(v128.load(source), v128.load(taps)));
  return reduce(a, b);
}

/** Two outputs, each summed exactly as `dot` sums it, written to `out` and `out + 4`. */
function dotPair(source0: usize, taps0: usize, source1: usize, taps1: usize, vectors: i32, out: usize): void {
  let a0 = f32x4.splat(0);
  let b0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let b1 = f32x4.splat(0);
  let v = 0;
  for (; v + 1 < vectors; v += 2) {
    a0 = f32x4.add(a0, f32x4.mul(v128.load(source0), v128.load(taps0)));
    a1 = f32x4.add(a1, f32x4.mul(v128.load(source1), v128.load(taps1)));
    b0 = f32x4.add(b0, f32x4.mul(v128.load(source0, VEC), v128.load(taps0, VEC)));
    b1 = f32x4.add(b1, f32x4.mul(v128.load(source1, VEC), v128.load(taps1, VEC)));
    source0 += 2 * VEC;
    taps0 += 2 * VEC;
    source1 += 2 * VEC;
    taps1 += 2 * VEC;
  }
  if (v < vectors) {
    a0 = f32x4.add(a0, f32x4.mul(v128.load(source0), v128.load(taps0)));
    a1 = f32x4.add(a1, f32x4.mul(v128.load(source1), v128.load(taps1)));
  }
  store<f32>(out, reduce(a0, b0));
  store<f32>(out, reduce(a1, b1), 4);
}

/**
 * Averages `frames` frames of `channels` interleaved 16-bit little-endian PCM samples at `source` into f32 at
 * `target`, scaled by 1/32768, and returns the largest |sample| of any channel (an integer, 0 … 32768). Each value is
 * the TypeScript expression sum · (1 / channels) · (1 / 32768) in f64, rounded to f32 once (core/audio/wav.ts): for
 * one channel that is v · 2⁻¹⁵, exact in f32, so four lanes at a time give the same bits.
 */
export function pcm16ToMono(source: usize, target: usize, frames: i32, channels: i32): i32 {
  let high: i32 = 0;
  let low: i32 = 0;
  let f = 0;
  if (channels == 1) {
    const scale = f32x4.splat(1.0 / 32768);
    let highs = i16x8.splat(0);
    let lows = i16x8.splat(0);
    for (; f + 8 <= frames; f += 8) {
      const v = v128.load(source + (<usize>f << 1));
      highs = i16x8.max_s(highs, v);
      lows = i16x8.min_s(lows, v);
      const out = target + (<usize>f << 2);
      v128.store(out, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(v)), scale));
      v128.store(out, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(v)), scale), VEC);
    }
    for (let lane = 0; lane < 8; lane++) {
      high = max(high, <i32>i16x8.extract_lane_s(highs, 0));
      highs = i8x16.shuffle(highs, highs, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1);
      low = min(low, <i32>i16x8.extract_lane_s(lows, 0));
      lows = i8x16.shuffle(lows, lows, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1);
    }
  }
  const scale = 1.0 / <f64>channels;
  const norm = 1.0 / 32768;
  let at = source + (<usize>(f * channels) << 1);
  for (; f < frames; f++) {
    let sum: i32 = 0;
    for (let c = 0; c < channels; c++) {
      const v = <i32>load<i16>(at);
      sum += v;
      high = max(high, v);
      low = min(low, v);
      at += 2;
    }
    store<f32>(target + (<usize>f << 2), <f32>(<f64>sum * scale * norm));
  }
  return max(high, -low);
}

/**
 * `resampleBlock` for a table with a row per phase (phases == up), computed phase by phase: outputs n, n + up,
 * n + 2·up, … share a row and sit `down` input samples apart, so three of them are summed together and each vector
 * of the row is loaded once for the three (25⅓ loads per output of 19 vectors instead of 38). Every output is still
 * summed in exactly `dot`'s order.
 */
export function resampleByPhase(
  input: usize,
  whole: i32,
  frac: i32,
  count: i32,
  up: i32,
  down: i32,
  table: usize,
  stride: i32,
  out: usize,
): void {
  const rowBytes = <usize>stride << 2;
  const vectors = stride >> 2;
  const wholeStep = down / up;
  const fracStep = down - wholeStep * up;
  const step = <usize>down << 2;
  const outStep = <usize>up << 2;
  for (let k = 0; k < min(up, count); k++) {
    const outputs = (count - k + up - 1) / up;
    let source = input + (<usize>whole << 2);
    const taps = table + <usize>frac * rowBytes;
    let o = out + (<usize>k << 2);
    let j = 0;
    for (; j + 2 < outputs; j += 3) {
      dotTripleRow(source, step, taps, vectors, o, outStep);
      source += 3 * step;
      o += 3 * outStep;
    }
    for (; j < outputs; j++) {
      store<f32>(o, dot(source, taps, vectors));
      source += step;
      o += outStep;
    }
    whole += wholeStep;
    frac += fracStep;
    if (frac >= up) {
      frac -= up;
      whole++;
    }
  }
}

/**
 * Three outputs of one row: the i-th reads `source + i · step` and goes to `out + i · outStep`; each summed exactly
 * as `dot` sums it, each vector of the row loaded once for all three. (Four would need more than the 15 vector
 * registers V8 allocates on x64, and a spilled accumulator waits on its own store every step.)
 */
function dotTripleRow(source: usize, step: usize, taps: usize, vectors: i32, out: usize, outStep: usize): void {
  let source0 = source;
  let source1 = source + step;
  let source2 = source + 2 * step;
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let b0 = f32x4.splat(0);
  let b1 = f32x4.splat(0);
  let b2 = f32x4.splat(0);
  let v = 0;
  for (; v + 1 < vectors; v += 2) {
    const even = v128.load(taps);
    a0 = f32x4.add(a0, f32x4.mul(v128.load(source0), even));
    a1 = f32x4.add(a1, f32x4.mul(v128.load(source1), even));
    a2 = f32x4.add(a2, f32x4.mul(v128.load(source2), even));
    const odd = v128.load(taps, VEC);
    b0 = f32x4.add(b0, f32x4.mul(v128.load(source0, VEC), odd));
    b1 = f32x4.add(b1, f32x4.mul(v128.load(source1, VEC), odd));
    b2 = f32x4.add(b2, f32x4.mul(v128.load(source2, VEC), odd));
    taps += 2 * VEC;
    source0 += 2 * VEC;
    source1 += 2 * VEC;
    source2 += 2 * VEC;
  }
  if (v < vectors) {
    const even = v128.load(taps);
    a0 = f32x4.add(a0, f32x4.mul(v128.load(source0), even));
    a1 = f32x4.add(a1, f32x4.mul(v128.load(source1), even));
    a2 = f32x4.add(a2, f32x4.mul(v128.load(source2), even));
  }
  store<f32>(out, reduce(a0, b0));
  store<f32>(out + outStep, reduce(a1, b1));
  store<f32>(out + 2 * outStep, reduce(a2, b2));
}
