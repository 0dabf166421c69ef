import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { type JobMessage, parseJobMessage } from '../contract/job-message';
import { outputKeyFor } from '../contract/keys';
import { NotescribeError } from '../core/errors';
import type { OnsetPrediction } from '../core/model';
import { parseScoreHints } from '../core/notation/hints';
import type { AwsClients } from '../pipeline/aws';
import type { PipelineConfig, WorkerConfig } from '../pipeline/config';
import type { Log } from '../pipeline/log';
import { MAX_WAIT_SECONDS, pollQueue } from '../pipeline/queue-poll';
import { METRIC, MetricUnit, publishMetrics, type PipelineMetrics } from '../pipeline/metrics';
import { finishJob, recoverNotifications, type JobIdentity, type OutcomeServices } from '../pipeline/outcome';
import { claimJob } from '../pipeline/job-lifecycle';
import { putIfAbsent, type StatusStore } from '../pipeline/status-store';
import { slicePrediction, type OutputFormat, type PreparedJob, type WorkerEngine } from './engine';

/** Points where tests make the worker die as if killed (the hook throws; the worker abandons the job). */
export interface WorkerHooks {
  /** After the job's outputs, status and outcome message, before its message is deleted. */
  beforeDelete?(jobId: string): void | Promise<void>;
}

export interface WorkerDeps {
  readonly clients: AwsClients;
  readonly pipeline: PipelineConfig;
  readonly settings: Pick<WorkerConfig, 'batchWindows' | 'batchWaitMs' | 'visibilitySeconds' | 'maxReceives' | 'formats'>;
  readonly engine: WorkerEngine;
  readonly store: StatusStore;
  readonly log: Log;
  /** Batch sizes, stage durations, jobs done and failed (EMF). @default none */
  readonly metrics?: PipelineMetrics;
  readonly hooks?: WorkerHooks;
  /** Called on every turn of the poll loop (the container health check watches a file main.ts touches). */
  readonly onHeartbeat?: () => void;
  /** Long-poll wait, seconds (SQS allows 0…20). @default 20 */
  readonly waitTimeSeconds?: number;
}

/** What the worker has done so far. */
export interface WorkerStats {
  /** Windows in each batch that was run, in order. */
  readonly batchWindowCounts: number[];
  /** Jobs in each batch. */
  readonly batchJobCounts: number[];
  jobsDone: number;
  jobsFailed: number;
  duplicatesDropped: number;
}

/** A message the worker holds: its visibility is extended until it is deleted or released. */
interface Held {
  readonly message: Message;
  readonly receiptHandle: string;
  readonly heartbeat: NodeJS.Timeout;
}

interface PendingJob {
  readonly held: Held;
  readonly job: JobMessage;
  readonly prepared: PreparedJob;
  readonly receiveCount: number;
}

class Abandoned extends Error {}

