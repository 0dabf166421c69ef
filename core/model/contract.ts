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
