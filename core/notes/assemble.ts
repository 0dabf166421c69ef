import { keyCentreBin, KEY_COUNT, LOWEST_MIDI_PITCH } from '../params';
import type { Note, Spectrogram } from '../types';

/** Probability thresholds, normally the model card's `thresholds`. */
export interface NoteThresholds {
  /** A key becomes a note at an onset when its onset probability is at or above this (0…1). */
  readonly onset: number;
}

/** How strikes become notes and how long notes last. Every field has a default tuned for piano. */
export interface NoteAssemblyOptions {
  /**
   * Strikes of one key closer together than this are one note (the onset detector can fire twice on one attack).
   * @default 0.05 s
   */
  readonly mergeSeconds?: number;
  /** No note is shorter than this (unless the key is struck again sooner). @default 0.05 s */
  readonly minDurationSeconds?: number;
  /** No note is longer than this, so a stuck sustain cannot run to the end of the piece. @default 8 s */
  readonly maxDurationSeconds?: number;
  /** The attack's peak is looked for this long after the onset. @default 0.1 s */
  readonly peakSearchSeconds?: number;
  /**
   * A note ends when its key's level has fallen this fraction of the way from its peak down to the noise floor.
   * Measured in the spectrogram's log units, so it holds for any log base or dB scale: 0.2 on the engine's 80 dB scale
   * ends a note that peaked at the top of the scale 16 dB below its peak. (0.2 was the best of 0.1…0.3 on the bundled
   * example with the reference onsets: note F1 with offsets 0.93.)
   * @default 0.2
   */
  readonly releaseFraction?: number;
  /** The noise floor is this quantile of every key's level over the whole piece. @default 0.1 */
  readonly floorQuantile?: number;
  /**
   * Where the key already sounded before the strike (a held note, or another note's partial on the same bins), the
   * note also ends once its level has fallen back this fraction of the way from the peak to that earlier level.
   * @default 0.5
   */
  readonly returnFraction?: number;
  /** The level must stay below the cutoff this long for the note to end, so beating and brief dips do not cut it. @default 0.03 s */
  readonly releaseHoldSeconds?: number;
}

export interface AssembleNotesInput {
  /** The log-amplitude spectrogram the onsets came from, `[frame][bin]`. */
  readonly spectrogram: Spectrogram;
  /** Frame index of each onset, ascending. */
  readonly onsetFrames: Int32Array;
  /** `[onset][KEY_COUNT]` model output, 0…1. */
  readonly onsetProbability: Float32Array;
  /** `[onset][KEY_COUNT]` model output, MIDI velocity / 127. */
  readonly velocity: Float32Array;
  /**
   * `[onset][KEY_COUNT]` model output (v2 models on): seconds from the onset frame to where the key's strike starts.
   * Without it a note starts at its onset frame, which lags soft attacks by a frame or two.
   */
  readonly onsetShiftSeconds?: Float32Array;
  readonly thresholds: NoteThresholds;
  readonly options?: NoteAssemblyOptions;
}

interface Strike {
  readonly frame: number;
  /** Where the strike starts relative to `frame`, in seconds (the model's timing output; 0 without one). */
  readonly shiftSeconds: number;
  velocity: number;
}

/**
 * Turns per-onset key probabilities into notes. A key at or above the onset threshold starts a note at that onset's
 * time, moved by the model's timing output when it has one; strikes of one key within `mergeSeconds` merge (earliest time, loudest velocity). Each note then follows its
 * key's level in the spectrogram (the loudest of the key's centre bin and its two neighbours) from its attack peak
 * until the level stays for `releaseHoldSeconds` below a cutoff (`releaseFraction` of the way down to the noise floor,
 * or `returnFraction` of the way back to the level before the strike, whichever is higher), the key is struck again,
 * or `maxDurationSeconds` passes; no note is shorter than `minDurationSeconds` unless the key is struck again sooner.
 *
 * @returns notes sorted by onset, then pitch; times in seconds at the spectrogram's frame rate (frame f is f / rate)
 */
