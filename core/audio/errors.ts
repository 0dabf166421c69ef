import { NotescribeError, type ErrorCode } from '../errors';

/** The codes an audio failure can carry; each maps to one thing the user can do about it. */
export type AudioErrorCode = Extract<
  ErrorCode,
  | 'UNSUPPORTED_FORMAT'
  | 'CORRUPT_AUDIO'
  | 'TRUNCATED_AUDIO'
  | 'EMPTY_AUDIO'
  | 'SILENT_AUDIO'
  | 'AUDIO_TOO_LONG'
  | 'INPUT_TOO_LARGE'
>;

/**
 * A failure to turn bytes into samples. `context` carries what was known when it failed (format, offsets, header
 * values), so an error record says where a file went wrong, not only that it did.
 */
export class AudioError extends NotescribeError {
  override readonly name: string = 'AudioError';
  declare readonly code: AudioErrorCode;

  constructor(
    code: AudioErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(code, message, options);
  }
}
