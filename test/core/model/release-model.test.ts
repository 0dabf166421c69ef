/**
 * @jest-environment ./test/fixtures/model/jest-environment.cjs
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotescribeError } from '../../../core/errors';
import { loadReleaseModel, parseReleaseModelCard, RELEASE_WINDOW, type ReleaseModelCard } from '../../../core/model';

const modelDir = join(__dirname, '../../../models');
const onnxBytes = new Uint8Array(readFileSync(join(modelDir, 'notescribe-release-v1.onnx')));
const cardText = readFileSync(join(modelDir, 'notescribe-release-v1.card.json'), 'utf8');
const card: ReleaseModelCard = parseReleaseModelCard(cardText);
const WINDOW = RELEASE_WINDOW.channels * RELEASE_WINDOW.steps;

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof NotescribeError ? `${error.code}: ${error.message}` : String(error);
  }
  return 'no error';
}

function thrown(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return error instanceof NotescribeError ? `${error.code}: ${error.message}` : String(error);
  }
  return 'no error';
}

describe('parseReleaseModelCard', () => {
  it('accepts the committed card and keeps its extra fields', () => {
    expect(card.name).toBe('notescribe-release-v1');
    expect(card['window']).toMatchObject({ steps: RELEASE_WINDOW.steps });
  });

  it('lists every schema problem of a malformed card at once', () => {
    const broken = { ...JSON.parse(cardText), name: '', thresholds: { held: 1.5 } };
    const message = thrown(() => parseReleaseModelCard(JSON.stringify(broken)));
    expect(message).toMatch(/^MODEL_LOAD_FAILED: Invalid release model card/);
    expect(message).toContain('/name');
    expect(message).toContain('/thresholds/held');
  });

  it('refuses text that is not JSON', () => {
    expect(thrown(() => parseReleaseModelCard('{'))).toMatch(/^MODEL_LOAD_FAILED: Release model card is not JSON/);
  });

  it('refuses a card describing other tensors', () => {
    const other = JSON.parse(cardText) as { io: { input: { name: string; shape: unknown[] } } };
    other.io.input = { name: 'spectrogram', shape: ['batch', 3, RELEASE_WINDOW.steps] };
    const message = thrown(() => parseReleaseModelCard(JSON.stringify(other)));
    expect(message).toMatch(/^MODEL_MISMATCH/);
    expect(message).toContain('"spectrogram"');
    expect(message).toContain(`expected [batch, ${RELEASE_WINDOW.channels}, ${RELEASE_WINDOW.steps}]`);
  });
});

describe('loadReleaseModel', () => {
  it('refuses a card trained on other DSP parameters, naming both hashes', async () => {
    const message = await rejection(loadReleaseModel(onnxBytes, { ...card, dspParametersHash: 'abc123' }));
    expect(message).toMatch(/^MODEL_MISMATCH: Release model "notescribe-release-v1" was trained on other DSP parameters/);
    expect(message).toContain('card hash abc123');
  });

  it('refuses bytes that are not an ONNX model', async () => {
    expect(await rejection(loadReleaseModel(new Uint8Array([1, 2, 3]), card))).toMatch(/^MODEL_LOAD_FAILED/);
  });

  it('gives one probability per step, in [0, 1], whatever the batch size', async () => {
    const model = await loadReleaseModel(onnxBytes, card, { intraOpNumThreads: 1 });
    const count = 5;
    const windows = new Float32Array(count * WINDOW);
    // A different steady level in each window, so a batching mistake would move rows.
    for (let i = 0; i < count; i++) windows.fill(0.1 * (i + 1), i * WINDOW, (i + 1) * WINDOW);
    const whole = await model.predict(windows, count);
    const inTwos = await model.predict(windows, count, { batchSize: 2 });
    expect(whole).toHaveLength(count * RELEASE_WINDOW.steps);
    expect(Array.from(inTwos)).toEqual(Array.from(whole));
    expect(whole.every((p) => p >= 0 && p <= 1)).toBe(true);
    await model.release();
  });

  it('refuses a window count its buffer cannot hold', async () => {
    const model = await loadReleaseModel(onnxBytes, card);
    expect(await rejection(model.predict(new Float32Array(WINDOW), 2))).toMatch(/^MODEL_MISMATCH: predict: 2 windows need/);
    await model.release();
  });
});
