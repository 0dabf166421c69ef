import schema from './job-message.schema.json';
import { parseAgainst, validateAgainst, validatorFor } from './validator';

/** The only message version this build sends and accepts. A receiver refuses other versions rather than guess. */
export const JOB_MESSAGE_VERSION = 1;

/** Where the job's notifications go; both are optional. */
export interface JobNotify {
  /** http(s) URL that receives the signed JSON outcome. */
  readonly webhookUrl?: string;
  /** Address that receives the outcome by email (SES). */
  readonly email?: string;
}

/** Score hints as the uploader typed them (the same fields as core/notation's `ScoreHintText`). */
export interface JobHints {
  readonly title?: string;
  readonly composer?: string;
  readonly tempo?: string;
  readonly timeSignature?: string;
  readonly key?: string;
}

/** The job message (schema: contract/job-message.schema.json). A claim check: S3 keys, never payloads. */
export interface JobMessage {
  readonly version: typeof JOB_MESSAGE_VERSION;
  /** Hex id derived from bucket, key and ETag, so duplicate S3 events map to one job (see `jobIdFor`). */
  readonly jobId: string;
  readonly bucket: string;
  /** The uploaded object's key, decoded (as stored in S3). */
  readonly uploadKey: string;
  /** ETag of the uploaded object, without quotes. */
  readonly sourceEtag: string;
  /** Feature file written by ingest (`encodeFeatureFile`). */
  readonly featuresKey: string;
  /** The job's status record. */
  readonly statusKey: string;
  /** Outputs go under this prefix; ends with '/'. */
  readonly resultsPrefix: string;
  /** Score title (from the file name). */
  readonly title: string;
  /** Number of onset windows in the feature file, so the worker can plan batches before fetching it. */
  readonly windowCount: number;
  readonly durationSeconds: number;
  readonly notify: JobNotify;
  /** Score hints from the upload's metadata, as typed (core/notation `ScoreHintText`); checked at ingest. */
  readonly hints?: JobHints;
  /** ISO 8601 UTC time the message was made. */
  readonly createdAt: string;
}

const validate = validatorFor<JobMessage>(schema);

/**
 * Checks a value against the job-message schema and returns it typed.
 * @throws NotescribeError `INVALID_MESSAGE` listing every problem found (not just the first).
 */
export function validateJobMessage(value: unknown): JobMessage {
  return validateAgainst(validate, 'job message', value);
}

/**
 * Parses and validates a queue message body.
 * @throws NotescribeError `INVALID_MESSAGE` for malformed JSON or a schema violation.
 */
export function parseJobMessage(body: string): JobMessage {
  return parseAgainst(validate, 'job message', body);
}

/** Validates then serialises a message, so the sender can never put an invalid one on the queue. */
export function serializeJobMessage(message: JobMessage): string {
  return JSON.stringify(validateJobMessage(message));
}
