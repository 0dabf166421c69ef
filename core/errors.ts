/**
 * The engine's error hierarchy. Every user-facing failure carries a stable `code` that lands in the job's error
 * record and failure notification; messages may change, codes may not.
 */
export type ErrorCode =
  | 'UNSUPPORTED_FORMAT'
  | 'CORRUPT_AUDIO'
  | 'TRUNCATED_AUDIO'
  | 'EMPTY_AUDIO'
  | 'SILENT_AUDIO'
  | 'AUDIO_TOO_LONG'
  | 'INPUT_TOO_LARGE'
  | 'INVALID_FEATURE_FILE'
  | 'MODEL_MISMATCH'
  | 'MODEL_LOAD_FAILED'
  | 'INVALID_MESSAGE'
  | 'INVALID_SETTINGS'
  | 'INVALID_NOTE_LIST'
  | 'INPUT_NOT_FOUND'
  | 'OUTPUT_NOT_WRITABLE'
  | 'INTERNAL';

export class NotescribeError extends Error {
  override readonly name: string = 'NotescribeError';
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = options.context ?? {};
  }

  /** The JSON shape written to error records and failure notifications. */
  toRecord(): { code: ErrorCode; name: string; message: string; context: Readonly<Record<string, unknown>> } {
    return { code: this.code, name: this.name, message: this.message, context: this.context };
  }
}

/** Wraps anything thrown into a NotescribeError so boundaries can always report a code. */
export function asNotescribeError(error: unknown): NotescribeError {
  if (error instanceof NotescribeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new NotescribeError('INTERNAL', message, { cause: error });
}
