import { scoreWindows } from '../../../core/metrics';
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
