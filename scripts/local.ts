/**
 * `npm run local`: the whole pipeline on this machine against LocalStack or moto. Creates (if absent) the bucket,
 * the ingest, jobs and notify queues with DLQs, the topic, the bucket notification, an SES sender and the webhook secret; then runs the
 * ingest handler and the notification sender from their queues (standing in for Lambda's event sources) and the
 * worker, until Ctrl-C.
 *
 *   docker compose up -d            # LocalStack on :4566        or:  .venv/bin/moto_server -p 4566
 *   npm run local -- --webhook-url http://127.0.0.1:9000/hook
 */
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { cardPathFor, defaultModelPath } from '../cli/model-location';
import { DEFAULT_KEY_LAYOUT } from '../contract/keys';
import { loadWorkerEngine } from '../gpu-task/engine';
import { Worker } from '../gpu-task/worker';
import { analyseUpload } from '../lambdas/ingest/engine';
import { ingestBatch } from '../lambdas/ingest/ingest';
import { sendBatch } from '../lambdas/notify/send';
import { createAwsClients } from '../pipeline/aws';
import { readPipelineConfig, type PipelineConfig } from '../pipeline/config';
import { createLog } from '../pipeline/log';
import { LOCAL_SENDER_CONCURRENCY } from '../pipeline/notification-sender';
import { Notifier } from '../pipeline/notify';
import { SqsEventSource } from '../pipeline/sqs-event-source';
import { StatusStore } from '../pipeline/status-store';
import { parseOutputFormats } from '../core/output-formats';
import { ensureLocalResources, localPipelineEnvironment } from './local-resources';

const program = new Command()
  .name('npm run local --')
  .description('Run the notescribe pipeline locally against LocalStack or moto')
  .option('--endpoint <url>', 'AWS-compatible endpoint', process.env['NOTESCRIBE_AWS_ENDPOINT'] ?? 'http://localhost:4566')
  .option('--region <region>', 'region', process.env['AWS_REGION'] ?? 'us-east-1')
  .option('--bucket <name>', 'bucket', 'notescribe-local')
  .option('--model <path>', 'ONNX model (its card beside it as .card.json)', defaultModelPath())
  .option('--webhook-url <url>', 'stack-wide default webhook')
  .option('--notify-email <address>', 'stack-wide default notification email')
  .option('--email-from <address>', 'SES sender (verified locally)', 'notescribe@example.com')
  .option('--webhook-secret <secret>', 'HMAC key stored in the local Secrets Manager', 'whsec_local_development')
  .option('--no-allow-private-webhooks', 'refuse webhooks to private/loopback addresses, as in AWS')
  .option('--allowed-webhook-hosts <list>', 'hosts an upload\'s webhook-url may name (`*`: any)', '*')
  .option('--allowed-email-domains <list>', 'domains an upload\'s notify-email may be in (`*`: any)', '*')
  .option('--batch-windows <n>', 'worker batch size in windows', '512')
  .option('--batch-wait-ms <ms>', 'worker batch wait', '250')
  .option('--formats <list>', 'output formats', 'musicxml,mxl,midi,json')
  .option('--execution-providers <list>', 'ONNX Runtime providers in order', process.env['NOTESCRIBE_EXECUTION_PROVIDERS'] ?? 'cpu')
  .parse();

