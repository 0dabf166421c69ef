import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { statusKeyFor } from '../../contract/keys';
import type { StatusRecord } from '../../contract/status-record';
import { DSP_PARAMETERS_HASH } from '../../core/features';
import { createWorkerEngine, type WorkerEngine } from '../../gpu-task/engine';
import { Worker, type WorkerHooks } from '../../gpu-task/worker';
import { analyseUpload } from '../../lambdas/ingest/engine';
import { ingestBatch, type IngestDeps } from '../../lambdas/ingest/ingest';
import { sendBatch } from '../../lambdas/notify/send';
import { createAwsClients, destroyAwsClients, type AwsClients } from '../../pipeline/aws';
import { readPipelineConfig, type NotifyConfig, type PipelineConfig, type WorkerConfig } from '../../pipeline/config';
import { createLog } from '../../pipeline/log';
import { createMetrics } from '../../pipeline/metrics';
import { LOCAL_SENDER_CONCURRENCY } from '../../pipeline/notification-sender';
import { Notifier } from '../../pipeline/notify';
import { SqsEventSource } from '../../pipeline/sqs-event-source';
import { StatusStore } from '../../pipeline/status-store';
import { DEFAULT_KEY_LAYOUT } from '../../contract/keys';
import { ensureLocalResources, localPipelineEnvironment, type LocalResources } from '../../scripts/local-resources';
import { startLocalStack, type LocalStackServer } from '../helpers/localstack';
import { startMoto, type MotoServer } from '../helpers/moto';
import { startReceiver, type Receiver } from '../helpers/receiver';

// the metrics code runs, its EMF lines are not printed (NOTESCRIBE_TEST_LOGS=1 shows them with the logs)
if (process.env['NOTESCRIBE_TEST_LOGS'] !== '1') process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';

export const WEBHOOK_SECRET = 'whsec_pipeline_test';
export const EMAIL_FROM = 'notescribe@example.com';

/** A sent email as both backends report it. */
export interface SentEmail {
  readonly to: string[];
  readonly subject: string;
  readonly body: string;
}

/**
 * One pipeline on real servers: moto on a loopback port, or with TEST_BACKEND=localstack LocalStack (the run's, at
 * LOCALSTACK_ENDPOINT, or its own), the local receiver subscribed to the topic, and the ingest poller and worker running
 * in-process on demand.
 */
export class PipelineHarness {
  private moto: MotoServer | undefined;
  private ownLocalStack: LocalStackServer | undefined;
  private running: { stop(): Promise<void> }[] = [];
  readonly log = createLog('test', { silent: process.env['NOTESCRIBE_TEST_LOGS'] !== '1' });

  private constructor(
    readonly backend: 'moto' | 'localstack',
    readonly endpoint: string,
    readonly clients: AwsClients,
    readonly resources: LocalResources,
    readonly receiver: Receiver,
    readonly config: PipelineConfig,
    readonly engine: WorkerEngine,
    moto: MotoServer | undefined,
  ) {
    this.moto = moto;
  }

