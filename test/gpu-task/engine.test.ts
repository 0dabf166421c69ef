import { KEY_COUNT } from '../../core/params';
import { slicePrediction } from '../../gpu-task/engine';

describe('slicePrediction', () => {
  it('cuts every output of a batch to one job\'s rows, including outputs it does not name (v2 onset shift)', () => {
    const rows = 3;
    const field = (base: number): Float32Array => Float32Array.from({ length: rows * KEY_COUNT }, (_, i) => base + i);
    const batch = { onsetProbability: field(0), velocity: field(1000), onsetShiftSeconds: field(5000) };
    const second = slicePrediction(batch, 1, 3);
    expect(Object.keys(second).sort()).toEqual(['onsetProbability', 'onsetShiftSeconds', 'velocity']);
    expect(second.onsetProbability.length).toBe(2 * KEY_COUNT);
    expect(second.onsetProbability[0]).toBe(KEY_COUNT);
    expect(second.velocity[0]).toBe(1000 + KEY_COUNT);
    expect(second.onsetShiftSeconds?.[2 * KEY_COUNT - 1]).toBe(5000 + 3 * KEY_COUNT - 1);
  });
});
