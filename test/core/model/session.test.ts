/**
 * @jest-environment ./test/fixtures/model/jest-environment.cjs
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCheckedSession } from '../../../core/model/session';

const fixtureDir = join(__dirname, '../../fixtures/model');
const misnamedBytes = new Uint8Array(readFileSync(join(fixtureDir, 'fixture-misnamed.onnx')));
// A notation model: notes in, so no DSP hash on its card, and tensors [1, 12, notes] → [1, notes].
const handsBytes = new Uint8Array(readFileSync(join(__dirname, '../../../models/notescribe-notation-hands-v1.onnx')));

describe('createCheckedSession for a model that reads no DSP features', () => {
  it('loads without a DSP hash, checking by name the tensors it is given no shape for', async () => {
    const { session, executionProvider } = await createCheckedSession(
      'Hands model',
      handsBytes,
      { name: 'hands' },
      { inputs: [{ name: 'notes' }], outputs: [{ name: 'left_hand' }] },
      { intraOpNumThreads: 1 },
    );
    expect(executionProvider).toBe('cpu');
    await session.release();
  });

  it('would refuse the same graph given a shape, whose batch is fixed at one sequence', async () => {
    const tensors = { inputs: [{ name: 'notes', shape: [12] }], outputs: [{ name: 'left_hand' }] };
    await expect(createCheckedSession('Hands model', handsBytes, { name: 'hands' }, tensors)).rejects.toMatchObject({
      code: 'MODEL_MISMATCH',
      message: expect.stringContaining('graph tensor "notes" has shape [1, 12, notes]'),
    });
  });

  it('still refuses a graph without a tensor it names', async () => {
    const tensors = { inputs: [{ name: 'windows' }], outputs: [{ name: 'velocity' }] };
    await expect(createCheckedSession('Test model', misnamedBytes, { name: 'fixture' }, tensors)).rejects.toMatchObject({
      code: 'MODEL_MISMATCH',
      message: expect.stringMatching(/^Test model "fixture" does not match .*the graph has no tensor "velocity"/),
    });
  });

  it('still refuses bytes that are not an ONNX model', async () => {
    const tensors = { inputs: [{ name: 'windows' }], outputs: [] };
    await expect(createCheckedSession('Test model', new Uint8Array([1, 2, 3]), { name: 'x' }, tensors)).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      message: expect.stringMatching(/^onnxruntime could not load the test model/),
    });
  });
});
