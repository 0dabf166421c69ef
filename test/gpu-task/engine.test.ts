/**
 * @jest-environment ./test/fixtures/model/jest-environment.cjs
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseAudio } from '../../core/analyse';
import { encodeFeatureFile } from '../../core/features';
import { KEY_COUNT } from '../../core/params';
import { transcribe } from '../../core/transcribe';
import { defaultModelPath, loadHandsModelFile, loadModelFile, loadNotationModelFile, loadReleaseModelFor } from '../../cli/model-location';
import { loadWorkerEngine, slicePrediction } from '../../gpu-task/engine';
import { cardPathFor } from '../../pipeline/model-files';

describe('slicePrediction', () => {
  it('cuts every output of a batch to one job\'s rows, including outputs it does not name (v2 onset shift)', () => {
    const rows = 3;
    const field = (base: number): Float32Array => Float32Array.from({ length: rows * KEY_COUNT }, (_, i) => base + i);
    const batch = { onsetProbability: field(0), velocity: field(1000), onsetShiftSeconds: field(5000) };
    const second = slicePrediction(batch, 1, 3);
    expect(Object.keys(second).sort()).toEqual(['onsetProbability', 'onsetShiftSeconds', 'velocity']);
    expect(second.onsetProbability.length).toBe(2 * KEY_COUNT);
    expect(second.onsetProbability[0]).toBe(KEY_COUNT);
    expect(second.velocity[0]).toBe(1000 + KEY_COUNT);
    expect(second.onsetShiftSeconds?.[2 * KEY_COUNT - 1]).toBe(5000 + 3 * KEY_COUNT - 1);
  });
});

describe('createWorkerEngine over the committed models', () => {
  jest.setTimeout(120_000);

  it('writes the score `notescribe transcribe` writes for the same audio (release and notation models included)', async () => {
    const audio = new Uint8Array(readFileSync(join(__dirname, '../../examples/little-waltz.flac')));
    const modelPath = defaultModelPath();
    // As the worker image loads its models (gpu-task/main.ts).
    const { engine, release, notation } = await loadWorkerEngine({ modelPath, cardPath: cardPathFor(modelPath), executionProviders: ['cpu'] });
    expect(release).toBeDefined();
    expect(Object.keys(notation).sort()).toEqual(['hands', 'metre']);
    const formats = ['musicxml', 'notes'] as const;
    try {
      // The pipeline's path: the ingest Lambda's feature file, then the worker's prediction and render.
      const featureFile = encodeFeatureFile(await analyseAudio(audio), { sourceName: 'little-waltz.flac', sourceByteLength: audio.length });
      const job = engine.prepare(featureFile);
      const worker = await engine.render(job, await engine.predict(job.windows, job.count), { title: 'Waltz', formats });

      // The CLI's path over the same models.
      const model = await loadModelFile(modelPath);
      const releaseModel = await loadReleaseModelFor(modelPath, model.card);
      const metre = await loadNotationModelFile();
      const hands = await loadHandsModelFile();
      const cli = await transcribe(audio, {
        model,
        ...(releaseModel === undefined ? {} : { releaseModel }),
        notationModels: { metre, hands },
        title: 'Waltz',
        formats,
      });
      await Promise.all([model.release(), releaseModel?.release(), metre.release(), hands.release()]);

      const text = (body: Uint8Array | string | undefined): string => (typeof body === 'string' ? body : new TextDecoder().decode(body));
      const fromWorker = (format: string): string => text(worker.files.find((f) => f.format === format)?.body);
      expect(fromWorker('notes')).toBe(text(cli.outputs.notes));
      expect(fromWorker('musicxml')).toBe(text(cli.outputs.musicxml));
      expect(fromWorker('musicxml')).toContain('<beats>3</beats>');
    } finally {
      await engine.release();
    }
  });
});
