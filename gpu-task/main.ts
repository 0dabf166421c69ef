/**
 * The GPU worker's entry point (ECS task). Configuration: environment variables, see docs/pipeline.md. On SIGTERM
 * (ECS stop, scale-in) it stops polling, finishes the jobs it holds and exits 0.
 */
import { closeSync, openSync, utimesSync } from 'node:fs';
import { asNotescribeError } from '../core/errors';
import { createAwsClients } from '../pipeline/aws';
import { readPipelineConfig, readWorkerConfig } from '../pipeline/config';
import { createLog } from '../pipeline/log';
import { createMetrics } from '../pipeline/metrics';
import { StatusStore } from '../pipeline/status-store';
import { loadWorkerEngine } from './engine';
import { Worker } from './worker';

/** Creates the file or bumps its modification time; never throws (a failed touch must not stop the worker). */
function touch(file: string): void {
  try {
    const now = new Date();
    try {
      utimesSync(file, now, now);
    } catch {
      closeSync(openSync(file, 'a'));
    }
  } catch {
    // the health check will notice
  }
}

async function main(): Promise<void> {
  const log = createLog('worker');
  const pipeline = readPipelineConfig(process.env, 'worker');
  const settings = readWorkerConfig(process.env);
  const heartbeatFile = settings.heartbeatFile;
  const clients = createAwsClients({
    ...(pipeline.region ? { region: pipeline.region } : {}),
    ...(pipeline.endpoint ? { endpoint: pipeline.endpoint } : {}),
  });
  // The onset model, the release model its card names and the notation models beside it, as the CLI writes scores.
  const { engine, release, notation } = await loadWorkerEngine({
    modelPath: settings.modelPath,
    cardPath: settings.modelCardPath,
    executionProviders: settings.executionProviders,
  });
  log.info('execution provider', { provider: engine.executionProvider, notes: engine.providerNotes });
  log.info('models', {
    release: release?.path ?? 'none (note ends by decay)',
    metre: notation.metre?.path ?? 'none (the rules)',
    hands: notation.hands?.path ?? 'none (the rules)',
  });
  const worker = new Worker({
    clients,
    pipeline,
    settings,
    engine,
    store: new StatusStore(clients.s3, pipeline.bucket),
    log,
    metrics: createMetrics('worker'),
    ...(heartbeatFile ? { onHeartbeat: () => touch(heartbeatFile) } : {}),
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info('stopping: finishing held jobs', { signal });
      void worker.stop();
    });
  }
  await worker.start();
  await engine.release();
}

main().catch((error: unknown) => {
  const failure = asNotescribeError(error);
  process.stderr.write(`${JSON.stringify({ level: 'error', component: 'worker', ...failure.toRecord() })}\n`);
  process.exit(1);
});
