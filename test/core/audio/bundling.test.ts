import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { NEVER_LOADED_MODULES } from '../../../core/audio/bundling';

describe('bundles without NEVER_LOADED_MODULES', () => {
  it('still decode Ogg Opus (the optional neural decoder is never imported)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'notescribe-bundle-'));
    try {
      const entry = path.join(dir, 'entry.ts');
      const audio = path.join(__dirname, '..', '..', 'fixtures', 'audio', 'sine-2093hz-48000-stereo.opus');
      writeFileSync(
        entry,
        `import { readFileSync } from 'node:fs';
import { decodeAudio } from ${JSON.stringify(path.join(__dirname, '..', '..', '..', 'core', 'audio'))};
decodeAudio(new Uint8Array(readFileSync(${JSON.stringify(audio)}))).then((d) => console.log(JSON.stringify(d.source)));
`,
      );
      const outfile = path.join(dir, 'bundle.cjs');
      buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'error', external: [...NEVER_LOADED_MODULES] });
      const run = spawnSync(process.execPath, [outfile], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual({ format: 'ogg-opus', sampleRateHz: 48000, channels: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
