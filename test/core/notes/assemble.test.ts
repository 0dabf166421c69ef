import { assembleNotes } from '../../../core/notes';
import { BIN_COUNT, keyCentreBin, KEY_COUNT, LOWEST_MIDI_PITCH } from '../../../core/params';
import type { Spectrogram } from '../../../core/types';

const RATE = 100;

/** A silent (level 0) spectrogram of `frameCount` frames, with `levels(frame)` written at key `key`'s centre bin. */
function spectrogramWith(frameCount: number, tracks: { key: number; level: (frame: number) => number }[]): Spectrogram {
  const data = new Float32Array(frameCount * BIN_COUNT);
  for (const { key, level } of tracks) {
    for (let f = 0; f < frameCount; f++) data[f * BIN_COUNT + keyCentreBin(key)] = level(f);
  }
  return { data, frameCount, binCount: BIN_COUNT, frameRateHz: RATE };
}

/** Model outputs for onsets at `frames`, with probability `p` and velocity `v` at the listed keys and 0 elsewhere. */
function outputs(strikes: { frame: number; keys: Record<number, [p: number, v: number]> }[]) {
  const onsetFrames = Int32Array.from(strikes.map((s) => s.frame));
  const onsetProbability = new Float32Array(strikes.length * KEY_COUNT);
  const velocity = new Float32Array(strikes.length * KEY_COUNT);
  strikes.forEach((s, i) => {
    for (const [key, [p, v]] of Object.entries(s.keys)) {
      onsetProbability[i * KEY_COUNT + Number(key)] = p;
      velocity[i * KEY_COUNT + Number(key)] = v;
    }
  });
  return { onsetFrames, onsetProbability, velocity };
}

const thresholds = { onset: 0.5 };
/** A strike at frame `at` rising to 10 at `at + 1`, then falling by 0.5 per frame to the floor. */
const decayFrom = (at: number) => (f: number) => (f < at ? 0 : f === at ? 5 : Math.max(0, 10 - 0.5 * (f - at - 1)));

