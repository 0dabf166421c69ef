import { asNotescribeError } from '../core/errors';

/** Prints a failure the way a user should see it (code and message, no stack) and returns the exit code. */
export function reportFailure(error: unknown): number {
  const failure = asNotescribeError(error);
  process.stderr.write(`notescribe: ${failure.code}: ${failure.message}\n`);
  if (process.env['NOTESCRIBE_DEBUG'] && failure.stack) process.stderr.write(`${failure.stack}\n`);
  return failure.code === 'INTERNAL' ? 70 : 65;
}