async function main(): Promise<void> {
  const o = program.opts<Record<string, string | boolean | undefined>>();
  const log = createLog('local');
  const endpoint = String(o['endpoint']);
  const region = String(o['region']);
  const modelPath = String(o['model']);
  if (!existsSync(modelPath) || !existsSync(cardPathFor(modelPath))) {
    throw new Error(`no model at ${modelPath} (with ${cardPathFor(modelPath)}); pass --model`);
  }
  const clients = createAwsClients({ endpoint, region });
  const resources = await ensureLocalResources(clients, {
    bucket: String(o['bucket']),
    ingestQueue: 'notescribe-ingest',
    jobsQueue: 'notescribe-jobs',
    notifyQueue: 'notescribe-notify',
    topic: 'notescribe-outcomes',
    uploadsPrefix: DEFAULT_KEY_LAYOUT.uploadsPrefix,
    emailFrom: String(o['emailFrom']),
    secretName: 'notescribe/webhook-secret',
    secretValue: String(o['webhookSecret']),
  });
  const base = readPipelineConfig({
    ...localPipelineEnvironment(resources, { endpoint, region, emailFrom: String(o['emailFrom']) }),
    ...(typeof o['webhookUrl'] === 'string' ? { NOTESCRIBE_DEFAULT_WEBHOOK_URL: o['webhookUrl'] } : {}),
    ...(typeof o['notifyEmail'] === 'string' ? { NOTESCRIBE_DEFAULT_NOTIFY_EMAIL: o['notifyEmail'] } : {}),
    NOTESCRIBE_ALLOW_PRIVATE_WEBHOOKS: String(o['allowPrivateWebhooks'] !== false),
    NOTESCRIBE_ALLOWED_WEBHOOK_HOSTS: String(o['allowedWebhookHosts']),
    NOTESCRIBE_ALLOWED_EMAIL_DOMAINS: String(o['allowedEmailDomains']),
  });
  const config: PipelineConfig = base;
  const store = new StatusStore(clients.s3, config.bucket);
  const sender = { clients, store, notifier: new Notifier(clients, config.notify), notifyConfig: config.notify, log: createLog('notify') };
  // The models the worker image loads (gpu-task/main.ts): the onset model, the release model its card names and the
  // notation models beside it.
  const { engine } = await loadWorkerEngine({
    modelPath,
    cardPath: cardPathFor(modelPath),
    executionProviders: String(o['executionProviders']).split(','),
  });
  const ingestDeps = { clients, store, notifyQueueUrl: config.notifyQueueUrl, config, log: createLog('ingest'), analyse: analyseUpload };
  const pollers = [
    new SqsEventSource(clients, (event) => ingestBatch(ingestDeps, event), resources.ingestQueueUrl, ingestDeps.log),
    new SqsEventSource(clients, (event) => sendBatch(sender, event), resources.notifyQueueUrl, sender.log, { concurrency: LOCAL_SENDER_CONCURRENCY }),
  ];
  const worker = new Worker({
    clients,
    store,
    pipeline: config,
    settings: {
      batchWindows: Number(o['batchWindows']),
      batchWaitMs: Number(o['batchWaitMs']),
      visibilitySeconds: 120,
      maxReceives: 3,
      formats: parseOutputFormats(String(o['formats'])),
    },
    engine,
    log: createLog('worker'),
  });
  process.stdout.write(
    [
      `notescribe pipeline running against ${endpoint} (model on ${engine.executionProvider.toUpperCase()})`,
      `  upload:   aws --endpoint-url ${endpoint} s3 cp song.wav s3://${resources.bucket}/uploads/song.wav \\`,
      `              [--metadata webhook-url=https://…,notify-email=you@example.com]`,
      `  status:   npm run notescribe -- status uploads/song.wav --bucket ${resources.bucket} --endpoint ${endpoint}`,
      `  results:  s3://${resources.bucket}/results/   topic: ${resources.topicArn}`,
      `  queues:   ${resources.ingestQueueUrl}, ${resources.jobsQueueUrl}, ${resources.notifyQueueUrl} (+ -dlq)`,
      'Ctrl-C stops after the jobs in hand are finished.',
      '',
    ].join('\n'),
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log.info('stopping', { signal });
      void Promise.all([...pollers.map((p) => p.stop()), worker.stop()]);
    });
  }
  await Promise.all([...pollers.map((p) => p.start()), worker.start()]);
  await engine.release();
}

main().catch((error: unknown) => {
  process.stderr.write(`npm run local: ${(error as Error).message}\n`);
  process.exit(1);
});
