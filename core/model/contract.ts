import { BIN_COUNT, KEY_COUNT, WINDOW_FRAME_COUNT } from '../params';

/**
 * The ONNX model's interface, defined once for the exporter (training/) and the runtime (core/model). The runtime
 * checks these names and shapes against the session when a model loads.
 *
 * input  `windows`:           float32 [batch, 1, WINDOW_FRAME_COUNT, BIN_COUNT], spectrogram slices around onsets
 * output `onset_probability`: float32 [batch, KEY_COUNT], sigmoid: key k starts at this onset
 * output `velocity`:          float32 [batch, KEY_COUNT], sigmoid: MIDI velocity / 127 of that strike
 * output `onset_shift`:       float32 [batch, KEY_COUNT], optional (models from v2 on): seconds from the window's onset
 *                             frame to where that key's strike starts, within ±MAX_ONSET_SHIFT_SECONDS (the onset
 *                             detector fires a frame or two late on soft attacks; notes are reported where they start)
 */
export const MODEL_IO = {
  input: 'windows',
  onsetProbability: 'onset_probability',
  velocity: 'velocity',
  onsetShift: 'onset_shift',
} as const;

/** The bound of `onset_shift` (the training labels' tolerance: a strike farther away is not labelled there). */
export const MAX_ONSET_SHIFT_SECONDS = 0.05;

export const MODEL_INPUT_SHAPE = [1, WINDOW_FRAME_COUNT, BIN_COUNT] as const;
export const MODEL_OUTPUT_KEYS = KEY_COUNT;

/**
 * The release model (models from training/release.py): when each note's key comes up. Its input is cut per note by
 * core/notes/release.ts `cutReleaseWindows`, exactly as training/release.py `cut_note_windows` cuts it:
 * RELEASE_WINDOW.steps steps of RELEASE_WINDOW.pool frames (max-pooled) from the note's start frame −
 * RELEASE_WINDOW.leadFrames, over the 2·halfBandBins+1 bins centred on the key's centre bin, the same around its
 * second harmonic (+harmonicOffsetBins), and the mean of all bins.
 *
 * input  `note_windows`:     float32 [batch, RELEASE_WINDOW.channels, RELEASE_WINDOW.steps]
 * output `held_probability`: float32 [batch, RELEASE_WINDOW.steps], sigmoid: the key is still down at that step
 */
export const RELEASE_MODEL_IO = {
  input: 'note_windows',
  heldProbability: 'held_probability',
} as const;

const RELEASE_HALF_BAND_BINS = 4;

export const RELEASE_WINDOW = {
  leadFrames: 2,
  pool: 2,
  steps: 128,
  halfBandBins: RELEASE_HALF_BAND_BINS,
  harmonicOffsetBins: 48,
  channels: 2 * (2 * RELEASE_HALF_BAND_BINS + 1) + 1,
} as const;
