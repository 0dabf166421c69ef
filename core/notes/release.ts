/**
 * Note ends from the release model (core/model `ReleaseModel`): for each note, the spectrogram after its onset is
 * cut into one window (its key's bins, its second harmonic's, and the whole frame's mean), the model says at each
 * 20 ms step whether the key is still down, and the note ends at the first step it is not. This replaces the decay
 * heuristic of `assembleNotes`, which follows the sound (held by the sustain pedal, it rings for seconds) while a
 * score, and MAPS-style references, want the key release.
 */
// From the contract, not the index: the index loads onnxruntime and compiles the card schema, which the CLI's
// start-up (and any bundle) should pay for only when it loads a model.
import type { ReleaseModel } from '../model';
import { RELEASE_WINDOW } from '../model/contract';
import { SPECTROGRAM_FLOOR } from '../onsets/floor';
import { keyCentreBin, LOWEST_MIDI_PITCH } from '../params';
import type { Note, Spectrogram } from '../types';

const { leadFrames, pool, steps, halfBandBins, harmonicOffsetBins, channels } = RELEASE_WINDOW;
const BAND = 2 * halfBandBins + 1;
const WINDOW_SIZE = channels * steps;

/** The frame each note's window starts from: its onset frame (notes start on frames, give or take the model's shift). */
export function releaseStartFrame(note: Note, frameRateHz: number): number {
  return Math.round(note.onsetSeconds * frameRateHz);
}

/**
 * Windows `[notes][channels][steps]` for the release model, exactly as training/release.py `cut_note_windows` cuts
 * them; frames and bins outside the spectrogram read as `padValue` (silence).
 */
export function cutReleaseWindows(
  spectrogram: Spectrogram,
  startFrames: Int32Array,
  keys: Int32Array,
  padValue: number = SPECTROGRAM_FLOOR,
): Float32Array {
  const { data, frameCount, binCount } = spectrogram;
  const frameMean = new Float32Array(frameCount);
  for (let f = 0; f < frameCount; f++) {
    let sum = 0;
    for (let b = 0; b < binCount; b++) sum += data[f * binCount + b] as number;
    frameMean[f] = sum / binCount;
  }
  const out = new Float32Array(startFrames.length * WINDOW_SIZE);
  const value = (frame: number, bin: number): number =>
    frame < 0 || frame >= frameCount || bin < 0 || bin >= binCount ? padValue : (data[frame * binCount + bin] as number);
  for (let n = 0; n < startFrames.length; n++) {
    const first = (startFrames[n] as number) - leadFrames;
    const centre = keyCentreBin(keys[n] as number);
    const base = n * WINDOW_SIZE;
    for (let t = 0; t < steps; t++) {
      const f0 = first + pool * t;
      for (let c = 0; c < BAND; c++) {
        const fundamental = centre - halfBandBins + c;
        const harmonic = fundamental + harmonicOffsetBins;
        let a = Number.NEGATIVE_INFINITY;
        let h = Number.NEGATIVE_INFINITY;
        for (let p = 0; p < pool; p++) {
          a = Math.max(a, value(f0 + p, fundamental));
          h = Math.max(h, value(f0 + p, harmonic));
        }
        out[base + c * steps + t] = a;
        out[base + (BAND + c) * steps + t] = h;
      }
      let m = Number.NEGATIVE_INFINITY;
      for (let p = 0; p < pool; p++) {
        const f = f0 + p;
        m = Math.max(m, f < 0 || f >= frameCount ? padValue : (frameMean[f] as number));
      }
      out[base + (2 * BAND) * steps + t] = m;
    }
  }
  return out;
}

/**
 * The step at which the key comes up: the first step after the onset's step whose held probability is below
 * `threshold`, or `steps` when it is held throughout (training/release.py `predicted_steps`).
 */
export function releaseStep(held: Float32Array, note: number, threshold: number): number {
  const first = Math.floor(leadFrames / pool) + 1;
  for (let t = first; t < steps; t++) if ((held[note * steps + t] as number) < threshold) return t;
  return steps;
}

export interface ReleaseOptions {
  /** No note is shorter than this. @default 0.05 s (core/notes NoteAssemblyOptions.minDurationSeconds) */
  readonly minDurationSeconds?: number;
  /** Windows per model call. */
  readonly batchSize?: number;
}

/**
 * Ends each note where the release model says its key comes up. A note the model holds past its window (2.56 s)
 * keeps the later of the window's end and its own (heuristic) end; no note runs into the next strike of its key or
 * is shorter than the minimum duration.
 */
export async function endNotesByRelease(
  notes: readonly Note[],
  spectrogram: Spectrogram,
  model: ReleaseModel,
  options: ReleaseOptions = {},
): Promise<Note[]> {
  if (notes.length === 0) return [];
  const rate = spectrogram.frameRateHz;
  const minDuration = options.minDurationSeconds ?? 0.05;
  const startFrames = Int32Array.from(notes, (n) => releaseStartFrame(n, rate));
  const keys = Int32Array.from(notes, (n) => n.pitch - LOWEST_MIDI_PITCH);
  const windows = cutReleaseWindows(spectrogram, startFrames, keys);
  const held = await model.predict(windows, notes.length, options.batchSize === undefined ? {} : { batchSize: options.batchSize });
  const nextStrike = nextStrikeOfSameKey(notes);
  return notes.map((note, i) => {
    const step = releaseStep(held, i, model.card.thresholds.held);
    const windowEnd = ((startFrames[i] as number) - leadFrames + pool * step) / rate;
    const end = step >= steps ? Math.max(windowEnd, note.offsetSeconds) : windowEnd;
    const limit = nextStrike[i] ?? Number.POSITIVE_INFINITY;
    const offsetSeconds = Math.min(Math.max(end, note.onsetSeconds + minDuration), Math.max(limit, note.onsetSeconds + 1 / rate));
    return { ...note, offsetSeconds };
  });
}

/** For each note, the onset of the next note of the same pitch (undefined for the last). */
function nextStrikeOfSameKey(notes: readonly Note[]): (number | undefined)[] {
  const next: (number | undefined)[] = new Array<number | undefined>(notes.length).fill(undefined);
  const order = notes.map((_, i) => i).sort((a, b) => (notes[a] as Note).onsetSeconds - (notes[b] as Note).onsetSeconds);
  const lastOfPitch = new Map<number, number>();
  for (const i of order) {
    const note = notes[i] as Note;
    const previous = lastOfPitch.get(note.pitch);
    if (previous !== undefined) next[previous] = note.onsetSeconds;
    lastOfPitch.set(note.pitch, i);
  }
  return next;
}
