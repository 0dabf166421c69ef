import { BIN_COUNT, binCentreHz, keyCentreBin, KEY_COUNT, midiToHz, LOWEST_MIDI_PITCH, FRAME_RATE_HZ } from '../../core/params';

describe('DSP parameters', () => {
  it('centres every key on a bin', () => {
    for (let key = 0; key < KEY_COUNT; key++) {
      expect(binCentreHz(keyCentreBin(key))).toBeCloseTo(midiToHz(LOWEST_MIDI_PITCH + key), 6);
    }
  });

  it('covers 88 keys at 4 bins per semitone at 100 frames per second', () => {
    expect(BIN_COUNT).toBe(352);
    expect(keyCentreBin(KEY_COUNT - 1)).toBeLessThan(BIN_COUNT);
    expect(FRAME_RATE_HZ).toBe(100);
  });
});
