import type { FailureRecord, StatusRecord } from './generated/status-record';
import schema from './status-record.schema.json';
import { parseAgainst, validatorFor } from './validator';
import type { OutputFormat } from '../core/output-formats';

/** The status record and its parts, generated from contract/status-record.schema.json (where they are described). */
export type { DeliveryRecord, FailureRecord, JobState, NotificationsRecord, StatusRecord } from './generated/status-record';

/** The outputs a finished job wrote, by format, as S3 keys: what writers build (the record itself keeps any key). */
export type OutputKeys = Partial<Record<OutputFormat, string>>;

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
