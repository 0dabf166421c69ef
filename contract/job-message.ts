import Ajv, { type ErrorObject } from 'ajv';
import { NotescribeError } from '../core/errors';
import schema from './job-message.schema.json';

/** The only message version this build sends and accepts. A receiver refuses other versions rather than guess. */
export const JOB_MESSAGE_VERSION = 1;

/** Where the job's notifications go; both are optional. */
export interface JobNotify {
  /** http(s) URL that receives the signed JSON outcome. */
  readonly webhookUrl?: string;
  /** Address that receives the outcome by email (SES). */
  readonly email?: string;
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
  /** ISO 8601 UTC time the message was made. */
  readonly createdAt: string;
}

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile<JobMessage>(schema);

function describe(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '(message)'} ${e.message ?? 'is invalid'}`.trim());
}

/**
 * Checks a value against the job-message schema and returns it typed.
 * @throws NotescribeError `INVALID_MESSAGE` listing every problem found (not just the first).
 */
export function validateJobMessage(value: unknown): JobMessage {
  if (validate(value)) return value;
  const problems = describe(validate.errors);
  throw new NotescribeError('INVALID_MESSAGE', `invalid job message: ${problems.join('; ')}`, {
    context: { problems },
  });
}

/**
 * Parses and validates a queue message body.
 * @throws NotescribeError `INVALID_MESSAGE` for malformed JSON or a schema violation.
 */
export function parseJobMessage(body: string): JobMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new NotescribeError('INVALID_MESSAGE', `job message is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return validateJobMessage(value);
}

/** Validates then serialises a message, so the sender can never put an invalid one on the queue. */
export function serializeJobMessage(message: JobMessage): string {
  return JSON.stringify(validateJobMessage(message));
}
