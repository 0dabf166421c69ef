import { GetObjectCommand, HeadObjectCommand, type HeadObjectCommandOutput, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { JOB_MESSAGE_VERSION, type JobHints, type JobMessage, type JobNotify, serializeJobMessage } from '../../contract/job-message';
import { parseScoreHints } from '../../core/notation/hints';
import {
  featuresKeyFor,
  jobIdFor,
  relativeUploadKey,
  resultsPrefixFor,
  s3EventKeyCandidates,
  statusKeyFor,
  stripEtagQuotes,
  titleFromKey,
} from '../../contract/keys';
import type { StatusRecord } from '../../contract/status-record';
import { NotescribeError } from '../../core/errors';
import type { AwsClients } from '../../pipeline/aws';
import type { PipelineConfig } from '../../pipeline/config';
import { finishJob, type OutcomeServices } from '../../pipeline/outcome';
import { enqueueJob, recordAnalysis } from '../../pipeline/job-lifecycle';
import { isNotFound } from '../../pipeline/status-store';
import { checkDeclaredSize, readStreamWithin } from '../../pipeline/bounded-read';
import { forJob } from '../../pipeline/log';
import { METRIC, MetricUnit, publishMetrics } from '../../pipeline/metrics';
import { MAX_RECEIVE_COUNT } from '../../pipeline/settings';
import type { AnalyseUpload } from './engine';

/** Everything the ingest step uses, injected so tests and `npm run local` can run it outside Lambda. */
export interface IngestDeps extends OutcomeServices {
  readonly config: PipelineConfig;
  readonly analyse: AnalyseUpload;
  /** Receives after which a transient failure is recorded as a failed job instead of retried (the DLQ's count). */
  readonly maxReceives?: number;
}

/** One S3 event record, reduced to what ingest reads. */
interface S3EventObject {
  readonly bucket: string;
  readonly key: string;
  readonly eventName: string;
}

/** What happened to one uploaded object. */
export type IngestOutcome = 'queued' | 'duplicate' | 'failed' | 'skipped';

/**
 * The S3 notifications inside one SQS message body: none for `s3:TestEvent` (sent when a notification is
 * configured) or non-creation events.
 * @throws NotescribeError `INVALID_MESSAGE` for a body that is not an S3 event.
 */
export function s3ObjectsOf(body: string): S3EventObject[] {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch (error) {
    throw new NotescribeError('INVALID_MESSAGE', 'ingest message is not JSON', { cause: error });
  }
  const e = event as { Event?: string; Records?: unknown };
  if (e.Event === 's3:TestEvent') return [];
  if (!Array.isArray(e.Records)) throw new NotescribeError('INVALID_MESSAGE', 'ingest message has no S3 Records');
  const objects: S3EventObject[] = [];
  for (const raw of e.Records as { eventName?: string; s3?: { bucket?: { name?: string }; object?: { key?: string } } }[]) {
    const eventName = raw.eventName ?? '';
    const bucket = raw.s3?.bucket?.name;
    const key = raw.s3?.object?.key;
    if (!/^(s3:)?ObjectCreated:/.test(eventName)) continue;
    if (!bucket || key === undefined) throw new NotescribeError('INVALID_MESSAGE', 'S3 record without bucket or key');
    objects.push({ bucket, key, eventName });
  }
  return objects;
}

/** Finds which decoding of an event key exists (see `s3EventKeyCandidates`), with its metadata. */
async function headUpload(
  clients: AwsClients,
  bucket: string,
  eventKey: string,
): Promise<{ key: string; head: HeadObjectCommandOutput } | undefined> {
  for (const key of s3EventKeyCandidates(eventKey)) {
    try {
      return { key, head: await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })) };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return undefined;
}

/** An http(s) URL in its canonical form (`HTTP://Example.COM/x` → `http://example.com/x`), or undefined. */
function canonicalWebhookUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.href.length <= 2048 ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The upload's own notification targets from its metadata (S3 lower-cases metadata names). A malformed one is dropped
 * (the stack-wide default then applies) rather than failing the job or reaching the job message. Whether the
 * operator lets uploaders choose targets at all is the sender's decision (recipient-policy.ts), recorded there.
 */
