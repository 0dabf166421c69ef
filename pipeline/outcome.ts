import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { ERROR_RECORD_FILE_NAME } from '../contract/keys';
import { serializeOutcomeMessage, type OutcomeMessage } from '../contract/outcome-message';
import type { FailureRecord, OutputKeys } from '../contract/status-record';
import type { NotescribeError } from '../core/errors';
import type { AwsClients } from './aws';
import type { Log } from './log';
import { METRIC, MetricUnit, recordFailure, type PipelineMetrics } from './metrics';
import { completeJob, isFinal, readJob, type FinalState } from './job-lifecycle';
import { putIfAbsent, type StatusStore } from './status-store';

/** What finishing a job needs to know about it (the outcome message without its version). */
export type JobIdentity = Omit<OutcomeMessage, 'version'>;

/** The final state a job reaches. */
export type JobResult =
  | { readonly state: 'done'; readonly outputs: OutputKeys; readonly noteCount: number; readonly durationSeconds?: number }
  | { readonly state: 'failed'; readonly error: NotescribeError };

/** Everything a boundary needs to record outcomes and put them in the outbox. */
export interface OutcomeServices {
  readonly clients: AwsClients;
  readonly store: StatusStore;
  /** The outbox (notify queue) the notification sender reads. */
  readonly notifyQueueUrl: string;
  readonly log: Log;
  /** Jobs done and failed (by code) are counted here. @default none */
  readonly metrics?: PipelineMetrics;
}

/** What `finishJob` did: the one caller that moved the job to its final state (and notified), or nothing. */
export type FinishOutcome = 'finished' | 'already-finished' | 'superseded';

/**
 * Moves a job to `done` or `failed` and puts one outcome message in the outbox. The status transition is the gate: a
 * conditional write from a non-final state, so of two workers holding the same job only one announces it. A failure
 * also writes an error record (`error.json`) where the outputs would have gone. If an earlier holder reached the final
 * state but died before its outcome was delivered, this call announces it again (at-least-once; the sender skips
 * channels already delivered).
 */
export async function finishJob(services: OutcomeServices, job: JobIdentity, result: JobResult): Promise<FinishOutcome> {
  const { store } = services;
  const now = new Date().toISOString();
  let errorKey: string | undefined;
  let failure: FailureRecord | undefined;
  if (result.state === 'failed') {
    failure = result.error.toRecord();
    errorKey = `${job.resultsPrefix}${ERROR_RECORD_FILE_NAME}`;
    await putIfAbsent(
      services.clients.s3,
      job.bucket,
      errorKey,
      JSON.stringify({ jobId: job.jobId, uploadKey: job.uploadKey, error: failure, at: now }, null, 2),
      'application/json',
    );
  }
  const final: FinalState =
    result.state === 'done'
      ? { state: 'done', outputs: result.outputs, noteCount: result.noteCount }
      : { state: 'failed', error: failure ?? result.error.toRecord(), errorKey: errorKey ?? '' };
  const completed = await completeJob(store, job.statusKey, job.jobId, final);
  if (completed === 'superseded') return 'superseded';
  if (completed === 'already-finished') return recoverNotifications(services, job);
  if (services.metrics) {
    if (result.state === 'done') services.metrics.addMetric(METRIC.jobsDone, MetricUnit.Count, 1);
    else recordFailure(services.metrics, result.error.code);
  }
  await announce(services, job);
  return 'finished';
}
/**
 * For a job found already finished: announces it again if its status record shows no notifications (the holder that
 * finished it may have died before the outbox took the outcome), else does nothing.
 */
export async function recoverNotifications(services: OutcomeServices, job: JobIdentity): Promise<FinishOutcome> {
  const record = await readJob(services.store, job.statusKey, job.jobId);
  if (!record) return 'superseded';
  if (!isFinal(record) || record.notifications) return 'already-finished';
  services.log.warn('announcing a finished job again: no notifications recorded', { jobId: job.jobId });
  await announce(services, job);
  return 'finished';
}

/** Puts the job's outcome message in the outbox. */
async function announce(services: OutcomeServices, job: JobIdentity): Promise<void> {
  const { jobId, bucket, uploadKey, title, statusKey, resultsPrefix, notify } = job;
  const message: OutcomeMessage = { version: 1, jobId, bucket, uploadKey, title, statusKey, resultsPrefix, notify };
  await services.clients.sqs.send(new SendMessageCommand({ QueueUrl: services.notifyQueueUrl, MessageBody: serializeOutcomeMessage(message) }));
  services.log.info('job finished', { jobId: job.jobId });
}

