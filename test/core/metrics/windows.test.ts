import { labelWindows, scoreWindows } from '../../../core/metrics';
import { KEY_COUNT } from '../../../core/params';

describe('scoreWindows', () => {
  it('counts per-output accuracy and whole-window accuracy at the threshold', () => {
    const labels = new Uint8Array(2 * KEY_COUNT);
    const probabilities = new Float32Array(2 * KEY_COUNT);
    labels[3] = 1;
    probabilities[3] = 0.9; // window 0: all right
    labels[KEY_COUNT + 10] = 1;
    probabilities[KEY_COUNT + 10] = 0.4; // window 1: a miss at threshold 0.5
    probabilities[KEY_COUNT + 11] = 0.6; // and a false positive
    const scores = scoreWindows(probabilities, labels, 0.5);
    expect(scores.windows).toBe(2);
    expect(scores.allKeysCorrect).toBe(0.5);
    expect(scores.perOutputAccuracy).toBeCloseTo((2 * KEY_COUNT - 2) / (2 * KEY_COUNT), 12);
  });
});

describe('labelWindows', () => {
  it('marks the keys whose reference onsets fall within the tolerance of each window', () => {
    const labels = labelWindows(
      [1.0, 2.0],
      [
        { onsetSeconds: 1.04, pitch: 60 },
        { onsetSeconds: 0.97, pitch: 64 },
        { onsetSeconds: 1.2, pitch: 67 }, // too late for either window
        { onsetSeconds: 2.0, pitch: 21 },
        { onsetSeconds: 2.0, pitch: 200 }, // off the keyboard
      ],
      0.05,
      21,
    );
    const onKeys = (w: number) => [...labels.subarray(w * KEY_COUNT, (w + 1) * KEY_COUNT)].flatMap((v, k) => (v ? [k + 21] : []));
    expect(onKeys(0)).toEqual([60, 64]);
    expect(onKeys(1)).toEqual([21]);
  });
});
