import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, REPO_ROOT, runNotescribe } from '../helpers/cli';

const EXAMPLE = join(REPO_ROOT, 'examples', 'little-waltz.flac');
const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

/** Every container and codec the engine decodes, made from the bundled example with ffmpeg (4 s of it). */
const FORMATS: readonly { name: string; file: string; ffmpeg: string[] }[] = [
  { name: 'WAV', file: 'piece-wav.wav', ffmpeg: ['-c:a', 'pcm_s16le'] },
  { name: 'MP3', file: 'piece-mp3.mp3', ffmpeg: ['-c:a', 'libmp3lame', '-b:a', '128k'] },
  { name: 'FLAC', file: 'piece-flac.flac', ffmpeg: ['-c:a', 'flac'] },
  { name: 'Ogg Vorbis', file: 'piece-vorbis.ogg', ffmpeg: ['-c:a', 'libvorbis'] },
  { name: 'Opus', file: 'piece-opus.opus', ffmpeg: ['-c:a', 'libopus', '-b:a', '96k'] },
];

function makeInputs(dir: string): void {
  for (const format of FORMATS) {
    const made = spawnSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', EXAMPLE, '-t', '4', ...format.ffmpeg, join(dir, format.file)], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`ffmpeg could not make the ${format.name} input: ${made.stderr || made.error?.message}`);
  }
}

/** The scores a run wrote: each a MusicXML document with notes in it. */
function expectScores(outDir: string, files: readonly string[]): void {
  for (const file of files) {
    const xml = readFileSync(join(outDir, file.replace(/\.[^.]+$/, '.musicxml')), 'utf8');
    expect(xml).toContain('<score-partwise');
    expect((xml.match(/<note[ >]/g) ?? []).length).toBeGreaterThan(10);
  }
}

describe('bin/notescribe.cjs (what `npx notescribe` runs)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'notescribe-bin-'));
    makeInputs(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every command, and prints the version of package.json', () => {
    const help = runNotescribe(['--help']);
    expect(help.status).toBe(0);
    for (const command of ['transcribe', 'features', 'status', 'demo']) expect(help.stdout).toContain(command);
    const shown = runNotescribe(['--version']);
    expect(shown).toMatchObject({ status: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('is a bundle: it starts without TypeScript in the process', () => {
    // tsx would register itself on the process; the bundle never loads it. (Start-up time is in `npm run bench`.)
    const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(BIN)}); setImmediate(() => console.log(Object.keys(require.cache).filter((p) => p.includes('/tsx/')).length))`, 'notescribe', '--version'], { encoding: 'utf8' });
    expect(run.stdout.trim().split('\n').at(-1)).toBe('0');
  });

  it.each(FORMATS.map((f) => [f.name, f.file]))('transcribes %s with the bundled model', (_name, file) => {
    const out = join(dir, 'out');
    const run = runNotescribe(['transcribe', join(dir, file), '-o', out, '--no-progress']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expectScores(out, [file]);
  });

  it('runs the demo (a FLAC through every format)', () => {
    const out = join(dir, 'demo');
    const run = runNotescribe(['demo', '-o', out]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/against the reference \(\d+ notes, mir_eval rules\): onset F1 0\.\d+/);
    expectScores(out, ['little-waltz.flac']);
  });

  it('works from a packed tarball installed in another folder (npm pack, npm install, npx notescribe)', () => {
    const pack = join(dir, 'pack');
    const app = join(dir, 'app');
    for (const folder of [pack, app]) rmSync(folder, { recursive: true, force: true });
    const npm = (args: string[], cwd: string) =>
      spawnSync('npm', args, {
        cwd,
        encoding: 'utf8',
        // The CUDA provider download is not wanted here either (docs/transcribe.md, "Installing").
        env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_update_notifier: 'false' },
        timeout: 240_000,
      });
    spawnSync('mkdir', ['-p', pack, app]);
    const packed = npm(['pack', '--silent', '--pack-destination', pack], REPO_ROOT);
    expect(packed.status).toBe(0);
    const tarball = readdirSync(pack).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'uses-notescribe', version: '1.0.0', private: true }));
    const installed = npm(['install', '--no-audit', '--no-fund', '--prefer-offline', join(pack, tarball!)], app);
    expect(installed.stderr).not.toMatch(/ERR!/);
    expect(installed.status).toBe(0);
    // The installed copy has no TypeScript sources: only the bundle, the bin, the model and the example.
    expect(existsSync(join(app, 'node_modules', 'notescribe', 'cli'))).toBe(false);
    for (const file of FORMATS.filter((f) => f.name === 'MP3' || f.name === 'Opus').map((f) => f.file)) {
      const run = spawnSync('npx', ['--no-install', 'notescribe', 'transcribe', join(dir, file), '-o', join(app, 'out')], {
        cwd: app,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expectScores(join(app, 'out'), [file]);
    }
  }, 300_000);
});
