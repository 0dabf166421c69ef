import { AudioError } from './errors';

/**
 * Source sample rates we decode. 8 kHz is the lowest rate in common use (telephony); 192 kHz the highest that
 * studio formats write. Outside this range a file is either exotic (UNSUPPORTED_FORMAT) or, past
 * `ABSURD_SAMPLE_RATE_HZ` or at 0, a header that lies (CORRUPT_AUDIO).
 */
export const MIN_SOURCE_RATE_HZ = 8_000;
export const MAX_SOURCE_RATE_HZ = 192_000;
/** No audio format in use writes more than 768 kHz (DXD ×2); a larger rate is a damaged header. */
export const ABSURD_SAMPLE_RATE_HZ = 1_000_000;
/** Channel counts above this are a damaged header (WAV allows 65535; nothing real uses more than a few dozen). */
export const MAX_CHANNELS = 64;

/** Throws the right code for a sample rate or channel count read from a header. */
export function checkStreamShape(format: string, sampleRateHz: number, channels: number): void {
  if (channels < 1 || channels > MAX_CHANNELS) {
    throw new AudioError('CORRUPT_AUDIO', `${format}: header gives ${channels} channels`, {
      context: { format, channels },
    });
  }
  if (!(sampleRateHz > 0) || sampleRateHz > ABSURD_SAMPLE_RATE_HZ) {
    throw new AudioError('CORRUPT_AUDIO', `${format}: header gives an impossible sample rate of ${sampleRateHz} Hz`, {
      context: { format, sampleRateHz },
    });
  }
  if (sampleRateHz < MIN_SOURCE_RATE_HZ || sampleRateHz > MAX_SOURCE_RATE_HZ) {
    throw new AudioError(
      'UNSUPPORTED_FORMAT',
      `${format}: sample rate ${sampleRateHz} Hz is outside the supported ${MIN_SOURCE_RATE_HZ}–${MAX_SOURCE_RATE_HZ} Hz`,
      { context: { format, sampleRateHz } },
    );
  }
}

export function truncated(format: string, message: string, context: Record<string, unknown> = {}): AudioError {
  return new AudioError('TRUNCATED_AUDIO', `${format}: ${message}`, { context: { format, ...context } });
}

export function corrupt(format: string, message: string, context: Record<string, unknown> = {}): AudioError {
  return new AudioError('CORRUPT_AUDIO', `${format}: ${message}`, { context: { format, ...context } });
}
