import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { RELEASE_WINDOW, type ReleaseModel, type ReleaseModelCard } from '../../../core/model';
import { cutReleaseWindows, endNotesByRelease, releaseStep } from '../../../core/notes';
import { BIN_COUNT } from '../../../core/params';
import type { Note, Spectrogram } from '../../../core/types';
import { xorshift } from '../../helpers/random';

const ROOT = join(__dirname, '../../..');
const { steps, channels, pool, leadFrames } = RELEASE_WINDOW;

function randomSpectrogram(frameCount: number, seed: number): Spectrogram {
  const next = xorshift(seed);
  const data = Float32Array.from({ length: frameCount * BIN_COUNT }, () => next());
  return { data, frameCount, binCount: BIN_COUNT, frameRateHz: 100 };
}

/** A release model whose key comes up at a fixed step for every note, for the arithmetic of note ends. */
function fixedReleaseModel(upAtStep: number): ReleaseModel {
  const card = { cardVersion: 1, name: 'fixed', dspParametersHash: 'x', thresholds: { held: 0.5 } } as unknown as ReleaseModelCard;
  return {
    card,
    predict: async (_windows, count) => {
      const held = new Float32Array(count * steps);
      for (let n = 0; n < count; n++) for (let t = 0; t < Math.min(upAtStep, steps); t++) held[n * steps + t] = 0.9;
      return held;
    },
    release: async () => undefined,
  };
}

describe('cutReleaseWindows', () => {
  it('cuts exactly what training/release.py cut_note_windows cuts, edges included', () => {
    const spectrogram = randomSpectrogram(300, 7);
    const starts = Int32Array.from([0, 1, 57, 200, 299]);
    const keys = Int32Array.from([0, 87, 40, 75, 12]);
    const ours = cutReleaseWindows(spectrogram, starts, keys, 0);
    const script = [
      'import json, sys, numpy as np',
      "sys.path.insert(0, 'training')",
      'from release import cut_note_windows',
      'job = json.load(sys.stdin)',
      "s = np.asarray(job['data'], dtype=np.float32).reshape(job['frames'], -1)",
      "w = cut_note_windows(s, np.array(job['starts']), np.array(job['keys']), 0.0)",
      'print(json.dumps(w.ravel().tolist()))',
    ].join('\n');
    const run = spawnSync(join(ROOT, '.venv/bin/python'), ['-c', script], {
      cwd: ROOT,
      input: JSON.stringify({ data: Array.from(spectrogram.data), frames: 300, starts: [...starts], keys: [...keys] }),
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    const theirs = JSON.parse(run.stdout) as number[];
    expect(theirs).toHaveLength(ours.length);
    expect(ours.length).toBe(5 * channels * steps);
    let worst = 0;
    theirs.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (ours[i] as number)))));
    expect(worst).toBeLessThan(1e-5);
  });

  it("pools pairs of frames by their maximum and reads silence outside the spectrogram", () => {
    const spectrogram = randomSpectrogram(10, 3);
    const [window] = [cutReleaseWindows(spectrogram, Int32Array.from([0]), Int32Array.from([40]), -1)];
    // Step 0 covers frames −2 and −1: silence in every channel.
    for (let c = 0; c < channels; c++) expect(window[c * steps]).toBe(-1);
    // Step 1 covers frames 0 and 1 of the key's centre bin (channel 4 = the band's middle, bin 161).
    const at = (f: number, b: number) => spectrogram.data[f * BIN_COUNT + b] as number;
    expect(window[4 * steps + 1]).toBe(Math.max(at(0, 161), at(1, 161)));
    expect(window[(4 + 9) * steps + 1]).toBe(Math.max(at(0, 209), at(1, 209)));
    // Past the 10 frames, silence again.
    expect(window[4 * steps + 7]).toBe(-1);
  });
});

describe('endNotesByRelease', () => {
  const spectrogram = randomSpectrogram(600, 11);
  const note = (pitch: number, onsetSeconds: number, offsetSeconds: number): Note => ({ pitch, onsetSeconds, offsetSeconds, velocity: 64 });

  it('ends each note at the first step the model lets its key up', async () => {
    const [ended] = await endNotesByRelease([note(60, 1, 3)], spectrogram, fixedReleaseModel(20));
    // Window from frame 100 − lead; step 20 is (100 − 2 + 2·20) / 100 s.
    expect(ended?.offsetSeconds).toBeCloseTo((100 - leadFrames + pool * 20) / 100, 9);
  });

  it('keeps the later end for a note held past the window, and never runs into the next strike of its key', async () => {
    const held = await endNotesByRelease([note(60, 0.5, 4.5), note(64, 0.5, 1)], spectrogram, fixedReleaseModel(steps));
    expect(held.map((n) => n.offsetSeconds)).toEqual([4.5, (50 - leadFrames + pool * steps) / 100]);
    const restruck = await endNotesByRelease([note(60, 1, 2), note(60, 1.1, 2)], spectrogram, fixedReleaseModel(60));
    expect(restruck[0]?.offsetSeconds).toBe(1.1);
  });

  it('gives a note the model ends at once the minimum duration', async () => {
    const [ended] = await endNotesByRelease([note(60, 1, 2)], spectrogram, fixedReleaseModel(0), { minDurationSeconds: 0.05 });
    expect(ended?.offsetSeconds).toBeCloseTo(1.05, 9);
  });

  it('reads the first step below the threshold after the onset step', () => {
    const held = new Float32Array(steps).fill(0.9);
    held[1] = 0.1; // before the onset's step: ignored
    held[9] = 0.4;
    expect(releaseStep(held, 0, 0.5)).toBe(9);
    expect(releaseStep(new Float32Array(steps).fill(0.9), 0, 0.5)).toBe(steps);
  });
});
