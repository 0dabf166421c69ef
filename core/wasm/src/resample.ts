// AssemblyScript: the polyphase resampler's inner loop (core/audio/resample.ts designs the filter). Built by
// scripts/build-wasm.ts into core/wasm/generated/resample.ts; the TypeScript side (core/wasm/resample.ts) owns all
// memory and hands this code pointers.
//
// One output is one dot product of a filter row with the input, four taps per f32x4 lane-wise multiply-add. The
// caller zero-pads the signal in the window buffer, so no output needs a bounds check.

const VEC: usize = 16;

/**
 * Writes `count` outputs to `out` (f32). Output i reads `stride` samples of `input` (f32) from sample `whole`, with
 * row `frac` of `table` (`stride` f32 taps per row, zero past the filter's taps); then whole += wholeStep,
 * frac += fracStep, carrying into whole when frac reaches `up`.
 *
 * With fewer table rows than `up` (phases < up), the row is round(frac / up · phases), half up like Math.round, so
 * the choice of phase is the TypeScript reference's to the last bit.
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
  const exact = phases == up;
  const rowBytes = <usize>stride << 2;
  const vectors = stride >> 2;
  for (let n = 0; n < count; n++) {
    let row = frac;
    if (!exact) {
      const x = (<f64>frac / <f64>up) * <f64>phases;
      const below = Math.floor(x);
      row = <i32>below + (x - below >= 0.5 ? 1 : 0);
    }
    let source = input + (<usize>whole << 2);
    let taps = table + <usize>row * rowBytes;
    // Two accumulators, so consecutive multiply-adds do not wait on each other.
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
    a = f32x4.add(a, b);
    const sum =
      f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
    store<f32>(out + (<usize>n << 2), sum);
    whole += wholeStep;
    frac += fracStep;
    if (frac >= up) {
      frac -= up;
      whole++;
    }
  }
}
