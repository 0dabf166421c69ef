import { BIN_COUNT, KEY_COUNT, WINDOW_FRAME_COUNT } from '../params';

/**
 * The ONNX model's interface, defined once for the exporter (training/) and the runtime (core/model). The runtime
 * checks these names and shapes against the session when a model loads.
 *
 * input  `windows`:           float32 [batch, 1, WINDOW_FRAME_COUNT, BIN_COUNT], spectrogram slices around onsets
 * output `onset_probability`: float32 [batch, KEY_COUNT], sigmoid: key k starts at this onset
 * output `velocity`:          float32 [batch, KEY_COUNT], sigmoid: MIDI velocity / 127 of that strike
 */
export const MODEL_IO = {
  input: 'windows',
  onsetProbability: 'onset_probability',
  velocity: 'velocity',
} as const;

export const MODEL_INPUT_SHAPE = [1, WINDOW_FRAME_COUNT, BIN_COUNT] as const;
export const MODEL_OUTPUT_KEYS = KEY_COUNT;