export function assembleNotes(input: AssembleNotesInput): Note[] {
  const { spectrogram, onsetFrames, onsetProbability, velocity, onsetShiftSeconds, thresholds } = input;
  const options = input.options ?? {};
  const rate = spectrogram.frameRateHz;
  const mergeFrames = Math.round((options.mergeSeconds ?? 0.05) * rate);
  const minFrames = Math.max(1, Math.round((options.minDurationSeconds ?? 0.05) * rate));
  const maxFrames = Math.max(minFrames, Math.round((options.maxDurationSeconds ?? 8) * rate));
  const peakFrames = Math.max(1, Math.round((options.peakSearchSeconds ?? 0.1) * rate));
  const releaseFraction = options.releaseFraction ?? 0.2;
  const returnFraction = options.returnFraction ?? 0.5;
  const holdFrames = Math.max(1, Math.round((options.releaseHoldSeconds ?? 0.03) * rate));

  const strikesByKey = collectStrikes(onsetFrames, onsetProbability, velocity, onsetShiftSeconds, thresholds.onset, mergeFrames);
  if (strikesByKey.every((strikes) => strikes.length === 0)) return [];

  const floor = quantile(sampledKeyLevels(spectrogram), options.floorQuantile ?? 0.1);
  const frameCount = spectrogram.frameCount;
  const notes: Note[] = [];

  strikesByKey.forEach((strikes, key) => {
    if (strikes.length === 0) return;
    const levels = keyLevel(spectrogram, key);
    strikes.forEach((strike, i) => {
      const start = Math.min(strike.frame, Math.max(0, frameCount - 1));
      const nextStrike = strikes[i + 1]?.frame ?? Number.POSITIVE_INFINITY;
      const limit = Math.min(nextStrike, start + maxFrames, Math.max(frameCount, start + minFrames));
      let peakFrame = start;
      let peak = Number.NEGATIVE_INFINITY;
      for (let f = start; f < Math.min(start + peakFrames, limit, frameCount); f++) {
        const level = levels[f] ?? Number.NEGATIVE_INFINITY;
        if (level > peak) {
          peak = level;
          peakFrame = f;
        }
      }
      let before = Number.POSITIVE_INFINITY;
      for (let f = Math.max(0, strike.frame - 3); f < strike.frame; f++) before = Math.min(before, levels[f] ?? before);
      const fromFloor = peak - releaseFraction * Math.max(0, peak - floor);
      const fromBefore = Number.isFinite(before) ? peak - returnFraction * Math.max(0, peak - before) : fromFloor;
      const cutoff = Math.max(fromFloor, fromBefore);
      let end = limit;
      let below = 0;
      for (let f = peakFrame + 1; f < Math.min(limit, frameCount); f++) {
        below = (levels[f] ?? cutoff) < cutoff ? below + 1 : 0;
        if (below >= holdFrames) {
          end = f - holdFrames + 1;
          break;
        }
      }
      end = Math.min(Math.max(end, strike.frame + minFrames), Math.max(nextStrike, strike.frame + 1));
      const onsetSeconds = Math.max(0, strike.frame / rate + strike.shiftSeconds);
      notes.push({
        pitch: LOWEST_MIDI_PITCH + key,
        onsetSeconds,
        offsetSeconds: Math.max(end / rate, onsetSeconds + 1 / rate),
        velocity: Math.min(127, Math.max(1, Math.round(strike.velocity * 127))),
      });
    });
  });
  return notes.sort((a, b) => a.onsetSeconds - b.onsetSeconds || a.pitch - b.pitch);
}

function collectStrikes(
  onsetFrames: Int32Array,
  onsetProbability: Float32Array,
  velocity: Float32Array,
  onsetShiftSeconds: Float32Array | undefined,
  threshold: number,
  mergeFrames: number,
): Strike[][] {
  const byKey: Strike[][] = Array.from({ length: KEY_COUNT }, () => []);
  onsetFrames.forEach((frame, onset) => {
    for (let key = 0; key < KEY_COUNT; key++) {
      const p = onsetProbability[onset * KEY_COUNT + key] ?? 0;
      if (p < threshold) continue;
      const v = velocity[onset * KEY_COUNT + key] ?? 0;
      const strikes = byKey[key] ?? [];
      const last = strikes.at(-1);
      if (last !== undefined && frame - last.frame <= mergeFrames) {
        last.velocity = Math.max(last.velocity, v);
      } else {
        const shift = onsetShiftSeconds?.[onset * KEY_COUNT + key] ?? 0;
        strikes.push({ frame, shiftSeconds: Number.isFinite(shift) ? shift : 0, velocity: v });
      }
    }
  });
  return byKey;
}

/** Key `key`'s level in frame `frame`: the loudest of its centre bin and the bins a quarter-tone either side. */
function levelAt(spectrogram: Spectrogram, frame: number, key: number): number {
  const { data, binCount } = spectrogram;
  const centre = keyCentreBin(key);
  const row = frame * binCount;
  let level = Number.NEGATIVE_INFINITY;
  for (let b = Math.max(0, centre - 1); b <= Math.min(binCount - 1, centre + 1); b++) {
    level = Math.max(level, data[row + b] ?? Number.NEGATIVE_INFINITY);
  }
  return level;
}

/** `[frame]`: one key's level over the whole piece. Only struck keys need one. */
function keyLevel(spectrogram: Spectrogram, key: number): Float32Array {
  const levels = new Float32Array(spectrogram.frameCount);
  for (let f = 0; f < spectrogram.frameCount; f++) levels[f] = levelAt(spectrogram, f, key);
  return levels;
}

/**
 * Every key's level on up to ~2000 evenly spaced frames: plenty for a noise-floor quantile, and a fixed cost however
 * long the piece (every frame of a 10-minute piece would be 5 million values).
 */
function sampledKeyLevels(spectrogram: Spectrogram): Float32Array {
  const stride = Math.max(1, Math.floor(spectrogram.frameCount / 2000));
  const frames = Math.ceil(spectrogram.frameCount / stride);
  const levels = new Float32Array(frames * KEY_COUNT);
  for (let i = 0; i < frames; i++) {
    for (let key = 0; key < KEY_COUNT; key++) levels[i * KEY_COUNT + key] = levelAt(spectrogram, i * stride, key);
  }
  return levels;
}

/** The q-quantile of `values` to within 1/4096 of their range (a histogram, not a sort: pieces have millions). */
export function quantile(values: Float32Array, q: number): number {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) return min;
  const buckets = 4096;
  const histogram = new Uint32Array(buckets);
  const scale = (buckets - 1) / (max - min);
  for (const v of values) {
    const bucket = Math.floor((v - min) * scale);
    histogram[bucket] = (histogram[bucket] ?? 0) + 1;
  }
  const target = q * values.length;
  let seen = 0;
  for (let i = 0; i < buckets; i++) {
    seen += histogram[i] ?? 0;
    if (seen > target) return min + i / scale;
  }
  return max;
}