function notifyOf(metadata: Record<string, string> | undefined, log: OutcomeServices['log']): JobNotify {
  const webhookUrl = metadata?.['webhook-url']?.trim();
  const email = metadata?.['notify-email']?.trim();
  const goodUrl = canonicalWebhookUrl(webhookUrl);
  const goodEmail = email && /^[^@\s]+@[^@\s]+$/.test(email) && email.length <= 320 ? email : undefined;
  if (webhookUrl && !goodUrl) log.warn('ignoring a malformed webhook-url', { webhookUrl });
  if (email && !goodEmail) log.warn('ignoring a malformed notify-email', { email });
  return { ...(goodUrl ? { webhookUrl: goodUrl } : {}), ...(goodEmail ? { email: goodEmail } : {}) };
}

/** The upload metadata (S3 lower-cases the names) that carries each score hint. */
export const HINT_METADATA: Readonly<Record<keyof JobHints, string>> = {
  title: 'title',
  composer: 'composer',
  tempo: 'tempo',
  timeSignature: 'time-signature',
  key: 'key',
};

/**
 * The score hints of an upload's metadata, checked now so a typing error fails the job at once with a clear message
 * (INVALID_SETTINGS from core/notation `parseScoreHints`) rather than in the worker.
 */
function hintsOf(metadata: Record<string, string> | undefined): JobHints | undefined {
  const hints: { -readonly [K in keyof JobHints]?: string } = {};
  for (const [field, name] of Object.entries(HINT_METADATA) as [keyof JobHints, string][]) {
    const value = metadata?.[name]?.trim();
    if (value) hints[field] = value;
  }
  if (Object.keys(hints).length === 0) return undefined;
  parseScoreHints(hints);
  return hints;
}

/**
 * Ingests one uploaded object: analyse it, store the feature file, send one job message. A bad upload (any
 * NotescribeError but INTERNAL) becomes a failed job with an error record and one failure notification.
 */
export async function ingestObject(deps: IngestDeps, object: S3EventObject, receiveCount = 1): Promise<IngestOutcome> {
  const { clients, config, store } = deps;
  let log = deps.log;
  const found = await headUpload(clients, object.bucket, object.key);
  if (!found) {
    log.warn('uploaded object no longer exists', { bucket: object.bucket, key: object.key });
    return 'skipped';
  }
  const { key, head } = found;
  if (!key.startsWith(config.layout.uploadsPrefix) || key.endsWith('/')) {
    log.warn('ignoring object outside the uploads prefix', { key });
    return 'skipped';
  }
  const etag = stripEtagQuotes(head.ETag ?? '');
  const jobId = jobIdFor(object.bucket, key, etag);
  log = forJob(deps.log, { jobId, uploadKey: key });
  const started = performance.now();
  const job = {
    jobId,
    bucket: object.bucket,
    uploadKey: key,
    title: titleFromKey(key),
    statusKey: statusKeyFor(config.layout, key),
    resultsPrefix: resultsPrefixFor(config.layout, key, jobId),
    notify: notifyOf(head.Metadata, log),
  };
  const featuresKey = featuresKeyFor(config.layout, jobId);
  const queued: StatusRecord = {
    version: 1,
    jobId,
    state: 'queued',
    bucket: object.bucket,
    uploadKey: key,
    sourceEtag: etag,
    title: job.title,
    resultsPrefix: job.resultsPrefix,
    featuresKey,
    times: { queued: new Date().toISOString() },
  };
  if ((await enqueueJob(store, job.statusKey, queued)) === 'duplicate') {
    log.info('duplicate event for a job already past queued');
    return 'duplicate';
  }
  try {
    const hints = hintsOf(head.Metadata);
    const analysed = await featuresFor(deps, object.bucket, key, featuresKey, head.ContentLength);
    const message: JobMessage = {
      version: JOB_MESSAGE_VERSION,
      ...job,
      sourceEtag: etag,
      featuresKey,
      windowCount: analysed.windowCount,
      durationSeconds: analysed.durationSeconds,
      ...(hints ? { hints } : {}),
      createdAt: new Date().toISOString(),
    };
    await recordAnalysis(store, job.statusKey, jobId, { windowCount: analysed.windowCount, durationSeconds: analysed.durationSeconds });
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: config.jobsQueueUrl, MessageBody: serializeJobMessage(message) }));
    log.info('job queued', { windows: analysed.windowCount, seconds: analysed.durationSeconds });
    deps.metrics?.addMetric(METRIC.jobsQueued, MetricUnit.Count, 1);
    deps.metrics?.addMetric(METRIC.ingestMs, MetricUnit.Milliseconds, performance.now() - started);
    return 'queued';
  } catch (error) {
    const permanent = error instanceof NotescribeError && error.code !== 'INTERNAL';
    if (!permanent && receiveCount < (deps.maxReceives ?? MAX_RECEIVE_COUNT)) throw error;
    const failure =
      error instanceof NotescribeError ? error : new NotescribeError('INTERNAL', (error as Error).message, { cause: error });
    log.warn('upload failed', { code: failure.code, message: failure.message });
    await finishJob({ ...deps, log }, job, { state: 'failed', error: failure });
    return 'failed';
  }
}

