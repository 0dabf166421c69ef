import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installFixtureModel } from '../fixtures/model/wav';
import { runNotescribe } from '../helpers/cli';

function demo(args: string[]) {
  return runNotescribe(['demo', ...args]);
}

describe('notescribe demo (npm start)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'notescribe-demo-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('without a model says so plainly, analyses the bundled example and draws its spectrogram', () => {
    const out = join(dir, 'none');
    const run = demo(['-o', out, '--model', join(dir, 'absent.onnx')]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`No trained model at ${join(dir, 'absent.onnx')}`);
    expect(run.stdout).toContain('writes no notes');
    expect(run.stdout).toMatch(/22\.0 s of audio → 2197 frames × 352 bins at 100 frames\/s, \d+ onsets/);
    expect(readFileSync(join(out, 'little-waltz.spectrogram.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('with a model made from other DSP parameters names both hashes and falls back to the analysis', () => {
    const onnx = installFixtureModel(dir);
    const card = JSON.parse(readFileSync(onnx.replace(/\.onnx$/, '.card.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(onnx.replace(/\.onnx$/, '.card.json'), JSON.stringify({ ...card, dspParametersHash: 'old' }));
    const out = join(dir, 'mismatch');
    const run = demo(['-o', out, '--model', onnx]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('cannot be used with this engine: MODEL_MISMATCH');
    expect(run.stdout).toContain('card hash old');
    expect(existsSync(join(out, 'little-waltz.spectrogram.png'))).toBe(true);
    expect(existsSync(join(out, 'little-waltz.musicxml'))).toBe(false);
  });
});
