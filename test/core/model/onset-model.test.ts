/**
 * @jest-environment ./test/fixtures/model/jest-environment.cjs
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DSP_PARAMETERS_HASH } from '../../../core/features';
import { loadOnsetModel, validateModelCard, type ModelCard } from '../../../core/model';
import { NotescribeError } from '../../../core/errors';
import { BIN_COUNT, KEY_COUNT, WINDOW_FRAME_COUNT, ONSET_WINDOW_FRAMES } from '../../../core/params';

const fixtureDir = join(__dirname, '../../fixtures/model');
const onnxBytes = new Uint8Array(readFileSync(join(fixtureDir, 'fixture.onnx')));
// The fixture's logic does not depend on the DSP parameters, so tests pin its card to the engine's current hash.
const card: ModelCard = validateModelCard({
  ...JSON.parse(readFileSync(join(fixtureDir, 'fixture.card.json'), 'utf8')),
  dspParametersHash: DSP_PARAMETERS_HASH,
});
const WINDOW = WINDOW_FRAME_COUNT * BIN_COUNT;

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof NotescribeError ? `${error.code}: ${error.message}` : String(error);
  }
  return 'no error';
}

describe('loadOnsetModel', () => {
  it('refuses a card trained on other DSP parameters, naming both hashes', async () => {
    const message = await rejection(loadOnsetModel(onnxBytes, { ...card, dspParametersHash: 'abc123' }));
    expect(message).toMatch(/^MODEL_MISMATCH/);
    expect(message).toContain('card hash abc123');
    expect(message).toContain(`engine hash ${DSP_PARAMETERS_HASH}`);
  });

  it('refuses bytes that are not an ONNX model', async () => {
    expect(await rejection(loadOnsetModel(new Uint8Array([1, 2, 3]), card))).toMatch(/^MODEL_LOAD_FAILED/);
  });

  it('falls back to CPU when CUDA is not available, and says which it uses', async () => {
    const model = await loadOnsetModel(onnxBytes, card, { executionProviders: ['cuda', 'cpu'] });
    expect(['cuda', 'cpu']).toContain(model.executionProvider);
    expect(model.providerNotes.at(-1)).toBe(`onnxruntime is running the model on ${model.executionProvider.toUpperCase()}`);
    await model.release();
  });
});

describe('OnsetModel.predict', () => {
  it('computes the fixture rule: a key whose bins rise is an onset, velocity follows its level', async () => {
    const model = await loadOnsetModel(onnxBytes, card);
    const windows = new Float32Array(WINDOW);
    // Key 40 (MIDI 61) owns bins 160…163; raise its centre bin 161 by 0.3 from the onset frame on.
    for (let f = ONSET_WINDOW_FRAMES.before; f < WINDOW_FRAME_COUNT; f++) windows[f * BIN_COUNT + 161] = 0.3;
    const { onsetProbability, velocity } = await model.predict(windows, 1);
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    expect(onsetProbability).toHaveLength(KEY_COUNT);
    // p = sigmoid(40 · (rise − 0.25)), velocity = sigmoid(level at the onset frame).
    expect(onsetProbability[40]).toBeCloseTo(sigmoid(40 * (0.3 - 0.25)), 5);
    expect(onsetProbability[39]).toBeCloseTo(sigmoid(40 * -0.25), 6);
    expect(velocity[40]).toBeCloseTo(sigmoid(0.3), 6);
    expect(velocity[41]).toBeCloseTo(0.5, 6);
    await model.release();
  });

  it('has no onset shift for a model without the timing output', async () => {
    const model = await loadOnsetModel(onnxBytes, card);
    expect((await model.predict(new Float32Array(WINDOW), 1)).onsetShiftSeconds).toBeUndefined();
    await model.release();
  });

  it('returns the optional onset_shift output of a timing model', async () => {
    const timingCard = validateModelCard({
      ...JSON.parse(readFileSync(join(fixtureDir, 'fixture-timing.card.json'), 'utf8')),
      dspParametersHash: DSP_PARAMETERS_HASH,
    });
    const model = await loadOnsetModel(new Uint8Array(readFileSync(join(fixtureDir, 'fixture-timing.onnx'))), timingCard);
    const windows = new Float32Array(2 * WINDOW);
    for (let f = ONSET_WINDOW_FRAMES.before; f < WINDOW_FRAME_COUNT; f++) windows[WINDOW + f * BIN_COUNT + 161] = 0.5;
    const { onsetProbability, onsetShiftSeconds } = await model.predict(windows, 2, { batchSize: 1 });
    expect(onsetShiftSeconds).toHaveLength(2 * KEY_COUNT);
    // make_fixture.py: onset_shift = −0.02 · onset_probability.
    expect(onsetShiftSeconds?.[KEY_COUNT + 40]).toBeCloseTo(-0.02 * (onsetProbability[KEY_COUNT + 40] ?? 0), 6);
    expect(onsetShiftSeconds?.[KEY_COUNT + 40]).toBeLessThan(-0.019);
    expect(Math.abs(onsetShiftSeconds?.[40] ?? 1)).toBeLessThan(1e-5);
    await model.release();
  });

  it('refuses a card that promises onset_shift for a graph without it', async () => {
    const promising = validateModelCard({
      ...card,
      io: { ...card.io, onsetShift: { name: 'onset_shift', shape: ['batch', KEY_COUNT] } },
    });
    expect(await rejection(loadOnsetModel(onnxBytes, promising))).toMatch(/^MODEL_MISMATCH.*onset_shift/);
  });

  it('gives identical results for batch sizes 1 and 7', async () => {
    const model = await loadOnsetModel(onnxBytes, card);
    const count = 17;
    const windows = new Float32Array(count * WINDOW);
    let seed = 12345;
    for (let i = 0; i < windows.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      windows[i] = (seed / 2 ** 31) * 1.2 - 0.1;
    }
    const one = await model.predict(windows, count, { batchSize: 1 });
    const seven = await model.predict(windows, count, { batchSize: 7 });
    expect(one.onsetProbability).toHaveLength(count * KEY_COUNT);
    expect(Array.from(seven.onsetProbability)).toEqual(Array.from(one.onsetProbability));
    expect(Array.from(seven.velocity)).toEqual(Array.from(one.velocity));
    // The batches really differ: the last window's outputs are not all alike.
    expect(new Set(one.onsetProbability.subarray((count - 1) * KEY_COUNT)).size).toBeGreaterThan(1);
    await model.release();
  });

  it('refuses too few floats for the count', async () => {
    const model = await loadOnsetModel(onnxBytes, card);
    expect(await rejection(model.predict(new Float32Array(WINDOW), 2))).toMatch(/^MODEL_MISMATCH: predict: 2 windows/);
    await model.release();
  });
});

describe('loadOnsetModel against the graph', () => {
  it('refuses a graph whose tensor names differ from the contract even when the card agrees', async () => {
    const misnamed = new Uint8Array(readFileSync(join(fixtureDir, 'fixture-misnamed.onnx')));
    const message = await rejection(loadOnsetModel(misnamed, card));
    expect(message).toMatch(/^MODEL_MISMATCH/);
    expect(message).toContain('the graph has no tensor "velocity" (it has "onset_probability", "vel")');
  });
});
