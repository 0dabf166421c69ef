/**
 * `npx tsx scripts/eval-notation-beats.ts FILE.json [--no-model] [--model FILE.onnx] [--decode JSON]`: the notation stage's beats and metre against
 * ASAP's annotations, for the rules (core/notation trackBeats + planMetre) and the notation model
 * (models/notescribe-notation-v1), over whole performances written by training/notation/dump_beats.py (the tuning
 * pieces, `--split val`; the dev pieces only to report). Beat and downbeat F-measure within 70 ms (mir_eval's
 * tolerance, one-to-one, without its 5 s trim) and metre accuracy (bar length in beats and beat division both right),
 * means over performances; how many compound and simple performances had their division read right; also the time each takes per performance. `--decode '{"intervalTightness": 5}'` overrides
 * core/notation DEFAULT_DECODE_METRE_OPTIONS (to tune them). Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { bipartiteMatch } from '../core/metrics/bipartite-match';
import { downbeatTimes, planMetre, sanitiseNotes, trackBeats, type DecodeMetreOptions } from '../core/notation';
import type { Note } from '../core/types';
import { defaultNotationModelPath, loadNotationModelFile } from '../cli/model-location';

interface Row {
  readonly name: string;
  readonly notes: Note[];
  readonly beats: number[];
  readonly downbeats: number[];
  readonly barBeats: number;
  readonly compound: boolean;
}

const TOLERANCE_SECONDS = 0.07;

function fMeasure(reference: readonly number[], estimate: readonly number[]): number {
  if (reference.length === 0 || estimate.length === 0) return 0;
  const graph = new Map<number, number[]>();
  let j0 = 0;
  reference.forEach((t, i) => {
    while (j0 < estimate.length && (estimate[j0] as number) < t - TOLERANCE_SECONDS) j0 += 1;
    const edges: number[] = [];
    for (let j = j0; j < estimate.length && (estimate[j] as number) <= t + TOLERANCE_SECONDS; j += 1) edges.push(j);
    if (edges.length > 0) graph.set(i, edges);
  });
  const hits = bipartiteMatch(graph).size;
  return hits === 0 ? 0 : (2 * hits) / (reference.length + estimate.length);
}

interface Reading {
  readonly beats: readonly number[];
  readonly downbeats: readonly number[];
  readonly barBeats: number;
  readonly compound: boolean;
}

function rules(notes: readonly Note[]): Reading {
  const clean = sanitiseNotes(notes);
  const first = clean[0]?.onsetSeconds ?? 0;
  const last = clean.reduce((e, n) => Math.max(e, n.offsetSeconds), 0);
  const tracked = trackBeats(clean, { fromSeconds: first, toSeconds: last }).beatTimesSeconds;
  const plan = planMetre(clean, tracked);
  const barBeats = (4 * plan.timeSignature.beats) / plan.timeSignature.beatType / plan.quartersPerBeat;
  const downbeats = plan.beats.filter((_, k) => Number.isInteger(barBeats) && (((k - plan.downbeatPhase) % barBeats) + barBeats) % barBeats === 0);
  return { beats: plan.beats, downbeats, barBeats, compound: plan.compound };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const valueOf = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const file = args[0];
  if (file === undefined) throw new Error('usage: eval-notation-beats.ts FILE.json [--no-model] [--model FILE.onnx] [--decode JSON]');
  const rows = JSON.parse(readFileSync(file, 'utf8')) as Row[];
  const decode = JSON.parse(valueOf('--decode') ?? '{}') as Partial<DecodeMetreOptions>;
  const model = args.includes('--no-model') ? undefined : await loadNotationModelFile(valueOf('--model') ?? defaultNotationModelPath(), { intraOpNumThreads: 1 });
  // Division as a confusion: compound performances are few (about one in seven), so accuracy alone hides them.
  const totals: Record<string, { beatF: number; downbeatF: number; metre: number; seconds: number; compoundRead: number; simpleRead: number }> = {};
  const compoundCount = rows.filter((row) => row.compound).length;
  for (const row of rows) {
    const within = (times: readonly number[]): number[] => times.filter((t) => t >= (row.beats[0] as number) - 0.5 && t <= (row.beats[row.beats.length - 1] as number) + 0.5);
    const readings: [string, () => Promise<Reading | undefined>][] = [['rules', () => Promise.resolve(rules(row.notes))]];
    if (model !== undefined) {
      readings.push([
        'model',
        async () => {
          const metre = await model.estimateMetre(row.notes, decode);
          if (metre === undefined) return undefined;
          const downbeats = downbeatTimes(metre.beatTimesSeconds, metre);
          return { beats: metre.beatTimesSeconds, downbeats, barBeats: metre.barBeats, compound: metre.compound };
        },
      ]);
    }
    for (const [name, read] of readings) {
      const began = performance.now();
      const reading = await read();
      const seconds = (performance.now() - began) / 1000;
      const total = (totals[name] ??= { beatF: 0, downbeatF: 0, metre: 0, seconds: 0, compoundRead: 0, simpleRead: 0 });
      total.seconds += seconds;
      if (reading === undefined) continue;
      total.beatF += fMeasure(row.beats, within(reading.beats));
      total.downbeatF += fMeasure(row.downbeats, within(reading.downbeats));
      total.metre += reading.barBeats === row.barBeats && reading.compound === row.compound ? 1 : 0;
      if (reading.compound === row.compound) total[row.compound ? 'compoundRead' : 'simpleRead'] += 1;
    }
  }
  const n = rows.length;
  console.log(
    JSON.stringify({
      performances: n,
      ...Object.fromEntries(
        Object.entries(totals).map(([name, t]) => [
          name,
          {
            beatF: +(t.beatF / n).toFixed(4),
            downbeatF: +(t.downbeatF / n).toFixed(4),
            metreAccuracy: +(t.metre / n).toFixed(4),
            compoundReadCompound: `${t.compoundRead}/${compoundCount}`,
            simpleReadSimple: `${t.simpleRead}/${n - compoundCount}`,
            secondsPerPerformance: +(t.seconds / n).toFixed(4),
          },
        ]),
      ),
    }),
  );
  await model?.release();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
