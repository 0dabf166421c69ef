/**
 * `npm run bench [-- --only name[,name]] [--quick]`: runs the sections in scripts/bench/sections.ts, prints
 * human-readable lines, then one JSON object as the LAST line:
 * `{ "node": …, "cpu": …, "sections": { "<name>": { metric: value } }, "<headline metric>": value, … }`.
 * Timings only live here, never in tests.
 */
import os from 'node:os';
import { SECTIONS } from './bench/sections';
import type { Metric } from './bench/types';
import { round, timed } from './bench/timing';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex >= 0 ? new Set((args[onlyIndex + 1] ?? '').split(',')) : undefined;
  const quick = args.includes('--quick');
  const unknown = only ? [...only].filter((name) => !SECTIONS.some((s) => s.name === name)) : [];
  if (unknown.length > 0) throw new Error(`unknown bench section(s): ${unknown.join(', ')}; known: ${SECTIONS.map((s) => s.name).join(', ')}`);

  const result: Record<string, unknown> = {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    quick,
  };
  const sections: Record<string, Record<string, Metric>> = {};
  for (const section of SECTIONS) {
    if (only && !only.has(section.name)) continue;
    console.log(`[${section.name}] ${section.description}`);
    try {
      const { value, seconds } = await timed(() => section.run({ log: (line) => console.log(line), quick }));
      sections[section.name] = { ...value, section_seconds: round(seconds, 1) };
      for (const key of section.headline ?? []) result[key] = value[key] ?? null;
    } catch (error) {
      console.log(`  failed: ${error instanceof Error ? error.message : String(error)}`);
      sections[section.name] = { error: error instanceof Error ? error.message : String(error) };
      process.exitCode = 1;
    }
  }
  result.sections = sections;
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
