/** Wall-clock helpers for bench sections (never used in tests: tests do not assert timings). */

/** Seconds since an arbitrary origin, high resolution. */
export function nowSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** Runs `work` once and returns its result and wall seconds. */
export async function timed<T>(work: () => T | Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = nowSeconds();
  const value = await work();
  return { value, seconds: nowSeconds() - start };
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
