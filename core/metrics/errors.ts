import { NotescribeError } from '../errors';

/** A note list that mir_eval would refuse: negative or reversed intervals, non-positive pitches, unparsable lines. */
export class InvalidNoteListError extends NotescribeError {
  override readonly name = 'InvalidNoteListError';
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('INVALID_NOTE_LIST', message, { context });
  }
}
