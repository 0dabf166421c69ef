import { createHash } from 'node:crypto';
import { RESAMPLER_SETTINGS } from '../audio/resample';
import * as params from '../params';
import { ONSET_SETTINGS, type OnsetSettings } from '../onsets/constants';
import { SPECTROGRAM_SETTINGS, type SpectrogramSettings } from '../spectrogram/settings';

/** The shape of DSP_PARAMETERS. */
export interface DspParameters {
  readonly params: Readonly<Record<string, number | Readonly<Record<string, number>>>>;
  readonly resampler: typeof RESAMPLER_SETTINGS;
  readonly spectrogram: SpectrogramSettings;
  readonly onsets: OnsetSettings;
}

/**
 * Every parameter that shapes the features the classifier sees: core/params constants, the resampler's filter
 * (everything reaches the spectrogram through it), the spectrogram's settings and the onset detector's. Feature files carry a copy and model cards its hash (DSP_PARAMETERS_HASH); a model is
 * refused when its hash differs from the engine's.
 */
export const DSP_PARAMETERS: DspParameters = deepFreeze({
  params: {
    SAMPLE_RATE_HZ: params.SAMPLE_RATE_HZ,
    HOP_SAMPLES: params.HOP_SAMPLES,
    FRAME_RATE_HZ: params.FRAME_RATE_HZ,
    LOWEST_MIDI_PITCH: params.LOWEST_MIDI_PITCH,
    KEY_COUNT: params.KEY_COUNT,
    BINS_PER_SEMITONE: params.BINS_PER_SEMITONE,
    BIN_COUNT: params.BIN_COUNT,
    KEY_CENTRE_BIN_OFFSET: params.KEY_CENTRE_BIN_OFFSET,
    A0_HZ: params.A0_HZ,
    LOWEST_BIN_HZ: params.LOWEST_BIN_HZ,
    ONSET_WINDOW_FRAMES: { ...params.ONSET_WINDOW_FRAMES },
    WINDOW_FRAME_COUNT: params.WINDOW_FRAME_COUNT,
  },
  resampler: { ...RESAMPLER_SETTINGS },
  spectrogram: SPECTROGRAM_SETTINGS,
  onsets: { ...ONSET_SETTINGS },
});

/**
 * The JSON text that DSP_PARAMETERS_HASH is taken over: object keys sorted at every level, no whitespace, numbers
 * as JavaScript's JSON.stringify writes them (shortest round-trip form).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item: unknown) => canonicalJson(item)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Readonly<Record<string, unknown>>;
    const entries = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${entries.join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`${value} has no JSON form`);
  if (value !== null && !['number', 'string', 'boolean'].includes(typeof value)) {
    throw new TypeError(`a ${typeof value} has no JSON form`);
  }
  return JSON.stringify(value);
}

/** Lower-case hex SHA-256 of `canonicalJson(parameters)`. */
export function hashDspParameters(parameters: unknown): string {
  return createHash('sha256').update(canonicalJson(parameters), 'utf8').digest('hex');
}

/** SHA-256 (hex) of the canonical JSON of DSP_PARAMETERS: the identity of the features a model was trained on. */
export const DSP_PARAMETERS_HASH: string = hashDspParameters(DSP_PARAMETERS);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
