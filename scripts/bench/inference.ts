/**
 * Bench section: onset-model throughput (windows per second) by batch size, on CPU with one onnxruntime thread.
 * Uses the trained model in models/ when it is there, else the test fixture (and says so: the fixture is a few
 * arithmetic nodes, so its numbers measure call overhead, not the network).
 *
 *   npx tsx scripts/bench/inference.ts [--model PATH]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultModelPath, loadModelFile, modelAvailable, packageRoot } from '../../cli/model-location';
import { DSP_PARAMETERS_HASH } from '../../core/features';
import { loadOnsetModel, parseModelCard, type OnsetModel } from '../../core/model';
import { BIN_COUNT, WINDOW_FRAME_COUNT } from '../../core/params';
import type { BenchSection, Metric } from './types';

export interface InferenceBenchRow {
  readonly batchSize: number;
  readonly windows: number;
  readonly windowsPerSecond: number;
  readonly msPerWindow: number;
}

export interface InferenceBench {
  readonly section: 'inference';
  /** The model measured, and whether it is the trained one or the test fixture. */
  readonly model: string;
  readonly trainedModel: boolean;
  readonly executionProvider: string;
  readonly intraOpThreads: number;
  readonly rows: readonly InferenceBenchRow[];
}

export const INFERENCE_BATCH_SIZES = [1, 8, 32, 128, 512] as const;

/**
 * Loads `modelPath`, else the trained model in models/, else the test fixture (pinned to this engine's DSP hash),
 * with the given onnxruntime thread count.
 */
export async function loadBenchModel(
  threads: number,
  modelPath?: string,
): Promise<{ model: OnsetModel; trained: boolean; path: string }> {
  const path = modelPath ?? defaultModelPath();
  if (modelPath !== undefined || modelAvailable(path)) {
    return { model: await loadModelFile(path, { intraOpNumThreads: threads }), trained: true, path };
  }
  const dir = join(packageRoot(), 'test', 'fixtures', 'model');
  const card = parseModelCard(readFileSync(join(dir, 'fixture.card.json')));
  const model = await loadOnsetModel(
    new Uint8Array(readFileSync(join(dir, 'fixture.onnx'))),
    { ...card, dspParametersHash: DSP_PARAMETERS_HASH },
    { intraOpNumThreads: threads },
  );
  return { model, trained: false, path: join(dir, 'fixture.onnx') };
}

/**
 * Measures windows per second at each batch size: one warm-up call, then whole batches until at least
 * `minSeconds` have passed and `minWindows` windows were classified.
 */
export async function benchInference(
  options: { batchSizes?: readonly number[]; threads?: number; minSeconds?: number; minWindows?: number; modelPath?: string } = {},
): Promise<InferenceBench> {
  const threads = options.threads ?? 1;
  const { model, trained } = await loadBenchModel(threads, options.modelPath);
  const sizes = options.batchSizes ?? INFERENCE_BATCH_SIZES;
  const largest = Math.max(...sizes);
  const windows = new Float32Array(largest * WINDOW_FRAME_COUNT * BIN_COUNT);
  // Log-amplitude-like values: silence at ln(1e-5) with louder patches, so no path is trivially zero.
  for (let i = 0; i < windows.length; i++) windows[i] = -11.5 + 9 * Math.abs(Math.sin(i * 0.618));
  const rows: InferenceBenchRow[] = [];
  try {
    for (const batchSize of sizes) {
      await model.predict(windows, batchSize, { batchSize });
      let done = 0;
      const start = performance.now();
      while (performance.now() - start < (options.minSeconds ?? 1) * 1000 || done < (options.minWindows ?? 256)) {
        await model.predict(windows, batchSize, { batchSize });
        done += batchSize;
      }
      const seconds = (performance.now() - start) / 1000;
      rows.push({ batchSize, windows: done, windowsPerSecond: done / seconds, msPerWindow: (seconds * 1000) / done });
    }
  } finally {
    await model.release();
  }
  return {
    section: 'inference',
    model: model.card.name,
    trainedModel: trained,
    executionProvider: model.executionProvider,
    intraOpThreads: threads,
    rows,
  };
}

/** Plain-text table of a result, for the bench report. */
export function formatInferenceBench(result: InferenceBench): string {
  const lines = [
    `inference: ${result.model}${result.trainedModel ? '' : ' (TEST FIXTURE: no trained model in models/)'} on ` +
      `${result.executionProvider.toUpperCase()}, ${result.intraOpThreads} thread(s)`,
    '  batch   windows/s   ms/window',
    ...result.rows.map(
      (r) => `  ${String(r.batchSize).padStart(5)} ${r.windowsPerSecond.toFixed(0).padStart(11)} ${r.msPerWindow.toFixed(3).padStart(11)}`,
    ),
  ];
  return lines.join('\n');
}

/** The harness section (scripts/bench.ts): `inference_wps_batch_<n>` windows per second at each batch size. */
export const inferenceSection: BenchSection = {
  name: 'inference',
  description: 'onset model windows per second by batch size, CPU, 1 onnxruntime thread',
  headline: ['inference_wps_batch_64'],
  async run({ log, quick }) {
    const result = await benchInference({
      batchSizes: [...INFERENCE_BATCH_SIZES, 64].sort((a, b) => a - b),
      ...(quick ? { minSeconds: 0.1, minWindows: 16 } : {}),
    });
    for (const line of formatInferenceBench(result).split('\n')) log(line);
    const metrics: Record<string, Metric> = {
      inference_model: result.model,
      inference_trained_model: result.trainedModel,
      inference_provider: result.executionProvider,
    };
    for (const row of result.rows) metrics[`inference_wps_batch_${row.batchSize}`] = Math.round(row.windowsPerSecond);
    return metrics;
  },
};

/** `--model PATH` on the command line, if given. */
export function modelArgument(argv: readonly string[] = process.argv): string | undefined {
  const i = argv.indexOf('--model');
  return i >= 0 ? argv[i + 1] : undefined;
}

if (require.main === module) {
  const modelPath = modelArgument();
  benchInference(modelPath === undefined ? {} : { modelPath })
    .then((result) => process.stdout.write(`${formatInferenceBench(result)}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    });
}
