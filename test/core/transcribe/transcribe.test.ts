/**
 * @jest-environment ./test/fixtures/model/jest-environment.cjs
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotescribeError } from '../../../core/errors';
import { loadOnsetModel, parseModelCard, type OnsetModel } from '../../../core/model';
import {
  OUTPUT_FILE_SUFFIX,
  parseOutputFormats,
  renderOutputs,
  transcribe,
  type TranscribeProgress,
} from '../../../core/transcribe';
import type { Note } from '../../../core/types';
import { renderPiano } from '../../helpers/piano-synth';
import { encodeWav16, installFixtureModel } from '../../fixtures/model/wav';

describe('transcribe', () => {
  let model: OnsetModel;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'notescribe-transcribe-'));
    const onnx = installFixtureModel(dir);
    model = await loadOnsetModel(
      new Uint8Array(readFileSync(onnx)),
      parseModelCard(readFileSync(onnx.replace(/\.onnx$/, '.card.json'))),
    );
  });

  afterAll(async () => {
    await model.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs every stage and returns the requested outputs, with progress that only rises to 1', async () => {
    const wav = encodeWav16(
      renderPiano([{ pitch: 69, onsetSeconds: 0.5, offsetSeconds: 1.2, velocity: 100 }], { durationSeconds: 2 }),
      16_000,
    );
    const progress: TranscribeProgress[] = [];
    const result = await transcribe(wav, {
      model,
      title: 'A4',
      formats: ['notes', 'json', 'musicxml'],
      batchSize: 3,
      onProgress: (p) => progress.push(p),
    });
    expect(Object.keys(result.outputs).sort()).toEqual(['json', 'musicxml', 'notes']);
    // The fixture model fires on A4's attack: a note at 440 Hz within 30 ms of 0.5 s.
    const a4 = result.notes.find((n) => n.pitch === 69);
    expect(a4?.onsetSeconds).toBeGreaterThanOrEqual(0.47);
    expect(a4?.onsetSeconds).toBeLessThanOrEqual(0.53);
    expect(a4!.offsetSeconds).toBeGreaterThan(a4!.onsetSeconds);
    expect(result.onsetCount).toBeGreaterThan(0);
    expect(new TextDecoder().decode(result.outputs.musicxml)).toContain('<work-title>A4</work-title>');
    expect(progress.at(-1)).toEqual({ stage: 'render', fraction: 1 });
    expect(progress.map((p) => p.fraction)).toEqual([...progress.map((p) => p.fraction)].sort((a, b) => a - b));
    expect(Object.keys(result.timings.outputsMs).sort()).toEqual(['json', 'musicxml', 'notes']);
  });

  it('passes on the decoder error for bytes that are not audio', async () => {
    await expect(transcribe(new Uint8Array([1, 2, 3, 4]), { model })).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
  });
});

describe('renderOutputs', () => {
  const notes: Note[] = [
    { pitch: 60, onsetSeconds: 0.5, offsetSeconds: 1, velocity: 90 },
    { pitch: 69, onsetSeconds: 1, offsetSeconds: 1.25, velocity: 64 },
  ];

  it('writes the mir_eval note list and JSON from notes alone', () => {
    const { outputs } = renderOutputs(notes, { formats: ['notes', 'json'] });
    const lines = new TextDecoder().decode(outputs.notes).trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]?.split('\t').map(Number)).toEqual([1, 1.25, 440]);
    expect(JSON.parse(new TextDecoder().decode(outputs.json))).toMatchObject({ notes: [{ pitch: 60 }, { pitch: 69 }] });
    expect(outputs.musicxml).toBeUndefined();
  });

  it('writes every format for a piece with no notes (the note list is then empty)', () => {
    const { outputs } = renderOutputs([], { formats: ['musicxml', 'mxl', 'midi', 'json', 'notes', 'png'] });
    expect(Object.keys(outputs)).toEqual(['musicxml', 'mxl', 'midi', 'json', 'notes', 'png']);
    expect(outputs.notes).toHaveLength(0);
    expect(new TextDecoder().decode(outputs.musicxml)).toContain('<score-partwise');
  });

  it('draws a piano roll when no spectrogram is given', () => {
    const { outputs } = renderOutputs(notes, { formats: ['png'] });
    expect(Array.from(outputs.png!.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });
});

describe('parseOutputFormats', () => {
  it('accepts a comma list in any case, dropping repeats', () => {
    expect(parseOutputFormats('MusicXML, midi,midi,png')).toEqual(['musicxml', 'midi', 'png']);
    expect(OUTPUT_FILE_SUFFIX.midi).toBe('.mid');
  });

  it('refuses unknown formats, naming them all', () => {
    let error: unknown;
    try {
      parseOutputFormats('pdf,midi,svg');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NotescribeError);
    expect((error as NotescribeError).code).toBe('INVALID_SETTINGS');
    expect((error as NotescribeError).message).toBe(
      'Unknown output formats "pdf", "svg"; choose from musicxml, mxl, midi, json, notes, png',
    );
  });
});
