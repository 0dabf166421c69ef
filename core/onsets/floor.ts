import { SPECTROGRAM_SETTINGS } from '../spectrogram/settings';

/**
 * The spectrogram value of digital silence (SPECTROGRAM_SETTINGS.amplitude.silenceValue, 0 on its dB-above-floor
 * scale): what frames before the audio are taken to be (onset detection) and what windows are padded with where they
 * reach past either end of the audio, so an edge window looks like audio next to silence.
 */
export const SPECTROGRAM_FLOOR: number = SPECTROGRAM_SETTINGS.amplitude.silenceValue;
