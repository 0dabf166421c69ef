import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { cardPathFor, NOTATION_MODEL_NAMES, readNotationModelFiles, readReleaseModelFiles } from '../../pipeline/model-files';

describe('pipeline/model-files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'notescribe-model-files-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pairs a model with its card', () => {
    expect(cardPathFor('/m/notescribe-onset-v2.onnx')).toBe('/m/notescribe-onset-v2.card.json');
    expect(cardPathFor('/m/Model.ONNX')).toBe('/m/Model.card.json');
  });

  it('reads the release model the onset card names, beside the onset model, with its card', async () => {
    writeFileSync(join(dir, 'release.onnx'), Buffer.from([1, 2, 3]));
    writeFileSync(join(dir, 'release.card.json'), '{"name":"r"}');
    const files = await readReleaseModelFiles(join(dir, 'onset.onnx'), { releaseModel: 'release.onnx' });
    expect(files?.path).toBe(join(dir, 'release.onnx'));
    expect(Array.from(files?.onnxBytes ?? [])).toEqual([1, 2, 3]);
    expect(Buffer.from(files?.cardJson ?? []).toString()).toBe('{"name":"r"}');
  });

  it('is undefined when the card names none, and names the missing file when it names one', async () => {
    await expect(readReleaseModelFiles(join(dir, 'onset.onnx'), {})).resolves.toBeUndefined();
    await expect(readReleaseModelFiles(join(dir, 'onset.onnx'), { releaseModel: 'gone.onnx' })).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      message: `Release model file not found: ${join(dir, 'gone.onnx')} (named by ${join(dir, 'onset.card.json')})`,
    });
  });

  it('reads the notation models that lie in a folder, leaves out absent ones, and refuses one without its card', async () => {
    const models = join(dir, 'notation');
    mkdirSync(models);
    await expect(readNotationModelFiles(models)).resolves.toEqual({});
    const metre = join(models, `${NOTATION_MODEL_NAMES.metre}.onnx`);
    writeFileSync(metre, Buffer.from([4, 5]));
    writeFileSync(cardPathFor(metre), '{"name":"m"}');
    const found = await readNotationModelFiles(models);
    expect(Object.keys(found)).toEqual(['metre']);
    expect(Array.from(found.metre?.onnxBytes ?? [])).toEqual([4, 5]);
    const hands = join(models, `${NOTATION_MODEL_NAMES.hands}.onnx`);
    writeFileSync(hands, Buffer.from([6]));
    await expect(readNotationModelFiles(models)).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      message: `Notation model card not found: ${cardPathFor(hands)} (beside ${hands})`,
    });
  });
});