/** The feature file of a job: reused if an earlier attempt stored it (its numbers ride in its metadata), else made. */
async function featuresFor(
  deps: IngestDeps,
  bucket: string,
  uploadKey: string,
  featuresKey: string,
  uploadBytes: number | undefined,
): Promise<{ windowCount: number; durationSeconds: number }> {
  const { clients, config } = deps;
  try {
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: featuresKey }));
    const windowCount = Number(head.Metadata?.['window-count']);
    const durationSeconds = Number(head.Metadata?.['duration-seconds']);
    if (Number.isInteger(windowCount) && Number.isFinite(durationSeconds)) return { windowCount, durationSeconds };
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  // the size S3 reports decides before any byte is fetched; the capped read holds even if it were wrong
  checkDeclaredSize(uploadKey, uploadBytes, config.maxInputBytes);
  const response = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: uploadKey }));
  if (!response.Body) throw new NotescribeError('EMPTY_AUDIO', `${uploadKey} has no body`);
  const bytes = await readStreamWithin(response.Body as AsyncIterable<Uint8Array>, uploadKey, config.maxInputBytes);
  const analysed = await deps.analyse(bytes, { maxSeconds: config.maxAudioSeconds, sourceKey: uploadKey });
  await clients.s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: featuresKey,
      Body: analysed.featureFile,
      ContentType: 'application/octet-stream',
      Metadata: { 'window-count': String(analysed.windowCount), 'duration-seconds': String(analysed.durationSeconds) },
    }),
  );
  return analysed;
}

/**
 * Handles one SQS batch of S3 notifications with partial batch failures: a message whose processing threw is
 * reported in `batchItemFailures` and comes back; the others are deleted by the event source.
 */
export async function ingestBatch(deps: IngestDeps, event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    try {
      await ingestRecord(deps, record);
    } catch (error) {
      deps.log.error('ingest failed, will retry', { messageId: record.messageId, error: (error as Error).message });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  publishMetrics(deps.metrics);
  return { batchItemFailures: failures };
}

async function ingestRecord(deps: IngestDeps, record: SQSRecord): Promise<IngestOutcome[]> {
  let objects: S3EventObject[];
  try {
    objects = s3ObjectsOf(record.body);
  } catch (error) {
    // not an S3 event: retrying cannot help, so log and drop it
    deps.log.error('dropping a message that is not an S3 event', { messageId: record.messageId, error: (error as Error).message });
    return [];
  }
  const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? '1');
  const outcomes: IngestOutcome[] = [];
  for (const object of objects) outcomes.push(await ingestObject(deps, object, receiveCount));
  return outcomes;
}

/** Used by the local runner; exported for tests. */
export { relativeUploadKey };
