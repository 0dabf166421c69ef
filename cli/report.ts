import { asNotescribeError } from '../core/errors';
import { exitStatusFor, type ExitStatus } from './exit-codes';

/** The line a user sees for a failure: `notescribe: CODE: message` (no stack unless NOTESCRIBE_DEBUG is set). */
export function failureLine(error: unknown): string {
  const failure = asNotescribeError(error);
  return `notescribe: ${failure.code}: ${failure.message}`;
}

/** Prints a failure the way a user should see it (code and message, no stack) and returns the exit status. */
export function reportFailure(error: unknown): ExitStatus {
  const failure = asNotescribeError(error);
  process.stderr.write(`${failureLine(failure)}\n`);
  if (process.env['NOTESCRIBE_DEBUG'] && failure.stack) process.stderr.write(`${failure.stack}\n`);
  return exitStatusFor(failure.code);
}
