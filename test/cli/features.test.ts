import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFeatureFile, DSP_PARAMETERS_HASH } from '../../core/features';
import { createHash } from 'node:crypto';
import { runFeatures } from '../../cli/commands/features';
import { encodeWav16 } from '../fixtures/model/wav';
import { runNotescribe } from '../helpers/cli';
import { renderPiano } from '../helpers/piano-synth';


const cli = runNotescribe;

describe('notescribe features', () => {
  let dir: string;
  let first: string;
  let second: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'notescribe-features-'));
    first = join(dir, 'two notes.wav');
    second = join(dir, 'chord.wav');
    const notes = [
      { pitch: 60, onsetSeconds: 0.3, offsetSeconds: 0.9, velocity: 100 },
      { pitch: 64, onsetSeconds: 1.0, offsetSeconds: 1.6, velocity: 60 },
    ];
    writeFileSync(first, encodeWav16(renderPiano(notes, { durationSeconds: 2 }), 16_000));
    const chord = [48, 55, 64].map((pitch) => ({ pitch, onsetSeconds: 0.5, offsetSeconds: 1.2, velocity: 90 }));
    writeFileSync(second, encodeWav16(renderPiano(chord, { durationSeconds: 1.5, sampleRateHz: 22_050 }), 22_050));
    writeFileSync(join(dir, 'noise.wav'), 'this is not audio');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one feature file per input, says what it wrote, and the files decode to the analysis', () => {
    const out = join(dir, 'out');
    const run = cli(['features', first, second, '-o', out]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`wrote ${join(out, 'two notes.nsf')} (2.0 s, 200 frames, 2 onsets,`);
    expect(run.stdout).toContain(`wrote ${join(out, 'chord.nsf')} (1.5 s, 150 frames, 1 onsets,`);
    expect(readdirSync(out).sort()).toEqual(['chord.nsf', 'two notes.nsf']);
    const file = decodeFeatureFile(readFileSync(join(out, 'two notes.nsf')), { expectedDspParametersHash: DSP_PARAMETERS_HASH });
    expect(Array.from(file.onsetFrames)).toEqual([30, 100]);
    expect(file.spectrogram.frameCount).toBe(200);
    expect(file.header.source).toEqual({
      name: 'two notes.wav',
      sha256: createHash('sha256').update(readFileSync(first)).digest('hex'),
      byteLength: readFileSync(first).length,
      format: 'wav',
      sampleRateHz: 16_000,
      channels: 1,
    });
    expect(decodeFeatureFile(readFileSync(join(out, 'chord.nsf'))).header.source.sampleRateHz).toBe(22_050);
  });

  it('reports each bad input with its code, still writes the good ones, and exits with the worst status (66: a missing input)', () => {
    const out = join(dir, 'mixed');
    const run = cli(['features', join(dir, 'noise.wav'), join(dir, 'missing.wav'), first, '-o', out]);
    expect(run.status).toBe(66);
    expect(run.stderr).toContain(`notescribe: UNSUPPORTED_FORMAT: ${join(dir, 'noise.wav')}:`);
    expect(run.stderr).toContain(`notescribe: INPUT_NOT_FOUND: No such file: ${join(dir, 'missing.wav')}`);
    expect(run.stderr).toContain('notescribe: 2 of 3 inputs failed');
    expect(readdirSync(out)).toEqual(['two notes.nsf']);
  });

  it('runs files in worker threads with --jobs and writes the same bytes', async () => {
    const serial = join(dir, 'serial');
    const parallel = join(dir, 'parallel');
    const lines: string[] = [];
    const quiet = { progress: false, log: (line: string) => lines.push(line), fail: () => 65 };
    expect((await runFeatures([first, second], { outDir: serial, ...quiet })).exitCode).toBe(0);
    const summary = await runFeatures([first, second, join(dir, 'noise.wav')], { outDir: parallel, jobs: 2, ...quiet });
    expect(summary.written.map((result) => result.input)).toEqual([first, second]);
    expect(summary).toMatchObject({ failed: 1, exitCode: 65 });
    for (const name of ['two notes.nsf', 'chord.nsf']) {
      expect(readFileSync(join(parallel, name)).equals(readFileSync(join(serial, name)))).toBe(true);
    }
  });

  it('runs --jobs workers from the installed bundle too (dist/features-worker.cjs), with the same bytes as one thread', () => {
    const serial = join(dir, 'bin-serial');
    const parallel = join(dir, 'bin-parallel');
    expect(cli(['features', first, second, '-o', serial]).status).toBe(0);
    const run = cli(['features', first, second, '--jobs', '2', '-o', parallel]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    for (const name of ['two notes.nsf', 'chord.nsf']) {
      expect(readFileSync(join(parallel, name)).equals(readFileSync(join(serial, name)))).toBe(true);
    }
  });

  it('takes a folder of audio files (and its sub-folders with --recursive)', () => {
    const tree = join(dir, 'tree');
    rmSync(tree, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', join(tree, 'deeper')]);
    writeFileSync(join(tree, 'a.wav'), readFileSync(first));
    writeFileSync(join(tree, 'deeper', 'b.wav'), readFileSync(second));
    const shallow = cli(['features', tree, '-o', join(dir, 'tree-shallow')]);
    expect(shallow.status).toBe(0);
    expect(shallow.stderr).toContain('pass --recursive');
    expect(readdirSync(join(dir, 'tree-shallow'))).toEqual(['a.nsf']);
    const deep = cli(['features', tree, '-r', '-o', join(dir, 'tree-deep')]);
    expect(deep.status).toBe(0);
    expect(readdirSync(join(dir, 'tree-deep')).sort()).toEqual(['a.nsf', 'b.nsf']);
  });

  it('refuses two inputs that would write the same file before doing any work', () => {
    const out = join(dir, 'clash');
    const copy = join(dir, 'sub');
    rmSync(copy, { recursive: true, force: true });
    spawnSync('mkdir', [copy]);
    writeFileSync(join(copy, 'chord.wav'), readFileSync(second));
    const run = cli(['features', second, join(copy, 'chord.wav'), '-o', out]);
    expect(run.status).toBe(64);
    expect(run.stderr).toContain('notescribe: INVALID_SETTINGS:');
    expect(run.stderr).toContain('would both write');
    expect(existsSync(join(out, 'chord.nsf'))).toBe(false);
  });
});
