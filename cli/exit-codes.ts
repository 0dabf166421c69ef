/**
 * The exit statuses of `notescribe`, from BSD's sysexits.h so scripts can tell a usage mistake from a bad file from
 * a bug. docs/transcribe.md lists them; every failure goes through `exitStatusFor`.
 */
import type { ErrorCode } from '../core/errors';

export const EXIT_STATUS = {
  ok: 0,
  /** EX_USAGE: the command line is wrong (unknown option, bad value, outputs that would collide). */
  usage: 64,
  /** EX_DATAERR: an input is not usable audio (or not a usable feature file or note list). */
  dataError: 65,
  /** EX_NOINPUT: an input does not exist or cannot be read. */
  noInput: 66,
  /** EX_SOFTWARE: a bug in notescribe (code INTERNAL). */
  internal: 70,
  /** EX_CANTCREAT: an output file or folder cannot be written. */
  cantCreate: 73,
  /** EX_CONFIG: the model is missing or was made for another engine. */
  config: 78,
} as const;

export type ExitStatus = (typeof EXIT_STATUS)[keyof typeof EXIT_STATUS];

/** Codes that are not about the input's data; every other code is an input problem (EX_DATAERR). */
const STATUS_OF_CODE: Readonly<Partial<Record<ErrorCode, ExitStatus>>> = {
  INVALID_SETTINGS: EXIT_STATUS.usage,
  INPUT_NOT_FOUND: EXIT_STATUS.noInput,
  OUTPUT_NOT_WRITABLE: EXIT_STATUS.cantCreate,
  MODEL_LOAD_FAILED: EXIT_STATUS.config,
  MODEL_MISMATCH: EXIT_STATUS.config,
  INTERNAL: EXIT_STATUS.internal,
};

/** The exit status for a failure with this code. */
export function exitStatusFor(code: ErrorCode): ExitStatus {
  return STATUS_OF_CODE[code] ?? EXIT_STATUS.dataError;
}
