import { BIN_COUNT, HOP_SAMPLES } from '../../../core/params';
import { SPECTROGRAM_SETTINGS } from '../../../core/spectrogram';

describe('SPECTROGRAM_SETTINGS', () => {
  it('is plain JSON (it is hashed into feature files and model cards)', () => {
    expect(JSON.parse(JSON.stringify(SPECTROGRAM_SETTINGS))).toEqual(SPECTROGRAM_SETTINGS);
  });

  it('plans octave groups that cover the 352 bins once, each with a whole-sample hop and FFT runs covering it', () => {
    const covered = new Array<number>(BIN_COUNT).fill(0);
    for (const group of SPECTROGRAM_SETTINGS.groups) {
      expect(HOP_SAMPLES % group.decimation).toBe(0);
      for (let b = group.firstBin; b < group.firstBin + group.binCount; b++) covered[b]!++;
      for (const resolution of ['low', 'high'] as const) {
        const bins = group.segments[resolution].reduce((sum, segment) => sum + segment.binCount, 0);
        expect(bins).toBe(group.binCount);
      }
    }
    expect(covered.every((count) => count === 1)).toBe(true);
  });
});