  static async start(options: {
    jobsVisibilitySeconds: number;
    notify?: Partial<NotifyConfig>;
    /** Extra environment variables, read with readPipelineConfig like the deployables read theirs. */
    env?: Record<string, string>;
  }): Promise<PipelineHarness> {
    const backend = process.env['TEST_BACKEND'] === 'localstack' ? 'localstack' : 'moto';
    const moto = backend === 'moto' ? await startMoto() : undefined;
    // LocalStack: the run's shared one (localstack.global-setup.ts), or one of this file's own
    const ownLocalStack = backend === 'localstack' && !process.env['LOCALSTACK_ENDPOINT'] ? await startLocalStack() : undefined;
    const endpoint = moto?.endpoint ?? ownLocalStack?.endpoint ?? process.env['LOCALSTACK_ENDPOINT'] ?? '';
    const clients = createAwsClients({ endpoint, region: 'us-east-1' });
    const receiver = await startReceiver(process.env['RECEIVER_HOST'] ? { host: '0.0.0.0', publicHost: process.env['RECEIVER_HOST'] } : {});
    const run = Date.now().toString(36);
    const resources = await ensureLocalResources(clients, {
      bucket: `notescribe-test-${run}`,
      ingestQueue: `notescribe-ingest-${run}`,
      jobsQueue: `notescribe-jobs-${run}`,
      notifyQueue: `notescribe-notify-${run}`,
      topic: `notescribe-outcomes-${run}`,
      uploadsPrefix: DEFAULT_KEY_LAYOUT.uploadsPrefix,
      emailFrom: EMAIL_FROM,
      secretName: `notescribe/webhook-${run}`,
      secretValue: WEBHOOK_SECRET,
      versioning: true,
      jobsVisibilitySeconds: options.jobsVisibilitySeconds,
    });
    await clients.sns.send(new SubscribeCommand({ TopicArn: resources.topicArn, Protocol: 'http', Endpoint: `${receiver.url}/sns` }));
    const base = readPipelineConfig({
      ...localPipelineEnvironment(resources, { endpoint, region: 'us-east-1', emailFrom: EMAIL_FROM }),
      NOTESCRIBE_MAX_AUDIO_SECONDS: '600',
      ...options.env,
    });
    // loopback receivers, quick retries and a short deadline; uploaders may name any target unless a test says not
    const config: PipelineConfig = {
      ...base,
      notify: {
        ...base.notify,
        allowPrivateWebhooks: true,
        webhookAttempts: 3,
        webhookMinBackoffMs: 20,
        webhookDeadlineMs: 2000,
        presignSeconds: 3600,
        allowedWebhookHosts: ['*'],
        allowedEmailDomains: ['*'],
        ...options.notify,
      },
    };
    const fixture = join(__dirname, '../fixtures/model');
    const engine = await createWorkerEngine({
      onnxBytes: new Uint8Array(readFileSync(join(fixture, 'fixture.onnx'))),
      // the fixture's logic does not depend on the DSP parameters, so its card is pinned to the engine's hash
      cardJson: JSON.stringify({ ...JSON.parse(readFileSync(join(fixture, 'fixture.card.json'), 'utf8')), dspParametersHash: DSP_PARAMETERS_HASH }),
      executionProviders: ['cpu'],
    });
    const harness = new PipelineHarness(backend, endpoint, clients, resources, receiver, config, engine, moto);
    harness.ownLocalStack = ownLocalStack;
    return harness;
  }

  private store(): StatusStore {
    return new StatusStore(this.clients.s3, this.config.bucket);
  }

  /** Starts the ingest poller (Lambda's stand-in); `deps` overrides parts of what ingest uses. */
  startIngest(deps: Partial<IngestDeps> = {}): SqsEventSource {
    const ingest: IngestDeps = {
      clients: this.clients,
      store: this.store(),
      notifyQueueUrl: this.config.notifyQueueUrl,
      config: this.config,
      log: this.log,
      analyse: analyseUpload,
      metrics: createMetrics('ingest'),
      ...deps,
    };
    const poller = new SqsEventSource(this.clients, (event) => ingestBatch(ingest, event), this.resources.ingestQueueUrl, this.log, { waitTimeSeconds: 1 });
    void poller.start();
    this.running.push(poller);
    return poller;
  }

  /** Starts the notification sender over the notify queue (the outbox); `notify` overrides its settings. */
  startSender(notify: Partial<NotifyConfig> = {}): SqsEventSource {
    const settings = { ...this.config.notify, ...notify };
    const services = {
      clients: this.clients,
      store: this.store(),
      notifier: new Notifier(this.clients, settings),
      notifyConfig: settings,
      log: this.log,
      metrics: createMetrics('notify'),
    };
    const poller = new SqsEventSource(this.clients, (event) => sendBatch(services, event), this.resources.notifyQueueUrl, this.log, { waitTimeSeconds: 1, concurrency: LOCAL_SENDER_CONCURRENCY });
    void poller.start();
    this.running.push(poller);
    return poller;
  }

