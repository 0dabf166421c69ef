import type { JobNotify } from '../../contract/job-message';
import { ERROR_RECORD_FILE_NAME } from '../../contract/keys';
import type { DeliveryRecord, FailureRecord, NotificationsRecord, OutcomeNotification, OutputKeys, StatusRecord } from '../../contract/status-record';
import type { NotescribeError } from '../../core/errors';
import type { AwsClients } from './aws';
import type { NotifyConfig } from './config';
import type { Log } from './log';
import { Notifier, presignKeys } from './notify';
import { putIfAbsent, type StatusStore } from './status-store';

/** What finishing a job needs to know about it (a subset of the job message). */
export interface JobIdentity {
  readonly jobId: string;
  readonly bucket: string;
  readonly uploadKey: string;
  readonly title: string;
  readonly statusKey: string;
  readonly resultsPrefix: string;
  readonly notify: JobNotify;
}

/** The final state a job reaches. */
export type JobResult =
  | { readonly state: 'done'; readonly outputs: OutputKeys; readonly noteCount: number; readonly durationSeconds?: number }
  | { readonly state: 'failed'; readonly error: NotescribeError };

/** Everything a boundary needs to record and announce outcomes. */
export interface OutcomeServices {
  readonly clients: AwsClients;
  readonly store: StatusStore;
  readonly notifier: Notifier;
  readonly notifyConfig: NotifyConfig;
  readonly log: Log;
}

/** What `finishJob` did: the one caller that moved the job to its final state (and notified), or nothing. */
export type FinishOutcome = 'finished' | 'already-finished' | 'superseded';

function isFinal(record: StatusRecord): boolean {
  return record.state === 'done' || record.state === 'failed';
}

/**
 * Moves a job to `done` or `failed` and notifies every channel once. The status transition is the gate: a
 * conditional write from a non-final state, so of two workers holding the same job only one notifies. A failure also
 * writes an error record (`error.json`) where the outputs would have gone. If an earlier holder reached the final state
 * but died before recording its notifications, this call sends them (at-least-once, the window is one crash wide).
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
  let superseded = false;
  const written = await store.update(job.statusKey, (current) => {
    if (current.jobId !== job.jobId) {
      superseded = true;
      return undefined;
    }
    if (isFinal(current)) return undefined;
    const next: StatusRecord = {
      ...current,
      state: result.state,
      times: { ...current.times, [result.state]: now },
      ...(result.state === 'done'
        ? { outputs: result.outputs, noteCount: result.noteCount }
        : { errorKey: errorKey ?? '', error: failure ?? result.error.toRecord() }),
    };
    return next;
  });
  if (superseded) return 'superseded';
  if (!written) return recoverNotifications(services, job);
  await announce(services, job, written.record);
  return 'finished';
}

/**
 * For a job found already finished: sends its notifications if its status record has none (the holder that finished
 * it died before recording them), else does nothing.
 */
export async function recoverNotifications(services: OutcomeServices, job: JobIdentity): Promise<FinishOutcome> {
  const current = await services.store.read(job.statusKey);
  if (!current || current.record.jobId !== job.jobId) return 'superseded';
  if (!isFinal(current.record) || current.record.notifications) return 'already-finished';
  services.log.warn('recovering notifications of a finished job', { jobId: job.jobId });
  await announce(services, job, current.record);
  return 'finished';
}

async function announce(services: OutcomeServices, job: JobIdentity, record: StatusRecord): Promise<void> {
  const outcome = await buildOutcome(services, job, record);
  const notifications = await services.notifier.notify(outcome, job.notify);
  await services.store.update(job.statusKey, (current) =>
    current.jobId === job.jobId ? { ...current, notifications } : undefined,
  );
  services.log.info('job finished', { jobId: job.jobId, state: record.state, notifications: summarise(notifications) });
}

function summarise(n: NotificationsRecord): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [k, v] of Object.entries(n) as [string, DeliveryRecord | undefined][]) if (v) out[k] = v.ok;
  return out;
}

async function buildOutcome(services: OutcomeServices, job: JobIdentity, record: StatusRecord): Promise<OutcomeNotification> {
  const state = record.state === 'done' ? 'done' : 'failed';
  const keys: Record<string, string | undefined> = state === 'done' ? { ...record.outputs } : { error: record.errorKey };
  const links = await presignKeys(services.clients, job.bucket, keys, services.notifyConfig.presignSeconds);
  return {
    version: 1,
    event: state === 'done' ? 'transcription.done' : 'transcription.failed',
    jobId: job.jobId,
    state,
    bucket: job.bucket,
    uploadKey: job.uploadKey,
    title: job.title,
    statusKey: job.statusKey,
    outputs: record.outputs ?? {},
    links,
    ...(record.error ? { error: record.error } : {}),
    ...(record.noteCount !== undefined ? { noteCount: record.noteCount } : {}),
    ...(record.durationSeconds !== undefined ? { durationSeconds: record.durationSeconds } : {}),
    at: new Date().toISOString(),
  };
}
