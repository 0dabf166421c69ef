// Generated from contract/status-record.schema.json by scripts/contract-types.ts (npm run generate:contract).
// Do not edit: change the schema and regenerate; test/contract/generated-types.test.ts fails while this is stale.

/**
 * The states a job moves through. `queued → processing → done | failed`; `failed` may also come straight from ingest.
 *
 * This interface was referenced by `StatusRecord`'s JSON-Schema
 * via the `definition` "JobState".
 */
export type JobState = 'queued' | 'processing' | 'done' | 'failed';

/**
 * The status record of one upload, JSON at `status/<upload key without uploads prefix>.json`: written by ingest, the worker and the sender through pipeline/job-lifecycle.ts, read by `notescribe status` and anyone polling. Transitions are conditional writes (If-None-Match on create, If-Match on the previous ETag after), so duplicate events and redelivered messages cannot make two outcomes. Public: fields may be added, never renamed.
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
  /**
   * ISO times at which each state was entered.
   */
  readonly times: {
    readonly queued?: string;
    readonly processing?: string;
    readonly done?: string;
    readonly failed?: string;
  };
  /**
   * Keys written for a `done` job, by output format (core/output-formats.ts).
   */
  readonly outputs?: {
    readonly [k: string]: string;
  };
  /**
   * Key of the error record for a `failed` job.
   */
  readonly errorKey?: string;
  readonly error?: FailureRecord;
  readonly notifications?: NotificationsRecord;
  /**
   * SQS message id of the job message that claimed the job, so a redelivery of it may take over.
   */
  readonly claimedBy?: string;
  readonly noteCount?: number;
  readonly durationSeconds?: number;
  readonly windowCount?: number;
}
/**
 * The failure recorded for a job that cannot be transcribed: a stable code (core/errors.ts `ErrorCode`) and a human message.
 *
 * This interface was referenced by `StatusRecord`'s JSON-Schema
 * via the `definition` "FailureRecord".
 */
export interface FailureRecord {
  readonly code: string;
  readonly name: string;
  readonly message: string;
  readonly context: {
    readonly [k: string]: unknown;
  };
}
/**
 * What happened to a job's notifications (absent until they were attempted).
 *
 * This interface was referenced by `StatusRecord`'s JSON-Schema
 * via the `definition` "NotificationsRecord".
 */
export interface NotificationsRecord {
  readonly sns?: DeliveryRecord;
  readonly webhook?: DeliveryRecord;
  readonly email?: DeliveryRecord;
}
/**
 * How one notification channel fared.
 *
 * This interface was referenced by `StatusRecord`'s JSON-Schema
 * via the `definition` "DeliveryRecord".
 */
export interface DeliveryRecord {
  readonly ok: boolean;
  /**
   * Attempts made (webhooks retry with backoff; SNS and SES are attempted once by us, the SDK retries inside).
   */
  readonly attempts: number;
  /**
   * ISO time of the last attempt.
   */
  readonly at: string;
  /**
   * HTTP status of the last attempt, for webhooks.
   */
  readonly status?: number;
  readonly error?: string;
  /**
   * Where it went (webhook URL, email address, topic ARN).
   */
  readonly target: string;
}
