/** Wall-clock helpers for bench sections (never used in tests: tests do not assert timings). */

/** Seconds since an arbitrary origin, high resolution. */
export function nowSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

export interface Timed<T> {
  readonly value: T;
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** User + system CPU seconds of this process (all its threads) over the same span. */
  readonly cpuSeconds: number;
}

/** Runs `work` once and returns its result, wall seconds and CPU seconds. */
export async function timed<T>(work: () => T | Promise<T>): Promise<Timed<T>> {
  const start = nowSeconds();
  const cpu = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return { value, seconds: nowSeconds() - start, cpuSeconds: (used.user + used.system) / 1e6 };
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
