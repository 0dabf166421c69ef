import type { JobMessage } from './generated/job-message';
import schema from './job-message.schema.json';
import { parseAgainst, validateAgainst, validatorFor } from './validator';

/** The only message version this build sends and accepts. A receiver refuses other versions rather than guess. */
export const JOB_MESSAGE_VERSION: JobMessage['version'] = 1;

/** The job message and its parts, generated from contract/job-message.schema.json (where their fields are described). */
export type { JobHints, JobMessage, JobNotify } from './generated/job-message';

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
