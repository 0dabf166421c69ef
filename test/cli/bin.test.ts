import { spawnSync } from 'node:child_process';
import path from 'node:path';

const BIN = path.resolve(__dirname, '../../bin/notescribe.cjs');

describe('bin/notescribe.cjs (what `npx notescribe` runs)', () => {
  it('lists every command', () => {
    const run = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    for (const command of ['transcribe', 'features', 'status', 'demo']) expect(run.stdout).toContain(command);
  });

  it('reports a missing input with its code and a non-zero exit', () => {
    const run = spawnSync(process.execPath, [BIN, 'features', '/nonexistent/audio.wav', '-o', '/tmp'], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/INPUT_NOT_FOUND/);
  });
});
