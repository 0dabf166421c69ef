import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cardPathFor, defaultModelPath, loadModelFile, modelAvailable, packageRoot } from '../../cli/model-location';
import { installFixtureModel } from '../fixtures/model/wav';

describe('model location', () => {
  it('finds the package root from any folder inside it', () => {
    const root = resolve(__dirname, '../..');
    expect(packageRoot(join(root, 'core', 'model'))).toBe(root);
    expect(defaultModelPath()).toBe(join(root, 'models', 'notescribe-onset-v2.onnx'));
  });

  it('pairs a model with its card', () => {
    expect(cardPathFor('/m/notescribe-onset-v2.onnx')).toBe('/m/notescribe-onset-v2.card.json');
  });

  it('loads a model and card from disk, and names a missing card', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'notescribe-model-'));
    try {
      const onnx = installFixtureModel(dir);
      expect(modelAvailable(onnx)).toBe(true);
      const model = await loadModelFile(onnx);
      expect(model.card.name).toBe('notescribe-test-fixture');
      await model.release();
      rmSync(cardPathFor(onnx));
      expect(modelAvailable(onnx)).toBe(false);
      await expect(loadModelFile(onnx)).rejects.toMatchObject({
        code: 'MODEL_LOAD_FAILED',
        message: `Model file not found: ${join(dir, 'fixture.card.json')}`,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