function identity(job: JobMessage): JobIdentity {
  return {
    jobId: job.jobId,
    bucket: job.bucket,
    uploadKey: job.uploadKey,
    title: job.title,
    statusKey: job.statusKey,
    resultsPrefix: job.resultsPrefix,
    notify: job.notify,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The GPU worker: long-polls the jobs queue, gathers windows of several jobs into one batch (until
 * `batchWindows` windows or `batchWaitMs` after the batch's first job), runs one inference per batch, splits the
 * result per job, writes outputs, moves each job to done, puts its outcome in the outbox (the notify queue: a
 * separate sender delivers it, so no webhook receiver can slow the worker), and only then deletes its message. While it holds
 * a message it keeps extending its visibility. `stop()` stops polling and finishes what it holds.
 */
export class Worker {
  readonly stats: WorkerStats = { batchWindowCounts: [], batchJobCounts: [], jobsDone: 0, jobsFailed: 0, duplicatesDropped: 0 };
  private stopping = false;
  private running: Promise<void> | undefined;
  private pending: PendingJob[] = [];
  private firstPendingAt = 0;
  private readonly services: OutcomeServices;

  constructor(private readonly deps: WorkerDeps) {
    this.services = {
      clients: deps.clients,
      store: deps.store,
      notifyQueueUrl: deps.pipeline.notifyQueueUrl,
      log: deps.log,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
    };
  }

  /** Starts the loop; resolves when it has stopped (after `stop()`). */
  start(): Promise<void> {
    this.deps.log.info('worker started', {
      executionProvider: this.deps.engine.executionProvider,
      providerNotes: this.deps.engine.providerNotes,
      batchWindows: this.deps.settings.batchWindows,
      batchWaitMs: this.deps.settings.batchWaitMs,
    });
    this.running ??= this.loop();
    return this.running;
  }

  /**
   * Stops polling, runs the batch it holds, and resolves when every held job is finished. A long poll in flight is
   * let run out (≤ 20 s) rather than aborted: SQS may already have handed its messages to the cut connection, and
   * they would stay invisible for a whole visibility timeout.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    const { batchWindows, batchWaitMs } = this.deps.settings;
    while (!this.stopping) {
      this.deps.onHeartbeat?.();
      const waiting = this.pending.length > 0;
      const remaining = waiting ? batchWaitMs - (Date.now() - this.firstPendingAt) : Infinity;
      // while jobs wait for their batch, poll only until it is due
      const messages = await pollQueue(
        this.deps.clients,
        {
          queueUrl: this.deps.pipeline.jobsQueueUrl,
          maxMessages: 10,
          waitTimeSeconds: waiting ? Math.max(0, Math.floor(remaining / 1000)) : (this.deps.waitTimeSeconds ?? MAX_WAIT_SECONDS),
          visibilitySeconds: this.deps.settings.visibilitySeconds,
          attributeNames: ['ApproximateReceiveCount'],
        },
        this.deps.log,
      );
      await Promise.all(messages.map((m) => this.admit(m)));
      const windows = this.pending.reduce((n, p) => n + p.prepared.count, 0);
      const due = this.pending.length > 0 && (windows >= batchWindows || Date.now() - this.firstPendingAt >= batchWaitMs);
      if (due) await this.runBatch();
      else if (waiting && messages.length === 0) await sleep(Math.min(50, Math.max(1, remaining)));
    }
    if (this.pending.length > 0) await this.runBatch();
    this.deps.log.info('worker stopped', { stats: this.stats });
  }

  private hold(message: Message): Held {
    const receiptHandle = message.ReceiptHandle ?? '';
    const seconds = this.deps.settings.visibilitySeconds;
    const heartbeat = setInterval(() => {
      this.deps.clients.sqs
        .send(new ChangeMessageVisibilityCommand({ QueueUrl: this.deps.pipeline.jobsQueueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }))
        .catch((error: unknown) => this.deps.log.warn('visibility extension failed', { error: (error as Error).message }));
    }, (seconds * 1000) / 3);
    heartbeat.unref();
    return { message, receiptHandle, heartbeat };
  }

  private release(held: Held): void {
    clearInterval(held.heartbeat);
  }

  private async delete(held: Held): Promise<void> {
    clearInterval(held.heartbeat);
    await this.deps.clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl: this.deps.pipeline.jobsQueueUrl, ReceiptHandle: held.receiptHandle }),
    );
  }

  /** Validates, claims and prepares one message; adds it to the pending batch or settles it at once. */
  private async admit(message: Message): Promise<void> {
    const held = this.hold(message);
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
    let job: JobMessage;
    try {
      job = parseJobMessage(message.Body ?? '');
    } catch (error) {
      // a poison message: without a valid job there is nobody to tell; it reaches the DLQ after maxReceives
      this.deps.log.error('invalid job message', { messageId: message.MessageId, receiveCount, error: (error as Error).message });
      this.release(held);
      await this.deps.clients.sqs
        .send(new ChangeMessageVisibilityCommand({ QueueUrl: this.deps.pipeline.jobsQueueUrl, ReceiptHandle: held.receiptHandle, VisibilityTimeout: 0 }))
        .catch(() => undefined);
      return;
    }
    try {
      const claim = await claimJob(this.deps.store, job.statusKey, job.jobId, message.MessageId ?? '');
      if (claim !== 'claimed') {
        if (claim === 'finished') await recoverNotifications(this.services, identity(job));
        this.stats.duplicatesDropped++;
        this.deps.log.info('dropping a duplicate job message', { jobId: job.jobId, reason: claim });
        await this.delete(held);
        return;
      }
      const response = await this.deps.clients.s3.send(new GetObjectCommand({ Bucket: job.bucket, Key: job.featuresKey }));
      const bytes = await response.Body?.transformToByteArray();
      if (!bytes) throw new NotescribeError('INVALID_FEATURE_FILE', `${job.featuresKey} is empty`);
      const prepared = this.deps.engine.prepare(bytes);
      if (this.pending.length === 0) this.firstPendingAt = Date.now();
      this.pending.push({ held, job, prepared, receiveCount });
    } catch (error) {
      await this.settleFailure(held, job, error, receiveCount);
    }
  }

  /** Runs one inference over every pending job's windows, then finishes each job. */
  private async runBatch(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const total = batch.reduce((n, p) => n + p.prepared.count, 0);
    const windowSize = total > 0 ? (batch.find((p) => p.prepared.count > 0)?.prepared.windows.length ?? 0) / (batch.find((p) => p.prepared.count > 0)?.prepared.count ?? 1) : 0;
    let prediction: OnsetPrediction = { onsetProbability: new Float32Array(0), velocity: new Float32Array(0) };
    if (total > 0) {
      const windows = new Float32Array(total * windowSize);
      let offset = 0;
      for (const p of batch) {
        windows.set(p.prepared.windows, offset);
        offset += p.prepared.windows.length;
      }
      try {
        const began = performance.now();
        prediction = await this.deps.engine.predict(windows, total);
        this.deps.metrics?.addMetric(METRIC.inferenceMs, MetricUnit.Milliseconds, performance.now() - began);
      } catch (error) {
        this.deps.log.error('inference failed', { error: (error as Error).message, windows: total });
        await Promise.all(batch.map((p) => this.settleFailure(p.held, p.job, error, p.receiveCount)));
        return;
      }
    }
    this.stats.batchWindowCounts.push(total);
    this.stats.batchJobCounts.push(batch.length);
    this.deps.log.info('batch run', { windows: total, jobs: batch.length });
    this.deps.metrics?.addMetric(METRIC.batchWindows, MetricUnit.Count, total);
    this.deps.metrics?.addMetric(METRIC.batchJobs, MetricUnit.Count, batch.length);
    let first = 0;
    await Promise.all(
      batch.map((p) => {
        const from = first;
        first += p.prepared.count;
        return this.complete(p, slicePrediction(prediction, from, first));
      }),
    );
    publishMetrics(this.deps.metrics);
  }

  private async complete(p: PendingJob, prediction: OnsetPrediction): Promise<void> {
    const { job } = p;
    try {
      const formats = this.deps.settings.formats;
      const began = performance.now();
      const rendered = await this.deps.engine.render(p.prepared, prediction, {
        title: job.title,
        formats,
        ...(job.hints ? { hints: parseScoreHints(job.hints) } : {}),
      });
      this.deps.metrics?.addMetric(METRIC.renderMs, MetricUnit.Milliseconds, performance.now() - began);
      const outputs: Partial<Record<OutputFormat, string>> = {};
      for (const file of rendered.files) {
        const key = outputKeyFor(job.resultsPrefix, file.format);
        await putIfAbsent(this.deps.clients.s3, job.bucket, key, file.body, file.contentType);
        outputs[file.format] = key;
      }
      const result = await finishJob(this.services, identity(job), {
        state: 'done',
        outputs,
        noteCount: rendered.noteCount,
        durationSeconds: p.prepared.durationSeconds,
      });
      if (result === 'finished') this.stats.jobsDone++;
      await this.deps.hooks?.beforeDelete?.(job.jobId);
      await this.delete(p.held);
    } catch (error) {
      await this.settleFailure(p.held, job, error, p.receiveCount);
    }
  }

  /**
   * A job that threw: bad input (a NotescribeError other than INTERNAL) fails at once; anything else is retried by
   * letting the message reappear, until its last receive, when it fails too, so nothing is retried forever.
   */
  private async settleFailure(held: Held, job: JobMessage, error: unknown, receiveCount: number): Promise<void> {
    if (error instanceof Abandoned || (error as Error | undefined)?.name === 'Abandoned') {
      this.release(held);
      return;
    }
    const permanent = error instanceof NotescribeError && error.code !== 'INTERNAL';
    if (!permanent && receiveCount < this.deps.settings.maxReceives) {
      this.deps.log.warn('job failed, will be retried', { jobId: job.jobId, receiveCount, error: (error as Error).message });
      this.release(held);
      return;
    }
    const failure = error instanceof NotescribeError ? error : new NotescribeError('INTERNAL', (error as Error).message, { cause: error });
    try {
      const result = await finishJob(this.services, identity(job), { state: 'failed', error: failure });
      if (result === 'finished') this.stats.jobsFailed++;
      await this.delete(held);
    } catch (inner) {
      this.deps.log.error('could not record a failure; the message will come back', { jobId: job.jobId, error: (inner as Error).message });
      this.release(held);
    }
  }
}

/** Thrown by a test hook to make the worker abandon a job as if it had been killed. */
export class SimulatedCrash extends Abandoned {
  override readonly name = 'Abandoned';
}
