/**
 * `npx tsx scripts/fit-metre-decoder.ts TRAIN.json VAL.json [--model FILE.onnx] [--seconds 30] [--l2 0.001] [--cache FILE] [--stage level|bar]`:
 * fits `DecodeMetreOptions.levelWeights`, the weights of the beat readings' features in core/notation `chooseBeatLevel`
 * (which beat level and division are the notated ones), or with `--stage bar` `barWeights` (bar length and downbeat
 * phase, `barCandidates`; a reading's quality is then its downbeat F-measure), on performances written by training/notation/dump_beats.py
 * (TRAIN: the training pieces, `--augment 1` so that the model's activations are not those of music it has learnt;
 * VAL: the evaluation's tuning pieces, scored only). Each performance gives two readings: its first `--seconds` (as
 * the evaluation's excerpts) and the whole of it (as the CLI). A reading's quality is the beat F-measure of its beats
 * against the annotated ones (70 ms), halved when its division (simple or compound) is not the annotated one; the fit
 * is a conditional logit (the readings within 0.02 of the best quality are the right ones), less `--l2` times the
 * squared weights. Prints
 * per split the mean quality of the chosen reading (hand-set weights against fitted ones, and the best reading there
 * was), and the fitted weights as the JSON last line.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { bipartiteMatch } from '../core/metrics/bipartite-match';
import {
  BAR_FEATURES,
  DEFAULT_DECODE_METRE_OPTIONS,
  downbeatTimes,
  handBarWeights,
  handLevelWeights,
  LEVEL_FEATURES,
  METRE_FRAME_RATE_HZ,
  metreBarCandidates,
  metreLevelCandidates,
} from '../core/notation';
import type { Note } from '../core/types';
import { defaultNotationModelPath, loadNotationModelFile } from '../cli/model-location';

interface Row {
  readonly name: string;
  readonly notes: Note[];
  readonly beats: number[];
  readonly downbeats: number[];
  readonly compound: boolean;
}

type Stage = 'level' | 'bar';

/** One decision: each reading's features and quality. */
interface Decision {
  readonly features: number[][];
  readonly quality: number[];
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

async function decisions(file: string, model: Awaited<ReturnType<typeof loadNotationModelFile>>, seconds: number, stage: Stage): Promise<Decision[]> {
  const rows = JSON.parse(readFileSync(file, 'utf8')) as Row[];
  const out: Decision[] = [];
  for (const row of rows) {
    const start = row.notes[0]?.onsetSeconds ?? 0;
    for (const end of [start + seconds, Infinity]) {
      const notes = row.notes.filter((n) => n.onsetSeconds < end);
      const reference = row.beats.filter((t) => t <= end);
      const output = await model.metreLogits(notes);
      if (output === undefined || reference.length < 4) continue;
      const lo = (reference[0] as number) - 0.5;
      const hi = (reference[reference.length - 1] as number) + 0.5;
      if (stage === 'bar') {
        // A bar reading's quality: the F-measure of its downbeats against the annotated ones.
        const downbeats = row.downbeats.filter((t) => t <= end);
        const { beats, candidates } = metreBarCandidates(output.logits, output.frames, output.notes);
        if (candidates.length < 2 || downbeats.length < 2) continue;
        out.push({
          features: candidates.map((c) => BAR_FEATURES.map((name) => c.features[name])),
          quality: candidates.map((c) =>
            fMeasure(
              downbeats,
              downbeatTimes(beats, c).filter((t) => t >= lo && t <= hi),
            ),
          ),
        });
        continue;
      }
      const candidates = metreLevelCandidates(output.logits, output.frames, output.notes);
      if (candidates.length < 2) continue;
      out.push({
        features: candidates.map((c) => LEVEL_FEATURES.map((name) => c.features[name])),
        quality: candidates.map((c) => {
          const beats = c.frames.map((f) => f / METRE_FRAME_RATE_HZ).filter((t) => t >= lo && t <= hi);
          return fMeasure(reference, beats) * (c.compound === row.compound ? 1 : 0.5);
        }),
      });
    }
  }
  return out;
}

const dot = (w: readonly number[], f: readonly number[]): number => f.reduce((s, v, k) => s + v * (w[k] as number), 0);

/** Mean quality of the reading with the best score under `w`. */
function chosenQuality(data: readonly Decision[], w: readonly number[]): number {
  let total = 0;
  for (const d of data) {
    let best = 0;
    d.features.forEach((f, i) => {
      if (dot(w, f) > dot(w, d.features[best] as number[]) + 1e-9) best = i;
    });
    total += d.quality[best] as number;
  }
  return total / Math.max(1, data.length);
}

/** Readings within this much of a decision's best quality count as right. */
const NEAR_BEST = 0.02;

/**
 * Conditional logit: gradient ascent (Adam) on the mean log-probability, under softmax(w · f), of the readings within
 * NEAR_BEST of each decision's best, less l2 · |w|². Decisions where no reading is any good (best under 0.5) teach
 * nothing and are left out.
 */
function fit(data: readonly Decision[], start: readonly number[], l2: number, steps = 2000, rate = 0.05): number[] {
  const useful = data.filter((d) => Math.max(...d.quality) >= 0.5);
  const w = [...start];
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  for (let step = 1; step <= steps; step += 1) {
    const grad = w.map((x) => -2 * l2 * x);
    for (const d of useful) {
      const scores = d.features.map((f) => dot(w, f));
      const top = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - top));
      const z = e.reduce((a, b) => a + b, 0);
      const bestQuality = Math.max(...d.quality);
      const right = d.quality.map((q) => q >= bestQuality - NEAR_BEST);
      const zRight = e.reduce((a, x, i) => a + (right[i] === true ? x : 0), 0);
      // d/dw log(Σ_right p) = E_right[f] − E[f].
      d.features.forEach((f, i) => {
        const coefficient = ((right[i] === true ? (e[i] as number) / zRight : 0) - (e[i] as number) / z) / useful.length;
        f.forEach((x, k) => (grad[k] = (grad[k] as number) + coefficient * x));
      });
    }
    grad.forEach((g, k) => {
      m[k] = 0.9 * (m[k] as number) + 0.1 * g;
      v[k] = 0.999 * (v[k] as number) + 0.001 * g * g;
      const mHat = (m[k] as number) / (1 - 0.9 ** step);
      const vHat = (v[k] as number) / (1 - 0.999 ** step);
      w[k] = (w[k] as number) + (rate * mHat) / (Math.sqrt(vHat) + 1e-8);
    });
  }
  return w;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const valueOf = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const [trainFile, valFile] = args;
  if (trainFile === undefined || valFile === undefined) throw new Error('usage: fit-metre-decoder.ts TRAIN.json VAL.json [--model FILE.onnx] [--seconds 30] [--l2 0.001] [--cache FILE]');
  const model = await loadNotationModelFile(valueOf('--model') ?? defaultNotationModelPath(), { intraOpNumThreads: 1 });
  const seconds = Number(valueOf('--seconds') ?? 30);
  const l2 = Number(valueOf('--l2') ?? 0.001);
  // Reading the candidates takes minutes; --cache keeps them for refits.
  const stage: Stage = valueOf('--stage') === 'bar' ? 'bar' : 'level';
  const cache = valueOf('--cache');
  const [train, val] =
    cache !== undefined && existsSync(cache)
      ? (JSON.parse(readFileSync(cache, 'utf8')) as [Decision[], Decision[]])
      : [await decisions(trainFile, model, seconds, stage), await decisions(valFile, model, seconds, stage)];
  if (cache !== undefined && !existsSync(cache)) writeFileSync(cache, JSON.stringify([train, val]));
  const names: readonly string[] = stage === 'bar' ? BAR_FEATURES : LEVEL_FEATURES;
  const handWeights: Record<string, number> = stage === 'bar' ? handBarWeights(DEFAULT_DECODE_METRE_OPTIONS) : handLevelWeights(DEFAULT_DECODE_METRE_OPTIONS);
  const hand = names.map((name) => handWeights[name] as number);
  const fitted = fit(train, hand, l2);
  const ceiling = (data: readonly Decision[]): number => data.reduce((s, d) => s + Math.max(...d.quality), 0) / Math.max(1, data.length);
  for (const [name, data] of [['train', train], ['val', val]] as const) {
    console.log(`${name}: ${data.length} readings; chosen quality hand-set ${chosenQuality(data, hand).toFixed(4)}, fitted ${chosenQuality(data, fitted).toFixed(4)}, best there was ${ceiling(data).toFixed(4)}`);
  }
  const weights = Object.fromEntries(names.map((name, k) => [name, +(fitted[k] as number).toFixed(4)]));
  console.log(JSON.stringify({ [stage === 'bar' ? 'barWeights' : 'levelWeights']: weights }));
  await model.release();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
