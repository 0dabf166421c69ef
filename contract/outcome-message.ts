import type { OutcomeMessage } from './generated/outcome-message';
import schema from './outcome-message.schema.json';
import { parseAgainst, validateAgainst, validatorFor } from './validator';

/**
 * The outbox entry (schema: contract/outcome-message.schema.json, type generated from it): "this job has reached its
 * final state, announce it". Whoever moved the job to done or failed sends one to the notify queue; the notification
 * sender reads it and the job's status record. Taking notifications off the worker's path means no webhook receiver
 * can slow transcription.
 */
export type { OutcomeMessage } from './generated/outcome-message';

const validate = validatorFor<OutcomeMessage>(schema);

/**
 * Parses and validates a notify-queue message body.
 * @throws NotescribeError `INVALID_MESSAGE` for malformed JSON or a schema violation.
 */
export function parseOutcomeMessage(body: string): OutcomeMessage {
  return parseAgainst(validate, 'outcome message', body);
}

/** Validates then serialises, so an invalid outcome message never reaches the queue. */
export function serializeOutcomeMessage(message: OutcomeMessage): string {
  return JSON.stringify(validateAgainst(validate, 'outcome message', message));
}
