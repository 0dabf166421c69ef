import { NotescribeError } from '../errors';

/** Bytes that are not a feature file this engine can read: wrong magic, unknown version, truncated, inconsistent. */
export class FeatureFileError extends NotescribeError {
  override readonly name = 'FeatureFileError';
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('INVALID_FEATURE_FILE', message, { context });
  }
}