describe('assembleNotes', () => {
  it('makes notes only for keys at or above the threshold, at the onset time, with velocity from the model', () => {
    const spectrogram = spectrogramWith(100, [
      { key: 39, level: decayFrom(10) },
      { key: 43, level: decayFrom(10) },
      { key: 46, level: decayFrom(10) },
    ]);
    const notes = assembleNotes({
      spectrogram,
      ...outputs([{ frame: 10, keys: { 39: [0.9, 0.5], 43: [0.5, 1], 46: [0.49, 1] } }]),
      thresholds,
    });
    expect(notes.map((n) => [n.pitch, n.onsetSeconds, n.velocity])).toEqual([
      [LOWEST_MIDI_PITCH + 39, 0.1, 64],
      [LOWEST_MIDI_PITCH + 43, 0.1, 127],
    ]);
  });

  it("moves each note to where the model's timing output says its strike starts, keeping its end", () => {
    const spectrogram = spectrogramWith(100, [
      { key: 20, level: decayFrom(10) },
      { key: 30, level: decayFrom(10) },
    ]);
    const strikes = outputs([{ frame: 10, keys: { 20: [1, 0.5], 30: [1, 0.5] } }]);
    const onsetShiftSeconds = new Float32Array(KEY_COUNT);
    onsetShiftSeconds[20] = -0.015;
    onsetShiftSeconds[30] = 0.02;
    const shifted = assembleNotes({ spectrogram, ...strikes, onsetShiftSeconds, thresholds });
    const plain = assembleNotes({ spectrogram, ...strikes, thresholds });
    expect(shifted.map((n) => n.pitch)).toEqual([41, 51]);
    expect(shifted[0]?.onsetSeconds).toBeCloseTo(0.085, 9);
    expect(shifted[1]?.onsetSeconds).toBeCloseTo(0.12, 9);
    expect(shifted.map((n) => n.offsetSeconds)).toEqual(plain.map((n) => n.offsetSeconds));
    expect(plain.map((n) => n.onsetSeconds)).toEqual([0.1, 0.1]);
  });

  it('ends a note when its key has decayed a fifth of the way from its peak to the noise floor', () => {
    // Peak 10 at frame 11, floor 0: the cutoff is 8, passed from frame 16 on (level 7.5) for the 3 frames required.
    const notes = assembleNotes({
      spectrogram: spectrogramWith(100, [{ key: 20, level: decayFrom(10) }]),
      ...outputs([{ frame: 10, keys: { 20: [1, 0.5] } }]),
      thresholds,
    });
    expect(notes).toEqual([{ pitch: 41, onsetSeconds: 0.1, offsetSeconds: 0.16, velocity: 64 }]);
  });

  it('follows a slower decay to a later end, and releaseFraction moves it', () => {
    const slow = (f: number) => (f < 10 ? 0 : Math.max(0, 10 - (f - 10) / 10));
    const spectrogram = spectrogramWith(200, [{ key: 20, level: slow }]);
    const strikes = outputs([{ frame: 10, keys: { 20: [1, 0.5] } }]);
    // Level < 8 from frame 31 (10 − 21/10 = 7.9); with both fractions at 0.8, < 2 from frame 91.
    expect(assembleNotes({ spectrogram, ...strikes, thresholds })[0]?.offsetSeconds).toBe(0.31);
    expect(
      assembleNotes({ spectrogram, ...strikes, thresholds, options: { releaseFraction: 0.8, returnFraction: 0.8 } })[0]
        ?.offsetSeconds,
    ).toBe(0.91);
  });

  it('merges strikes of one key on adjacent onsets within 50 ms, keeping the earlier time and louder velocity', () => {
    const notes = assembleNotes({
      spectrogram: spectrogramWith(100, [{ key: 30, level: decayFrom(10) }]),
      ...outputs([
        { frame: 10, keys: { 30: [0.8, 0.3] } },
        { frame: 14, keys: { 30: [0.9, 0.6] } },
      ]),
      thresholds,
    });
    expect(notes).toEqual([{ pitch: 51, onsetSeconds: 0.1, offsetSeconds: 0.16, velocity: 76 }]);
  });

  it('ends a held note when its key is struck again, and the second strike lasts until the key decays', () => {
    // Key 50 sounds at level 10 from frame 10 to frame 79, then stops; struck at 10 and again at 40.
    const held = (f: number) => (f >= 10 && f < 80 ? 10 : 0);
    const notes = assembleNotes({
      spectrogram: spectrogramWith(100, [{ key: 50, level: held }]),
      ...outputs([
        { frame: 10, keys: { 50: [1, 0.5] } },
        { frame: 40, keys: { 50: [1, 0.5] } },
      ]),
      thresholds,
    });
    expect(notes.map((n) => [n.onsetSeconds, n.offsetSeconds])).toEqual([
      [0.1, 0.4],
      [0.4, 0.8],
    ]);
  });

  it('gives a note that vanishes at once the minimum duration, and sorts by onset then pitch', () => {
    const blip = (f: number) => (f === 20 ? 10 : 0);
    const notes = assembleNotes({
      spectrogram: spectrogramWith(100, [
        { key: 60, level: blip },
        { key: 10, level: decayFrom(30) },
      ]),
      ...outputs([
        { frame: 20, keys: { 60: [1, 0.5] } },
        { frame: 30, keys: { 10: [1, 0.5] } },
      ]),
      thresholds,
      options: { minDurationSeconds: 0.05 },
    });
    expect(notes.map((n) => [n.pitch, n.onsetSeconds, n.offsetSeconds])).toEqual([
      [81, 0.2, 0.25],
      [31, 0.3, 0.36],
    ]);
  });

  it('ends a note once it falls half way back to the level its key had before the strike', () => {
    // Another sound holds the key at 8; the strike lifts it to 10, then it decays by 0.25 per frame back to 8.
    const level = (f: number) => (f < 10 ? 8 : f <= 11 ? 10 : Math.max(8, 10 - 0.25 * (f - 11)));
    const spectrogram = spectrogramWith(100, [{ key: 30, level }]);
    const strikes = outputs([{ frame: 10, keys: { 30: [1, 0.5] } }]);
    // Half way back to 8 is 9, passed from frame 16 (8.75); the floor rule alone (cutoff 8) never ends it before 1 s.
    expect(assembleNotes({ spectrogram, ...strikes, thresholds })[0]?.offsetSeconds).toBe(0.16);
    expect(assembleNotes({ spectrogram, ...strikes, thresholds, options: { returnFraction: 1 } })[0]?.offsetSeconds).toBe(1);
  });

  it('does not end a note on a dip shorter than the hold time', () => {
    // Level 10, a two-frame dip to 0 at frames 13–14, then 9 until frame 29.
    const level = (f: number) => (f < 10 ? 0 : f < 13 ? 10 : f < 15 ? 0 : f < 30 ? 9 : 0);
    const spectrogram = spectrogramWith(100, [{ key: 30, level }]);
    const strikes = outputs([{ frame: 10, keys: { 30: [1, 0.5] } }]);
    expect(assembleNotes({ spectrogram, ...strikes, thresholds })[0]?.offsetSeconds).toBe(0.3);
    // With a 10 ms hold the dip ends it at frame 13, lengthened to the 50 ms minimum.
    expect(
      assembleNotes({ spectrogram, ...strikes, thresholds, options: { releaseHoldSeconds: 0.01 } })[0]?.offsetSeconds,
    ).toBe(0.15);
  });

  it('returns no notes when nothing passes the threshold', () => {
    expect(
      assembleNotes({
        spectrogram: spectrogramWith(10, []),
        ...outputs([{ frame: 2, keys: { 5: [0.2, 1] } }]),
        thresholds,
      }),
    ).toEqual([]);
  });
});
