/**
 * `npx tsx scripts/eval-notation-speed.ts FILE.json [--seconds 180] [--runs 5]`: the notation stage's time on one core
 * for the first performance in FILE (written by training/notation/dump_beats.py) at least --seconds long, cut to
 * that length: `buildScore` by the rules, and with the learned models (notation model and hands model on one
 * onnxruntime thread, then `buildScore` with their readings), and `toMusicXml`. Medians of --runs runs (after one
 * warm-up) as one JSON line.
 */
import { readFileSync } from 'node:fs';
import { buildScore, learnedNotation, toMusicXml } from '../core/notation';
import type { Note } from '../core/types';
import { loadHandsModelFile, loadNotationModelFile } from '../cli/model-location';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const valueOf = (flag: string, fallback: string): string => (args.includes(flag) ? (args[args.indexOf(flag) + 1] ?? fallback) : fallback);
  const seconds = Number(valueOf('--seconds', '180'));
  const runs = Number(valueOf('--runs', '5'));
  const rows = JSON.parse(readFileSync(args[0] ?? '', 'utf8')) as { name: string; notes: Note[] }[];
  const row = rows.find((r) => r.notes.some((n) => n.onsetSeconds >= seconds));
  if (row === undefined) throw new Error(`no performance in ${args[0] ?? ''} lasts ${seconds} s`);
  const notes = row.notes.filter((n) => n.onsetSeconds < seconds);
  const models = { metre: await loadNotationModelFile(undefined, { intraOpNumThreads: 1 }), hands: await loadHandsModelFile(undefined, { intraOpNumThreads: 1 }) };
  const time = async (work: () => unknown): Promise<number> => {
    await work();
    const times: number[] = [];
    for (let k = 0; k < runs; k += 1) {
      const began = performance.now();
      await work();
      times.push((performance.now() - began) / 1000);
    }
    return +(times.sort((a, b) => a - b)[runs >> 1] as number).toFixed(4);
  };
  const learned = await learnedNotation(notes, models);
  const score = buildScore(notes, learned);
  const result = {
    piece: row.name,
    notes: notes.length,
    seconds,
    rulesBuildScore: await time(() => buildScore(notes)),
    metreModel: await time(() => models.metre.estimateMetre(notes)),
    handsModel: await time(() => models.hands.leftHand(notes)),
    learnedBuildScore: await time(() => buildScore(notes, learned)),
    learnedTotal: await time(async () => buildScore(notes, await learnedNotation(notes, models))),
    toMusicXml: await time(() => toMusicXml(score)),
  };
  console.log(JSON.stringify(result));
  await models.metre.release();
  await models.hands.release();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
