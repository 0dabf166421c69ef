import { extractWindows, OnsetError, SPECTROGRAM_FLOOR } from '../../../core/onsets';
import { BIN_COUNT, WINDOW_FRAME_COUNT } from '../../../core/params';
import type { Spectrogram } from '../../../core/types';

/** A spectrogram whose value at (frame, bin) is frame + bin / 1000, so every copied value names its source. */
function numbered(frameCount: number): Spectrogram {
  const data = new Float32Array(frameCount * BIN_COUNT);
  for (let f = 0; f < frameCount; f++) for (let b = 0; b < BIN_COUNT; b++) data[f * BIN_COUNT + b] = f + b / 1000;
  return { data, frameCount, binCount: BIN_COUNT, frameRateHz: 100 };
}

const at = (windows: Float32Array, w: number, row: number, bin: number): number =>
  windows[(w * WINDOW_FRAME_COUNT + row) * BIN_COUNT + bin]!;

describe('extractWindows', () => {
  it('copies frames onset-4 … onset+8 over all bins, laid out [onset][frame][bin]', () => {
    const windows = extractWindows(numbered(30), [10, 20]);
    expect(windows.length).toBe(2 * WINDOW_FRAME_COUNT * BIN_COUNT);
    expect(at(windows, 0, 0, 0)).toBe(6);
    expect(at(windows, 0, 4, 351)).toBeCloseTo(10.351, 5);
    expect(at(windows, 0, 12, 7)).toBeCloseTo(18.007, 5);
    expect(at(windows, 1, 0, 0)).toBe(16);
    expect(at(windows, 1, 12, 0)).toBe(28);
  });

  it('pads frames outside the audio with the silence floor (0)', () => {
    expect(SPECTROGRAM_FLOOR).toBe(0);
    const windows = extractWindows(numbered(5), [1, 3]);
    // Onset 1: rows 0–2 are frames −3…−1 (padding), row 3 is frame 0; frames 5+ are padding too.
    expect([0, 1, 2].map((row) => at(windows, 0, row, 9))).toEqual([0, 0, 0]);
    expect(at(windows, 0, 3, 9)).toBeCloseTo(0.009, 6);
    expect(at(windows, 0, 7, 0)).toBe(4);
    expect(at(windows, 0, 8, 0)).toBe(0);
    expect(at(windows, 1, 12, 100)).toBe(0);
    expect(at(windows, 1, 5, 100)).toBeCloseTo(4.1, 5);
  });

  it('pads a whole window that lies beyond either end, and honours padValue', () => {
    const windows = extractWindows(numbered(5), [-20, 40], { padValue: -1 });
    expect(windows.every((value) => value === -1)).toBe(true);
    expect(extractWindows(numbered(5), []).length).toBe(0);
  });

  it('refuses spectrograms with the wrong bin count and fractional onsets', () => {
    const narrow: Spectrogram = { data: new Float32Array(8), frameCount: 2, binCount: 4, frameRateHz: 100 };
    expect(() => extractWindows(narrow, [0])).toThrow(OnsetError);
    expect(() => extractWindows(numbered(3), [1.5])).toThrow(/not an integer/);
  });
});
