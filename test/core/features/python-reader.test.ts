import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

describe('training/notescribe_features.py', () => {
  it('reads what the engine writes and refuses damaged files (its pytest suite, run in .venv)', () => {
    // .venv comes from scripts/python-env.sh, which `npm test` runs first (pretest).
    const run = spawnSync(
      join(root, '.venv/bin/python'),
      ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'training/tests/test_features_reader.py'],
      { cwd: root, encoding: 'utf8', timeout: 300_000 },
    );
    expect(run.error).toBeUndefined();
    expect(`${run.stdout}${run.stderr}`).toMatch(/\b2 passed\b/);
    expect(run.status).toBe(0);
  });
});
