import { NotescribeError, type ErrorCode } from '../errors';

/** Onset detection or window extraction was given settings or shapes it cannot work with. */
export class OnsetError extends NotescribeError {
  override readonly name = 'OnsetError';
  constructor(message: string, context: Record<string, unknown> = {}, code: ErrorCode = 'INVALID_SETTINGS') {
    super(code, message, { context });
  }
}
