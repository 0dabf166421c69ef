import { NotescribeError, type ErrorCode } from '../errors';

/** A model that cannot be used: unreadable bytes, an invalid card, or a card/graph that disagrees with the engine. */
export class ModelError extends NotescribeError {
  override readonly name: string = 'ModelError';

  constructor(
    code: Extract<ErrorCode, 'MODEL_MISMATCH' | 'MODEL_LOAD_FAILED'>,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(code, message, options);
  }
}
