import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { NotescribeError } from '../../core/errors';
import type { OnsetModel } from '../../core/model';
import { midiToHz } from '../../core/params';
import { ensureOutputDir, writeOutputFile } from '../outputs';
import { DEFAULT_MODEL_HELP } from './transcribe';

/** Without a usable model: decode, spectrogram and onsets of the example, and a picture of its spectrogram. */
async function analyseOnly(examplePath: string, outDir: string, log: (line: string) => void): Promise<string[]> {
  log('So this demo analyses the example instead (decode, constant-Q spectrogram, onset detection) and writes no notes.');
  const [{ analyseAudio }, { renderPicture }] = await Promise.all([import('../../core/analyse'), import('../../core/picture')]);
  const started = performance.now();
  const analysis = await analyseAudio(new Uint8Array(readFileSync(examplePath)));
  const seconds = (performance.now() - started) / 1000;
  const { spectrogram, onsetFrames } = analysis;
  log(
    `${analysis.durationSeconds.toFixed(1)} s of audio → ${spectrogram.frameCount} frames × ${spectrogram.binCount} bins ` +
      `at ${spectrogram.frameRateHz} frames/s, ${onsetFrames.length} onsets, in ${seconds.toFixed(2)} s`,
  );
  ensureOutputDir(outDir);
  const picture = join(outDir, `${EXAMPLE_NAME}.spectrogram.png`);
  writeOutputFile(picture, renderPicture({ spectrogram, notes: [] }));
  log(`wrote ${picture} (the spectrogram, no notes)`);
  return [picture];
}

/** The bundled example (examples/make-example.py composes and renders it). */
export const EXAMPLE_NAME = 'little-waltz';

/**
 * `notescribe demo` (what `npm start` runs): transcribes the bundled example into every format and scores the result
 * against the example's reference notes. Without a usable model (none in models/, or one made from other DSP
 * parameters) it analyses the example instead and says so.
 */
export async function runDemo(options: { outDir: string; modelPath?: string; log?: (line: string) => void }): Promise<string[]> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  // Loaded when the demo runs: cli/model-location brings the model runtime, which `--help` need not load.
  const { defaultModelPath, loadModelFile, loadReleaseModelFor, modelAvailable, packageRoot } = await import('../model-location');
  const root = packageRoot();
  const examplePath = join(root, 'examples', `${EXAMPLE_NAME}.flac`);
  const referencePath = join(root, 'examples', `${EXAMPLE_NAME}.notes.txt`);
  log(`notescribe demo: transcribing ${examplePath} into ${options.outDir}/`);

  const modelPath = options.modelPath ?? defaultModelPath();
  if (!modelAvailable(modelPath)) {
    log(`No trained model at ${modelPath} (and its .card.json), so this demo cannot write notes yet.`);
    return analyseOnly(examplePath, options.outDir, log);
  }
  let model: OnsetModel;
  try {
    model = await loadModelFile(modelPath);
  } catch (error) {
    // A model made from other DSP parameters cannot be used; the rest of the engine still can, so show that.
    if (!(error instanceof NotescribeError) || error.code !== 'MODEL_MISMATCH') throw error;
    log(`The model at ${modelPath} cannot be used with this engine: ${error.code}: ${error.message}.`);
    return analyseOnly(examplePath, options.outDir, log);
  }
  const releaseModel = await loadReleaseModelFor(modelPath, model.card);
  log(`model ${model.card.name}${releaseModel === undefined ? '' : ` + ${releaseModel.card.name}`}; ${model.providerNotes.at(-1) ?? ''}`);
  // The engine loads when the demo runs, not when the CLI starts (see cli/main.ts).
  const [{ evaluateTranscription, parseNoteList }, { OUTPUT_FORMATS }, { transcribeFile }] = await Promise.all([
    import('../../core/metrics'),
    import('../../core/transcribe'),
    import('../transcribe-batch'),
  ]);
  try {
    // The reference also goes into the picture: hits, misses and false notes in three colours.
    const reference = parseNoteList(readFileSync(referencePath, 'utf8'), referencePath);
    const { written, result } = await transcribeFile(examplePath, {
      model,
      ...(releaseModel === undefined ? {} : { releaseModel }),
      outDir: options.outDir,
      formats: OUTPUT_FORMATS,
      reference,
      progress: true,
      log,
    });
    const estimate = result.notes.map((n) => ({
      onsetSeconds: n.onsetSeconds,
      offsetSeconds: n.offsetSeconds,
      frequencyHz: midiToHz(n.pitch),
    }));
    const scores = evaluateTranscription(reference, estimate);
    log(
      `against the reference (${reference.length} notes, mir_eval rules): onset F1 ${scores['Onset_F-measure'].toFixed(3)} ` +
        `(precision ${scores.Onset_Precision.toFixed(3)}, recall ${scores.Onset_Recall.toFixed(3)}); ` +
        `with offsets F1 ${scores['F-measure'].toFixed(3)}`,
    );
    return written;
  } finally {
    await model.release();
    await releaseModel?.release();
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Transcribe the bundled example piece into out/ (what `npm start` runs).')
    .option('-o, --out <dir>', 'output folder', 'out')
    .option('--model <path>', `ONNX model (its card is <path without .onnx>.card.json) (default: ${DEFAULT_MODEL_HELP})`)
    .action(async (opts: { out: string; model?: string }) => {
      await runDemo({ outDir: opts.out, ...(opts.model === undefined ? {} : { modelPath: opts.model }) });
    });
}
