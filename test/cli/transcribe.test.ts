import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { create } from 'xmlbuilder2';
import { REPO_ROOT, runNotescribe } from '../helpers/cli';
import { renderPiano } from '../helpers/piano-synth';
import { encodeWav16, installFixtureModel } from '../fixtures/model/wav';

const root = REPO_ROOT;
const schemaDir = resolve(root, '../shared/schema/musicxml-4.0');

const cli = runNotescribe;

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
    const run = cli(['transcribe', audio, '-o', out, '--formats', 'musicxml,mxl,midi,json,notes,png', '--model', model, '--no-progress', '--no-score-pages']);
    expect(run.stderr).not.toMatch(/notescribe: [A-Z_]+:/);
    expect(run.stderr).toContain('notescribe: onnxruntime is running the model on CPU');
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

  it('refuses a missing input file with INPUT_NOT_FOUND and exit code 65', () => {
    const run = cli(['transcribe', join(dir, 'nope.wav'), '-o', join(dir, 'x'), '--model', model, '--no-progress']);
    expect(run.status).toBe(65);
    expect(run.stderr).toContain('notescribe: INPUT_NOT_FOUND: No such file:');
  });

  it('refuses an unknown format with INVALID_SETTINGS, naming it', () => {
    const run = cli(['transcribe', audio, '--formats', 'musicxml,pdf', '--model', model]);
    expect(run.status).toBe(65);
    expect(run.stderr).toContain('notescribe: INVALID_SETTINGS: Unknown output format "pdf"');
  });

  it('refuses a missing model with MODEL_LOAD_FAILED, naming the path', () => {
    const run = cli(['transcribe', audio, '--model', join(dir, 'missing.onnx')]);
    expect(run.status).toBe(65);
    expect(run.stderr).toContain(`notescribe: MODEL_LOAD_FAILED: Model file not found: ${join(dir, 'missing.onnx')}`);
  });

  it('reports audio it cannot decode with the decoder code, naming the file', () => {
    const bad = join(dir, 'bad.wav');
    writeFileSync(bad, 'this is not audio');
    const run = cli(['transcribe', bad, '-o', join(dir, 'y'), '--model', model, '--no-progress']);
    expect(run.status).toBe(65);
    expect(run.stderr).toMatch(new RegExp(`notescribe: UNSUPPORTED_FORMAT: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });
});
