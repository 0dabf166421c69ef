import { NotescribeError } from '../errors';

/**
 * A failure while writing notation, with where it happened (music21's exporter style: "In part P1, measure 3: …").
 * Code INTERNAL: well-formed notes never cause one; it means a bug, not bad input.
 */
export class NotationError extends NotescribeError {
  override readonly name = 'NotationError';

  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super('INTERNAL', message, options);
  }
}
