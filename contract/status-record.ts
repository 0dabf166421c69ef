import type { ErrorCode } from '../core/errors';
import schema from './status-record.schema.json';
import { parseAgainst, validatorFor } from './validator';
import type { OutputFormat } from '../core/output-formats';

/** The states a job moves through. `queued → processing → done | failed`; `failed` may also come straight from ingest. */
export type JobState = 'queued' | 'processing' | 'done' | 'failed';

/** The outputs a finished job wrote, by format, as S3 keys. */
export type OutputKeys = Partial<Record<OutputFormat, string>>;

/** The failure recorded for a job that cannot be transcribed: a stable code and a human message. */
export interface FailureRecord {
  readonly code: ErrorCode;
  readonly name: string;
  readonly message: string;
  readonly context: Readonly<Record<string, unknown>>;
}

/** How one notification channel fared. */
export interface DeliveryRecord {
  readonly ok: boolean;
  /** Attempts made (webhooks retry with backoff; SNS and SES are attempted once by us, the SDK retries inside). */
  readonly attempts: number;
  /** ISO time of the last attempt. */
  readonly at: string;
  /** HTTP status of the last attempt, for webhooks. */
  readonly status?: number;
  readonly error?: string;
  /** Where it went (webhook URL, email address, topic ARN). */
  readonly target: string;
}

/** What happened to a job's notifications (absent until they were attempted). */
export interface NotificationsRecord {
  readonly sns?: DeliveryRecord;
  readonly webhook?: DeliveryRecord;
  readonly email?: DeliveryRecord;
}

/**
 * The status record of one upload, JSON at `status/<upload key without uploads prefix>.json`. Transitions are
 * conditional writes (If-None-Match on create, If-Match on the previous ETag after), so duplicate events and
 * redelivered messages cannot make two outcomes.
 */
export interface StatusRecord {
  readonly version: 1;
  readonly jobId: string;
  readonly state: JobState;
  readonly bucket: string;
  readonly uploadKey: string;
  readonly sourceEtag: string;
  readonly title: string;
  readonly resultsPrefix: string;
  readonly featuresKey?: string;
  /** ISO times at which each state was entered. */
  readonly times: Partial<Record<JobState, string>>;
  /** Keys written for a `done` job. */
  readonly outputs?: OutputKeys;
  /** Key of the error record for a `failed` job. */
  readonly errorKey?: string;
  readonly error?: FailureRecord;
  readonly notifications?: NotificationsRecord;
  /** SQS message id of the job message that claimed the job, so a redelivery of it may take over. */
  readonly claimedBy?: string;
  readonly noteCount?: number;
  readonly durationSeconds?: number;
  readonly windowCount?: number;
}

/** The JSON every channel (SNS, webhook, email text) carries for one outcome. */
export interface OutcomeNotification {
  readonly version: 1;
  readonly event: 'transcription.done' | 'transcription.failed';
  readonly jobId: string;
  readonly state: 'done' | 'failed';
  readonly bucket: string;
  readonly uploadKey: string;
  readonly title: string;
  readonly statusKey: string;
  readonly outputs: OutputKeys;
  /** Presigned GET links for each output (and the error record), valid for `NOTESCRIBE_PRESIGN_SECONDS`. */
  readonly links: Readonly<Record<string, string>>;
  readonly error?: FailureRecord;
  readonly noteCount?: number;
  readonly durationSeconds?: number;
  readonly at: string;
}

const validate = validatorFor<StatusRecord>(schema);

/**
 * Parses a status record as stored (contract/status-record.schema.json) instead of trusting a cast: a record some
 * other writer mangled is refused with every problem named.
 * @throws NotescribeError `INVALID_MESSAGE`
 */
export function parseStatusRecord(text: string): StatusRecord {
  return parseAgainst(validate, 'status record', text);
}