  /** Starts a worker. */
  startWorker(options: { settings?: Partial<WorkerConfig>; hooks?: WorkerHooks } = {}): Worker {
    const worker = new Worker({
      clients: this.clients,
      pipeline: this.config,
      settings: {
        batchWindows: 512,
        batchWaitMs: 200,
        visibilitySeconds: 3,
        maxReceives: 3,
        formats: ['musicxml', 'mxl', 'midi', 'json'],
        ...options.settings,
      },
      engine: this.engine,
      store: this.store(),
      log: this.log,
      metrics: createMetrics('worker'),
      waitTimeSeconds: 1,
      ...(options.hooks ? { hooks: options.hooks } : {}),
    });
    void worker.start();
    this.running.push(worker);
    return worker;
  }

  /** Starts ingest, a worker and the sender: the whole pipeline. */
  startAll(options: { notify?: Partial<NotifyConfig> } = {}): Worker {
    this.startIngest();
    this.startSender(options.notify);
    return this.startWorker();
  }

  /** Stops every poller and worker started so far (each finishes what it holds). */
  async stopAll(): Promise<void> {
    const running = this.running;
    this.running = [];
    await Promise.all(running.map((r) => r.stop()));
  }

  async upload(key: string, body: Uint8Array, metadata: Record<string, string> = {}): Promise<void> {
    await this.clients.s3.send(new PutObjectCommand({ Bucket: this.config.bucket, Key: key, Body: body, Metadata: metadata }));
  }

  async status(uploadKey: string): Promise<StatusRecord | undefined> {
    return (await new StatusStore(this.clients.s3, this.config.bucket).read(statusKeyFor(this.config.layout, uploadKey)))?.record;
  }

  /** Polls the status record until `predicate` holds. */
  async waitForStatus(uploadKey: string, predicate: (r: StatusRecord) => boolean, timeoutMs = 60_000): Promise<StatusRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.status(uploadKey);
      if (record && predicate(record)) return record;
      if (Date.now() > deadline) throw new Error(`status of ${uploadKey} did not settle: ${JSON.stringify(record)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async text(key: string): Promise<string> {
    const response = await this.clients.s3.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: key }));
    return (await response.Body?.transformToString('utf-8')) ?? '';
  }

  /** How many versions of `key` exist (the bucket is versioned, so a second write would show). */
  async versionCount(key: string): Promise<number> {
    const response = await this.clients.s3.send(new ListObjectVersionsCommand({ Bucket: this.config.bucket, Prefix: key }));
    return (response.Versions ?? []).filter((v) => v.Key === key).length;
  }

  async queueDepth(queueUrl: string): Promise<number> {
    const response = await this.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Number(response.Attributes?.['ApproximateNumberOfMessages'] ?? 0) + Number(response.Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0);
  }

  /** Emails the backend says were sent: moto's model dump, or LocalStack's /_aws/ses. */
  async sentEmails(): Promise<SentEmail[]> {
    if (this.moto) {
      const data = await this.moto.data();
      return (data['ses']?.['Message'] ?? []).map((m) => ({
        to: ((m['destinations'] as { ToAddresses?: string[] } | undefined)?.ToAddresses ?? []),
        subject: String(m['subject']),
        body: String(m['body']),
      }));
    }
    const response = (await (await fetch(`${this.endpoint}/_aws/ses`)).json()) as {
      messages: { Destination?: { ToAddresses?: string[] }; Subject?: string; Body?: { text_part?: string } }[];
    };
    return response.messages.map((m) => ({ to: m.Destination?.ToAddresses ?? [], subject: m.Subject ?? '', body: m.Body?.text_part ?? '' }));
  }

  /** SNS notifications delivered to the receiver, parsed, for one job. */
  snsOutcomes(jobId?: string): Record<string, unknown>[] {
    return this.receiver
      .on('/sns')
      .map((r) => JSON.parse(r.body) as { Type?: string; Message?: string })
      .filter((n) => n.Type === 'Notification' && n.Message)
      .map((n) => JSON.parse(n.Message ?? '{}') as Record<string, unknown>)
      .filter((o) => jobId === undefined || o['jobId'] === jobId);
  }

  async close(): Promise<void> {
    await this.stopAll();
    await this.engine.release();
    destroyAwsClients(this.clients);
    await this.receiver.close();
    await this.moto?.stop();
    await this.ownLocalStack?.stop();
  }
}
