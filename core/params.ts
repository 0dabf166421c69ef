/**
 * The DSP parameters of the engine, defined once. Feature files and model cards carry a copy (with a hash), and a
 * model trained on other parameters is refused when it loads, so training and serving cannot drift.
 */

/** Engine sample rate. 16 kHz keeps C8 (4186 Hz) and its second harmonic below Nyquist at a quarter of 44.1k's cost. */
export const SAMPLE_RATE_HZ = 16_000;
/** 160 samples at 16 kHz: exactly 100 frames per second (10 ms), fine enough to place onsets within 30 ms. */
export const HOP_SAMPLES = 160;
export const FRAME_RATE_HZ = SAMPLE_RATE_HZ / HOP_SAMPLES;

/** The 88 piano keys, A0 (MIDI 21) to C8 (MIDI 108). */
export const LOWEST_MIDI_PITCH = 21;
export const KEY_COUNT = 88;
export const HIGHEST_MIDI_PITCH = LOWEST_MIDI_PITCH + KEY_COUNT - 1;

/** Four bins per semitone, as in AnthemScore: enough to see detuning and vibrato and separate neighbouring keys. */
export const BINS_PER_SEMITONE = 4;
export const BINS_PER_OCTAVE = 12 * BINS_PER_SEMITONE;
export const BIN_COUNT = KEY_COUNT * BINS_PER_SEMITONE;
/**
 * Each key's fundamental sits exactly on a bin: bin `KEY_CENTRE_BIN_OFFSET + 4·k` is key k's centre, so bin 0 lies a
 * quarter-semitone below A0 and the last bin half a semitone above C8.
 */
export const KEY_CENTRE_BIN_OFFSET = 1;
export const A0_HZ = 27.5;
/** Centre frequency of bin 0. */
export const LOWEST_BIN_HZ = A0_HZ * 2 ** (-KEY_CENTRE_BIN_OFFSET / BINS_PER_OCTAVE);

/** Centre frequency of spectrogram bin `bin` (0-based), in Hz. */
export function binCentreHz(bin: number): number {
  return LOWEST_BIN_HZ * 2 ** (bin / BINS_PER_OCTAVE);
}

/** The spectrogram bin on which key `keyIndex` (0 = A0 … 87 = C8) is centred. */
export function keyCentreBin(keyIndex: number): number {
  return KEY_CENTRE_BIN_OFFSET + keyIndex * BINS_PER_SEMITONE;
}

/** Frequency of a MIDI pitch in equal temperament, A4 = 440 Hz. */
export function midiToHz(midiPitch: number): number {
  return 440 * 2 ** ((midiPitch - 69) / 12);
}

/** Nearest MIDI pitch to a frequency (may be fractional input; result is rounded). */
export function hzToMidi(hz: number): number {
  return Math.round(69 + 12 * Math.log2(hz / 440));
}

/**
 * The slice of spectrogram the classifier sees around each onset: frames before it (to tell a new strike from a
 * held note) and after it (attack and early decay), over all 352 bins. Window length = before + 1 + after.
 */
export const ONSET_WINDOW_FRAMES = { before: 4, after: 8 } as const;
export const WINDOW_FRAME_COUNT = ONSET_WINDOW_FRAMES.before + 1 + ONSET_WINDOW_FRAMES.after;

/** Default limits on what the engine accepts. */
export const DEFAULT_MAX_AUDIO_SECONDS = 30 * 60;
export const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024 * 1024;
