import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { create } from 'xmlbuilder2';
import { REPO_ROOT, runNotescribe } from '../helpers/cli';
import { renderPiano } from '../helpers/piano-synth';
import { encodeWav16, installFixtureModel } from '../fixtures/model/wav';

const root = REPO_ROOT;
const schemaDir = resolve(root, '../shared/schema/musicxml-4.0');

const cli = (args: string[]) => runNotescribe(args);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** 32-bit float mono WAV bytes: the one format whose samples may lie far outside full scale. */
function encodeWavFloat32(samples: Float32Array, sampleRateHz: number): Uint8Array {
  const bytes = new Uint8Array(44 + samples.length * 4);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) => [...text].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + samples.length * 4, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 3, true); // IEEE float
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * 4, true);
  view.setUint16(32, 4, true);
  view.setUint16(34, 32, true);
  ascii(36, 'data');
  view.setUint32(40, samples.length * 4, true);
  samples.forEach((s, i) => view.setFloat32(44 + i * 4, s, true));
  return bytes;
}

describe('notescribe transcribe', () => {
  let dir: string;
  let model: string;
  let audio: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'notescribe-cli-'));
    model = installFixtureModel(dir);
    audio = join(dir, 'two notes.wav');
    // C4 then E4: two clear attacks the fixture model turns into notes.
    const samples = renderPiano(
      [
        { pitch: 60, onsetSeconds: 0.3, offsetSeconds: 0.9, velocity: 100 },
        { pitch: 64, onsetSeconds: 1.0, offsetSeconds: 1.6, velocity: 100 },
      ],
      { durationSeconds: 2.2 },
    );
    writeFileSync(audio, encodeWav16(samples, 16_000));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every requested format, and the MusicXML parses and validates against the MusicXML 4.0 schema', () => {
    const out = join(dir, 'out');
    const run = cli(['transcribe', audio, '-o', out, '--formats', 'musicxml,mxl,midi,json,notes,png', '--model', model, '--no-progress', '--no-render']);
    // No noise: no provider notice when the provider asked for (CPU) is the one in use.
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const suffixes = ['.musicxml', '.mxl', '.mid', '.notes.json', '.notes.txt', '.png'];
    for (const suffix of suffixes) {
      const path = join(out, `two notes${suffix}`);
      expect(existsSync(path)).toBe(true);
      expect(statSync(path).size).toBeGreaterThan(0);
      expect(run.stdout).toContain(`wrote ${path}`);
    }
    const xml = readFileSync(join(out, 'two notes.musicxml'), 'utf8');
    const doc = create(xml).end({ format: 'object' }) as Record<string, unknown>;
    expect(Object.keys(doc)).toContain('score-partwise');
    expect(xml).toContain('<note');
    const lint = spawnSync(
      'xmllint',
      ['--nonet', '--noout', '--schema', join(schemaDir, 'musicxml.xsd'), join(out, 'two notes.musicxml')],
      { encoding: 'utf8', env: { ...process.env, XML_CATALOG_FILES: join(schemaDir, 'catalog.xml') } },
    );
    expect(lint.stderr).toContain('validates');
    expect(lint.status).toBe(0);
    // The fixture model hears the C4 strike (among others): the note list names 261.6 Hz at about 0.3 s.
    const noteList = readFileSync(join(out, 'two notes.notes.txt'), 'utf8');
    expect(noteList).toMatch(/^0\.(2[89]|3[0-2])\d*\t[\d.]+\t261\.6/m);
    expect(readFileSync(join(out, 'two notes.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(out, 'two notes.mid')).subarray(0, 4).toString()).toBe('MThd');
  });

  it('refuses a missing input file with INPUT_NOT_FOUND and exit status 66 (EX_NOINPUT)', () => {
    const run = cli(['transcribe', join(dir, 'nope.wav'), '-o', join(dir, 'x'), '--model', model, '--no-progress']);
    expect(run.status).toBe(66);
    expect(run.stderr).toContain('notescribe: INPUT_NOT_FOUND: No such file:');
  });

  it('refuses an unknown format with INVALID_SETTINGS and exit status 64 (EX_USAGE), naming it', () => {
    const run = cli(['transcribe', audio, '--formats', 'musicxml,pdf', '--model', model]);
    expect(run.status).toBe(64);
    expect(run.stderr).toContain('notescribe: INVALID_SETTINGS: Unknown output format "pdf"');
  });

  it('gives usage mistakes commander catches (an unknown option) the same status 64', () => {
    const run = cli(['transcribe', audio, '--no-such-option']);
    expect(run.status).toBe(64);
    expect(run.stderr).toContain("unknown option '--no-such-option'");
  });

  it('refuses a missing model with MODEL_LOAD_FAILED and status 78 (EX_CONFIG), naming the path', () => {
    const run = cli(['transcribe', audio, '-o', join(dir, 'm'), '--model', join(dir, 'missing.onnx')]);
    expect(run.status).toBe(78);
    expect(run.stderr).toContain(`notescribe: MODEL_LOAD_FAILED: Model file not found: ${join(dir, 'missing.onnx')}`);
  });

  it("loads the release model the card names (and says which file is missing when it is not there)", () => {
    const named = join(dir, 'named');
    mkdirSync(named, { recursive: true });
    const onnx = installFixtureModel(named);
    const cardPath = onnx.replace(/\.onnx$/, '.card.json');
    writeFileSync(cardPath, JSON.stringify({ ...JSON.parse(readFileSync(cardPath, 'utf8')), releaseModel: 'release-absent.onnx' }));
    const run = cli(['transcribe', audio, '-o', join(dir, 'r'), '--model', onnx, '--no-progress']);
    expect(run.status).toBe(78);
    expect(run.stderr).toContain(`notescribe: MODEL_LOAD_FAILED: Release model file not found: ${join(named, 'release-absent.onnx')}`);
  });

  it('reports audio it cannot decode with the decoder code and status 65 (EX_DATAERR), naming the file', () => {
    const bad = join(dir, 'bad.wav');
    writeFileSync(bad, 'this is not audio');
    const run = cli(['transcribe', bad, '-o', join(dir, 'y'), '--model', model, '--no-progress']);
    expect(run.status).toBe(65);
    expect(run.stderr).toMatch(new RegExp(`notescribe: UNSUPPORTED_FORMAT: ${escape(bad)}: `));
  });

  it('refuses nonsense audio instead of writing an empty score: samples ×1e30, and a single sample', () => {
    const huge = join(dir, 'huge.wav');
    const tiny = join(dir, 'tiny.wav');
    const samples = new Float32Array(32_000).map((_, i) => 1e30 * Math.sin(i / 5));
    writeFileSync(huge, encodeWavFloat32(samples, 16_000));
    writeFileSync(tiny, encodeWavFloat32(new Float32Array([0.5]), 44_100));
    const out = join(dir, 'nonsense');
    const run = cli(['transcribe', huge, tiny, '-o', out, '--model', model, '--no-progress']);
    expect(run.status).toBe(65);
    expect(run.stderr).toContain(`notescribe: CORRUPT_AUDIO: ${huge}: wav: samples reach 1.00e+30`);
    expect(run.stderr).toContain(`notescribe: EMPTY_AUDIO: ${tiny}: wav: only 1 sample`);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it('warns when no note is left rather than presenting an empty score as a plain success', () => {
    // Above C8 (4186 Hz), the top of the keyboard: every note is filtered out.
    const run = cli(['transcribe', audio, '-o', join(dir, 'none'), '--model', model, '--no-progress', '--minimum-frequency', '5000']);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(`notescribe: warning: ${audio}: no notes found`);
  });

  it('keeps only notes inside --minimum-frequency … --maximum-frequency and at least --minimum-note-length long', () => {
    const all = join(dir, 'all');
    const some = join(dir, 'some');
    expect(cli(['transcribe', audio, '-o', all, '--formats', 'notes', '--model', model, '--no-progress']).status).toBe(0);
    const run = cli([
      'transcribe', audio, '-o', some, '--formats', 'notes', '--model', model, '--no-progress',
      '--minimum-frequency', '200', '--maximum-frequency', '300', '--minimum-note-length', '100',
    ]);
    expect(run.status).toBe(0);
    const rows = (path: string) => readFileSync(join(path, 'two notes.notes.txt'), 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split('\t').map(Number));
    const kept = rows(some);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(rows(all).length);
    for (const [onset, offset, hz] of kept) {
      expect(hz).toBeGreaterThanOrEqual(200);
      expect(hz).toBeLessThanOrEqual(300);
      expect(offset! - onset!).toBeGreaterThanOrEqual(0.1 - 1e-9);
    }
  });

  it('writes --title, --composer and the notation hints (--tempo, --time-signature, --key) into the score', () => {
    const out = join(dir, 'hints');
    const run = cli([
      'transcribe', audio, '-o', out, '--formats', 'musicxml', '--model', model, '--no-progress',
      '--title', 'Two Notes', '--composer', 'A. Tester', '--tempo', '96', '--time-signature', '6/8', '--key', 'Eb major',
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const xml = readFileSync(join(out, 'two notes.musicxml'), 'utf8');
    expect(xml).toContain('<work-title>Two Notes</work-title>');
    expect(xml).toContain('<creator type="composer">A. Tester</creator>');
    expect(xml).toMatch(/<time>\s*<beats>6<\/beats>\s*<beat-type>8<\/beat-type>/);
    expect(xml).toMatch(/<key>\s*<fifths>-3<\/fifths>\s*<mode>major<\/mode>/);
    // --tempo only narrows the beat tracker's search (core/notation trackBeats); two notes hardly have a tempo.
    expect(xml).toMatch(/<sound tempo="\d+/);
    const bad = cli(['transcribe', audio, '--model', model, '--key', 'H major', '--tempo', 'fast']);
    expect(bad.status).toBe(64);
    expect(bad.stderr).toContain('notescribe: INVALID_SETTINGS:');
    expect(bad.stderr).toContain('key "H major"');
    expect(bad.stderr).toContain('tempo "fast"');
  });

  it('draws the picture against --reference notes (hits in green) and takes a reference for one input only', () => {
    const reference = join(dir, 'two notes.txt');
    writeFileSync(reference, '0.3\t0.9\t261.63\n1.0\t1.6\t329.63\n');
    const out = join(dir, 'reference');
    const run = cli(['transcribe', audio, '-o', out, '--formats', 'png', '--reference', reference, '--model', model, '--no-progress', '--no-render']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const png = PNG.sync.read(readFileSync(join(out, 'two notes.png')));
    let green = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === 90 && png.data[i + 1] === 255 && png.data[i + 2] === 90) green++;
    expect(green).toBeGreaterThan(100);
    const two = cli(['transcribe', audio, audio.replace('two notes', 'bad'), '--reference', reference, '--model', model]);
    expect(two.status).toBe(64);
    expect(two.stderr).toContain('--reference holds the notes of one piece');
  });

  it('refuses option values out of range with status 64', () => {
    for (const args of [['--onset-threshold', '1.5'], ['--minimum-note-length', '-3'], ['--minimum-frequency', '500', '--maximum-frequency', '100']]) {
      const run = cli(['transcribe', audio, '--model', model, ...args]);
      expect(run.status).toBe(64);
      expect(run.stderr).toContain('notescribe: INVALID_SETTINGS:');
    }
  });

  describe('batches', () => {
    it('checks every input first, goes on past a failing one, and ends with one summary line per failure', () => {
      const out = join(dir, 'batch');
      const run = cli(['transcribe', join(dir, 'gone.wav'), audio, join(dir, 'bad.wav'), '-o', out, '--model', model, '--no-progress']);
      expect(run.status).toBe(66);
      expect(existsSync(join(out, 'two notes.musicxml'))).toBe(true);
      const summary = run.stderr.slice(run.stderr.indexOf('notescribe: 2 of 3 inputs failed:'));
      expect(summary.split('\n').filter(Boolean)).toEqual([
        'notescribe: 2 of 3 inputs failed:',
        `  ${join(dir, 'gone.wav')}: INPUT_NOT_FOUND: No such file: ${join(dir, 'gone.wav')}`,
        expect.stringMatching(new RegExp(`^  ${escape(join(dir, 'bad.wav'))}: UNSUPPORTED_FORMAT: `)),
      ]);
    });

    it('refuses, before any work, inputs that would overwrite each other (a/song.wav b/song.wav)', () => {
      for (const sub of ['a', 'b']) {
        mkdirSync(join(dir, 'clash', sub), { recursive: true });
        copyFileSync(audio, join(dir, 'clash', sub, 'song.wav'));
      }
      const out = join(dir, 'clash-out');
      const run = cli(['transcribe', join(dir, 'clash/a/song.wav'), join(dir, 'clash/b/song.wav'), '-o', out, '--model', model]);
      expect(run.status).toBe(64);
      expect(run.stderr).toContain(`${join(dir, 'clash/a/song.wav')} and ${join(dir, 'clash/b/song.wav')} would both write ${join(out, 'song')}.musicxml`);
      expect(existsSync(out)).toBe(false);
    });

    it('takes a folder (its sub-folders with --recursive, mirrored in the output) and a quoted pattern', () => {
      const out = join(dir, 'tree-out');
      const shallow = cli(['transcribe', join(dir, 'clash'), '-o', out, '--model', model, '--no-progress']);
      expect(shallow.status).toBe(66);
      expect(shallow.stderr).toContain('pass --recursive');
      const deep = cli(['transcribe', join(dir, 'clash'), '-r', '-o', out, '--model', model, '--no-progress', '--formats', 'midi']);
      expect(deep.stderr).toBe('');
      expect(deep.status).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['a', 'b']);
      expect(readdirSync(join(out, 'b'))).toEqual(['song.mid']);
      const pattern = cli(['transcribe', join(dir, 'clash/*/song.wav'), '-o', join(dir, 'glob-out'), '--model', model, '--no-progress']);
      expect(pattern.status).toBe(64);
      expect(pattern.stderr).toContain('would both write');
    });

    it('--json prints one parseable record per input on stdout, failures included; --quiet prints nothing else', () => {
      const run = cli(['transcribe', audio, join(dir, 'gone.wav'), '-o', join(dir, 'json'), '--model', model, '--json', '--quiet']);
      expect(run.status).toBe(66);
      const records = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      // Inputs that name nothing are found (and reported) before any transcription starts.
      expect(records).toEqual([
        { input: join(dir, 'gone.wav'), ok: false, error: { code: 'INPUT_NOT_FOUND', message: `No such file: ${join(dir, 'gone.wav')}` } },
        expect.objectContaining({ input: audio, ok: true, outputs: { musicxml: join(dir, 'json', 'two notes.musicxml'), midi: join(dir, 'json', 'two notes.mid') } }),
      ]);
      expect(records[1]!['notes']).toBeGreaterThan(0);
      const quiet = cli(['transcribe', audio, '-o', join(dir, 'quiet'), '--model', model, '--quiet']);
      expect(quiet).toMatchObject({ status: 0, stdout: '', stderr: '' });
    });

    it('reads audio from standard input (-) and writes one format to standard output (-o -)', () => {
      const run = runNotescribe(['transcribe', '-', '-o', '-', '--formats', 'notes', '--model', model], { input: readFileSync(audio) });
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^0\.(2[89]|3[0-2])\d*\t[\d.]+\t261\.6/m);
      const two = cli(['transcribe', audio, '-o', '-', '--model', model]);
      expect(two.status).toBe(64);
      expect(two.stderr).toContain('-o - writes one file to standard output');
    });
  });

  describe('output problems get OUTPUT_NOT_WRITABLE and status 73 (EX_CANTCREAT), never a hang', () => {
    it.each([
      ['an existing file', () => audio, 'is a file, not a folder'],
      ['a path through a file', () => '/dev/null/x', '/dev/null is a file, not a folder'],
      ['a folder in /proc', () => '/proc/notescribe-out', 'does not accept new files or folders'],
    ])('-o %s', (_what, out, message) => {
      const run = runNotescribe(['transcribe', audio, '-o', out(), '--model', model, '--no-progress'], { timeoutMs: 30_000 });
      expect(run.status).toBe(73);
      expect(run.stderr).toContain('notescribe: OUTPUT_NOT_WRITABLE: ');
      expect(run.stderr).toContain(message);
    });
  });
});
