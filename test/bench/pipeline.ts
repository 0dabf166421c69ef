/**
 * `npm run bench:pipeline`: the pipeline on a local moto server, measured from S3 upload to the webhook delivery.
 *   latency:    upload-to-notification p50/p95 for a 3-minute piece, one upload at a time
 *   throughput: 20 concurrent uploads of the same piece, wall time until all 20 are notified
 * It reports the batches the worker formed. The last stdout line is JSON.
 * Options (env): BENCH_LATENCY_RUNS (default 5), BENCH_CONCURRENT (20), BENCH_PIECE_SECONDS (180),
 * BENCH_INGEST_POLLERS (2; Lambda would run one container per message), BENCH_MODEL (default models/…onnx, else the
 * test fixture), NOTESCRIBE_EXECUTION_PROVIDERS (default cpu; cuda,cpu on a GPU machine).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { cardPathFor, defaultModelPath } from '../../cli/model-location';
import { DEFAULT_KEY_LAYOUT, statusKeyFor } from '../../contract/keys';
import { DSP_PARAMETERS_HASH } from '../../core/features';
import { createWorkerEngine, type WorkerEngine } from '../../gpu-task/engine';
import { asNotescribeError } from '../../core/errors';
import { Worker } from '../../gpu-task/worker';
import { analyseUpload } from '../../lambdas/ingest/engine';
import { ingestBatch } from '../../lambdas/ingest/ingest';
import { sendBatch } from '../../lambdas/notify/send';
import { SqsEventSource } from '../../pipeline/sqs-event-source';
import { createAwsClients, destroyAwsClients } from '../../pipeline/aws';
import { readPipelineConfig, type PipelineConfig } from '../../pipeline/config';
import { createLog } from '../../pipeline/log';
import { LOCAL_SENDER_CONCURRENCY } from '../../pipeline/notification-sender';
import { Notifier } from '../../pipeline/notify';
import { StatusStore } from '../../pipeline/status-store';
import { startMoto } from '../helpers/moto';
import { randomPiece, renderPiano } from '../helpers/piano-synth';
import { startReceiver } from '../helpers/receiver';
import { wavBytes } from '../pipeline/audio';
import { ensureLocalResources, localPipelineEnvironment } from '../../scripts/local-resources';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  // nearest-rank: the smallest value with at least p% of the values at or below it
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const latencyRuns = env('BENCH_LATENCY_RUNS', 5);
  const concurrent = env('BENCH_CONCURRENT', 20);
  const pieceSeconds = env('BENCH_PIECE_SECONDS', 180);
  const pollers = env('BENCH_INGEST_POLLERS', 2);
  const say = (line: string): void => void process.stderr.write(`${line}\n`);

  const realModel = process.env['BENCH_MODEL'] ?? defaultModelPath();
  const fixture = join(__dirname, '../fixtures/model/fixture.onnx');
  const fixtureCard = (): string =>
    // the fixture's logic does not depend on the DSP parameters, so its card is pinned to the engine's hash
    JSON.stringify({ ...(JSON.parse(readFileSync(cardPathFor(fixture), 'utf8')) as object), dspParametersHash: DSP_PARAMETERS_HASH });
  const executionProviders = (process.env['NOTESCRIBE_EXECUTION_PROVIDERS'] ?? 'cpu').split(',');
  let engine: WorkerEngine | undefined;
  let model = 'test fixture (no trained model in models/)';
  if (existsSync(realModel) && existsSync(cardPathFor(realModel))) {
    try {
      engine = await createWorkerEngine({
        onnxBytes: new Uint8Array(readFileSync(realModel)),
        cardJson: readFileSync(cardPathFor(realModel), 'utf8'),
        executionProviders,
      });
      model = realModel;
    } catch (error) {
      // e.g. MODEL_MISMATCH: a model trained before the DSP parameters last changed
      model = `test fixture (${realModel} refused: ${asNotescribeError(error).code})`;
      say(`${realModel}: ${(error as Error).message}; using the test fixture`);
    }
  }
  engine ??= await createWorkerEngine({
    onnxBytes: new Uint8Array(readFileSync(fixture)),
    cardJson: fixtureCard(),
    executionProviders,
  });

  say(`rendering a ${pieceSeconds} s piece…`);
  const piece = randomPiece({ seed: 7, events: Math.round(pieceSeconds * 2.2), intervalSeconds: [0.15, 0.75] });
  const notes = piece.notes.filter((n) => n.offsetSeconds < pieceSeconds - 1);
  const audio = wavBytes(renderPiano(notes, { durationSeconds: pieceSeconds }));

  const moto = await startMoto();
  const receiver = await startReceiver();
  const clients = createAwsClients({ endpoint: moto.endpoint, region: 'us-east-1' });
  const log = createLog('bench', { silent: process.env['BENCH_LOGS'] !== '1' });
  try {
    const resources = await ensureLocalResources(clients, {
      bucket: 'notescribe-bench',
      ingestQueue: 'notescribe-ingest',
      jobsQueue: 'notescribe-jobs',
      notifyQueue: 'notescribe-notify',
      topic: 'notescribe-outcomes',
      uploadsPrefix: DEFAULT_KEY_LAYOUT.uploadsPrefix,
      emailFrom: 'bench@example.com',
      secretName: 'notescribe/webhook',
      secretValue: 'whsec_bench',
    });
    const config: PipelineConfig = readPipelineConfig({
      ...localPipelineEnvironment(resources, { endpoint: moto.endpoint, region: 'us-east-1', emailFrom: 'bench@example.com' }),
      NOTESCRIBE_DEFAULT_WEBHOOK_URL: `${receiver.url}/hook`,
      NOTESCRIBE_ALLOW_PRIVATE_WEBHOOKS: 'true',
      NOTESCRIBE_WEBHOOK_MIN_BACKOFF_MS: '100',
    });
    const store = new StatusStore(clients.s3, config.bucket);
    const sender = { clients, store, notifier: new Notifier(clients, config.notify), notifyConfig: config.notify, log };
    const ingestDeps = { clients, store, notifyQueueUrl: config.notifyQueueUrl, config, log, analyse: analyseUpload };
    const settings = { batchWindows: 2048, batchWaitMs: 250, visibilitySeconds: 120, maxReceives: 3, formats: ['musicxml', 'mxl', 'midi', 'json'] as const };
    const worker = new Worker({ clients, store, pipeline: config, settings: { ...settings, formats: [...settings.formats] }, engine, log, waitTimeSeconds: 1 });
    const ingest = [
      ...Array.from(
        { length: pollers },
        () => new SqsEventSource(clients, (event) => ingestBatch(ingestDeps, event), resources.ingestQueueUrl, log, { batchSize: 1, waitTimeSeconds: 1 }),
      ),
      new SqsEventSource(clients, (event) => sendBatch(sender, event), resources.notifyQueueUrl, log, { waitTimeSeconds: 1, concurrency: LOCAL_SENDER_CONCURRENCY }),
    ];
    const running = [worker.start(), ...ingest.map((p) => p.start())];

    const notified = (key: string): boolean =>
      receiver.on('/hook').some((r) => (JSON.parse(r.body) as { uploadKey?: string }).uploadKey === key);
    const upload = async (key: string): Promise<number> => {
      const start = performance.now();
      await clients.s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: key, Body: audio }));
      await receiver.waitFor(() => notified(key), 600_000);
      return performance.now() - start;
    };

    say(`latency: ${latencyRuns} uploads one at a time…`);
    const latencies: number[] = [];
    const stages: Record<string, number>[] = [];
    for (let i = 0; i < latencyRuns; i++) {
      const key = `uploads/latency/piece-${i}.wav`;
      const startedAt = Date.now();
      latencies.push(await upload(key));
      const notifiedAt = Date.now();
      const record = (await store.read(statusKeyFor(config.layout, key)))?.record;
      const at = (state: 'queued' | 'processing' | 'done'): number => Date.parse(record?.times[state] ?? '');
      // from the status record's times: where an upload's latency goes
      stages.push({
        eventDeliveryMs: at('queued') - startedAt,
        ingestAnalysisAndQueueMs: at('processing') - at('queued'),
        workerMs: at('done') - at('processing'),
        notifyMs: notifiedAt - at('done'),
      });
    }
    const latencyBatches = worker.stats.batchWindowCounts.length;

    say(`throughput: ${concurrent} concurrent uploads…`);
    const start = performance.now();
    await Promise.all(Array.from({ length: concurrent }, (_, i) => upload(`uploads/throughput/piece-${i}.wav`)));
    const totalMs = performance.now() - start;

    await Promise.all([worker.stop(), ...ingest.map((p) => p.stop())]);
    await Promise.all(running);
    await engine.release();
    const result = {
      bench: 'pipeline',
      backend: 'moto',
      model,
      executionProvider: engine.executionProvider,
      pieceSeconds,
      ingestPollers: pollers,
      latency: {
        runs: latencyRuns,
        p50Ms: Math.round(percentile(latencies, 50)),
        p95Ms: Math.round(percentile(latencies, 95)),
        allMs: latencies.map(Math.round),
        stagesMedianMs: Object.fromEntries(
          Object.keys(stages[0] ?? {}).map((name) => [name, Math.round(percentile(stages.map((s) => s[name] ?? NaN), 50))]),
        ),
      },
      throughput: {
        uploads: concurrent,
        totalMs: Math.round(totalMs),
        jobsPerMinute: +((concurrent / totalMs) * 60_000).toFixed(2),
        audioSecondsPerSecond: +((concurrent * pieceSeconds) / (totalMs / 1000)).toFixed(2),
      },
      batches: {
        settings: { batchWindows: settings.batchWindows, batchWaitMs: settings.batchWaitMs },
        latencyPhase: { windowCounts: worker.stats.batchWindowCounts.slice(0, latencyBatches), jobCounts: worker.stats.batchJobCounts.slice(0, latencyBatches) },
        throughputPhase: { windowCounts: worker.stats.batchWindowCounts.slice(latencyBatches), jobCounts: worker.stats.batchJobCounts.slice(latencyBatches) },
      },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    destroyAwsClients(clients);
    await receiver.close();
    await moto.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:pipeline: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
