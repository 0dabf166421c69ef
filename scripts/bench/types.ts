/**
 * The bench harness's section interface. A section is one file in scripts/bench/ registered in sections.ts; it
 * prints human-readable lines through `log` and returns flat metrics, which the harness gathers into the JSON object
 * printed as the last line of `npm run bench` under `sections.<name>` (and, for the headline keys a section lists
 * in `headline`, also at the top level).
 */
export type Metric = number | string | boolean | null;

export interface BenchContext {
  /** Prints one human-readable line (to stdout, before the final JSON line). */
  log(line: string): void;
  /** `--quick`: smaller workloads for a smoke run (CI); the numbers are then not the reported ones. */
  readonly quick: boolean;
}

export interface BenchSection {
  /** Key in the JSON object and the name `--only` selects. */
  readonly name: string;
  readonly description: string;
  run(context: BenchContext): Promise<Record<string, Metric>>;
  /** Metric names copied to the top level of the JSON (e.g. 'dsp_realtime_factor'). */
  readonly headline?: readonly string[];
}
