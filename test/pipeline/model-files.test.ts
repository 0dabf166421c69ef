import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cardPathFor, readReleaseModelFiles } from '../../pipeline/model-files';

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
});
