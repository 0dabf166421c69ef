import type { OutcomeMessage } from '../contract/outcome-message';
import type { DeliveryRecord, NotificationsRecord, OutcomeNotification, StatusRecord } from '../contract/status-record';
import type { AwsClients } from './aws';
import type { NotifyConfig } from './config';
import type { Log } from './log';
import { METRIC, MetricUnit, type PipelineMetrics } from './metrics';
import { type Notifier, presignKeys } from './notify';
import { isFinal, readJob, recordNotifications } from './job-lifecycle';
import type { StatusStore } from './status-store';

/** What the sender needs: the status records, the channels, and the settings of links. */
export interface SenderServices {
  readonly clients: AwsClients;
  readonly store: StatusStore;
  readonly notifier: Notifier;
  readonly notifyConfig: NotifyConfig;
  readonly log: Log;
  /** Failed channels are counted here, by channel. @default none */
  readonly metrics?: PipelineMetrics;
}

/** What `sendOutcome` did with one outcome message. */
export type SendResult = 'sent' | 'already-sent' | 'superseded' | 'not-final';

/**
 * Delivers one job's outcome (the outbox reader): reads the status record, sends every channel not delivered yet
 * (an earlier, interrupted attempt may have sent some) and records how each fared. A slow or silent webhook costs
 * this sender at most `webhookDeadlineMs`; it never holds a worker. Throws only when S3 itself fails, so the message
 * comes back.
 */
export async function sendOutcome(services: SenderServices, message: OutcomeMessage): Promise<SendResult> {
  const record = await readJob(services.store, message.statusKey, message.jobId);
  if (!record) return 'superseded';
  if (!isFinal(record)) {
    services.log.warn('outcome message for a job that is not finished', { jobId: message.jobId, state: record.state });
    return 'not-final';
  }
  const delivered = record.notifications ?? {};
  if (allDelivered(delivered, services.notifyConfig, message)) return 'already-sent';
  const outcome = await outcomeOf(services, message, record);
  const notifications = await services.notifier.notify(outcome, message.notify, delivered);
  await recordNotifications(services.store, message.statusKey, message.jobId, notifications);
  services.log.info('outcome sent', { jobId: message.jobId, state: outcome.state, notifications: summarise(notifications) });
  for (const [channel, delivery] of Object.entries(notifications) as [string, DeliveryRecord | undefined][]) {
    if (!services.metrics || delivery?.ok !== false) continue;
    const failed = services.metrics.singleMetric();
    failed.addDimension('channel', channel);
    failed.addMetric(METRIC.notificationFailed, MetricUnit.Count, 1);
  }
  return 'sent';
}

/** True when a recorded notification exists for every channel this outcome would use and none needs sending. */
function allDelivered(delivered: NotificationsRecord, config: NotifyConfig, message: OutcomeMessage): boolean {
  if (Object.keys(delivered).length === 0) return false;
  const wanted: (keyof NotificationsRecord)[] = [];
  if (config.topicArn) wanted.push('sns');
  if (message.notify.webhookUrl ?? config.defaultWebhookUrl) wanted.push('webhook');
  if (message.notify.email ?? config.defaultEmail) wanted.push('email');
  // a channel that was tried and failed for good is recorded too; only a missing one is still to send
  return wanted.every((channel) => delivered[channel] !== undefined);
}

function summarise(n: NotificationsRecord): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [k, v] of Object.entries(n) as [string, DeliveryRecord | undefined][]) if (v) out[k] = v.ok;
  return out;
}

/** The JSON every channel carries (contract/status-record.ts `OutcomeNotification`), with fresh presigned links. */
async function outcomeOf(services: SenderServices, job: OutcomeMessage, record: StatusRecord): Promise<OutcomeNotification> {
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

/**
 * Batches of outcome messages a local stand-in for the sender's Lambda event source keeps in flight (Lambda scales
 * its invocations; locally, one slow batch must not hold the next).
 */
export const LOCAL_SENDER_CONCURRENCY = 8;
