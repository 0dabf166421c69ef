import { KEY_COUNT } from '../params';

/**
 * The original AnthemScore paper's window-level metrics, reported beside note F1 for comparison: how often each of
 * the 88 outputs is right, and how often a whole window (all 88 keys) is right.
 */
export interface WindowScores {
  readonly windows: number;
  /** Share of (window, key) outputs whose thresholded prediction equals the label. */
  readonly perOutputAccuracy: number;
  /** Share of windows where all 88 thresholded predictions equal the labels. */
  readonly allKeysCorrect: number;
}

/**
 * @param probabilities `[window][KEY_COUNT]` model outputs in 0…1.
 * @param labels `[window][KEY_COUNT]` 1 where the key starts in that window, else 0.
 */
export function scoreWindows(probabilities: Float32Array, labels: Uint8Array, threshold: number): WindowScores {
  const windows = Math.floor(labels.length / KEY_COUNT);
  if (probabilities.length < windows * KEY_COUNT) throw new RangeError('fewer probabilities than labels');
  if (windows === 0) return { windows: 0, perOutputAccuracy: 0, allKeysCorrect: 0 };
  let correctOutputs = 0;
  let correctWindows = 0;
  for (let w = 0; w < windows; w++) {
    let allRight = true;
    for (let k = 0; k < KEY_COUNT; k++) {
      const i = w * KEY_COUNT + k;
      const right = (probabilities[i]! >= threshold ? 1 : 0) === labels[i];
      if (right) correctOutputs++;
      else allRight = false;
    }
    if (allRight) correctWindows++;
  }
  return { windows, perOutputAccuracy: correctOutputs / (windows * KEY_COUNT), allKeysCorrect: correctWindows / windows };
}

/**
 * Labels onset windows from a reference note list: key k of window w is 1 when a reference note of that key starts
 * within `toleranceSeconds` of the window's onset. This is what the classifier is asked to predict.
 *
 * @param onsetSeconds the time of each window's onset.
 * @param reference notes as `{ onsetSeconds, pitch }` with MIDI pitches.
 * @returns `[window][KEY_COUNT]`.
 */
export function labelWindows(
  onsetSeconds: ArrayLike<number>,
  reference: ReadonlyArray<{ readonly onsetSeconds: number; readonly pitch: number }>,
  toleranceSeconds: number,
  lowestMidiPitch: number,
): Uint8Array {
  const labels = new Uint8Array(onsetSeconds.length * KEY_COUNT);
  const sorted = [...reference].sort((a, b) => a.onsetSeconds - b.onsetSeconds);
  let first = 0;
  for (let w = 0; w < onsetSeconds.length; w++) {
    const t = onsetSeconds[w]!;
    while (first < sorted.length && sorted[first]!.onsetSeconds < t - toleranceSeconds) first++;
    for (let i = first; i < sorted.length && sorted[i]!.onsetSeconds <= t + toleranceSeconds; i++) {
      const key = sorted[i]!.pitch - lowestMidiPitch;
      if (key >= 0 && key < KEY_COUNT) labels[w * KEY_COUNT + key] = 1;
    }
  }
  return labels;
}
