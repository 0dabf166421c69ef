/**
 * The log amplitude of digital silence in the spectrogram: what frames before the audio are taken to be (onset
 * detection) and what windows are padded with where they reach past either end of the audio.
 */
export const SPECTROGRAM_FLOOR = Math.log(1e-5);
