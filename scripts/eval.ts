/**
 * `npm run eval -- --audio DIR --ref DIR [--model PATH]`: transcribes every audio file in DIR through the same path
 * as `notescribe transcribe` (core/transcribe) and scores it against `<name>.txt` in the reference folder (mir_eval's
 * `onset offset frequency_hz` per line). Prints a per-file table, then the totals as one JSON line.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { evaluateTranscription, labelWindows, parseNoteList, scoreWindows, type EvalNote, type TranscriptionScores } from '../core/metrics';
import { extractWindows } from '../core/onsets';
import { FRAME_RATE_HZ, hzToMidi, LOWEST_MIDI_PITCH, midiToHz } from '../core/params';
import { transcribe } from '../core/transcribe';
import { NotescribeError } from '../core/errors';
import { defaultModelPath, loadModelFile, loadReleaseModelFor } from '../cli/model-location';
import { reportFailure } from '../cli/report';
import { fraction } from '../cli/commands/transcribe';

const AUDIO_EXTENSIONS = new Set(['.wav', '.mp3', '.flac', '.ogg', '.oga', '.opus']);
/** Windows are labelled with the note metric's onset tolerance, so window and note scores count the same hits. */
const WINDOW_LABEL_TOLERANCE_SECONDS = 0.05;

interface FileResult {
  readonly name: string;
  readonly referenceNotes: number;
  readonly estimatedNotes: number;
  readonly audioSeconds: number;
  readonly wallSeconds: number;
  readonly scores: TranscriptionScores;
  readonly matchedOnsetOnly: number;
  readonly matchedWithOffsets: number;
}

interface PRF {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

function prf(matched: number, reference: number, estimated: number): PRF {
  const precision = estimated === 0 ? 0 : matched / estimated;
  const recall = reference === 0 ? 0 : matched / reference;
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function findPairs(audioDir: string, refDir: string): Array<{ name: string; audioPath: string; refPath: string }> {
  for (const dir of [audioDir, refDir]) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new NotescribeError('INPUT_NOT_FOUND', `Not a directory: ${dir}`, { context: { path: dir } });
    }
  }
  const audioFiles = readdirSync(audioDir)
    .filter((file) => AUDIO_EXTENSIONS.has(path.extname(file).toLowerCase()))
    .sort();
  if (audioFiles.length === 0) {
    throw new NotescribeError('INPUT_NOT_FOUND', `No audio files (${[...AUDIO_EXTENSIONS].join(', ')}) in ${audioDir}`);
  }
  const missing: string[] = [];
  const pairs = audioFiles.map((file) => {
    const name = path.basename(file, path.extname(file));
    const refPath = path.join(refDir, `${name}.txt`);
    if (!existsSync(refPath)) missing.push(refPath);
    return { name, audioPath: path.join(audioDir, file), refPath };
  });
  if (missing.length > 0) {
    throw new NotescribeError('INPUT_NOT_FOUND', `Missing reference note lists:\n  ${missing.join('\n  ')}`);
  }
  return pairs;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

const pct = (value: number): string => (100 * value).toFixed(1).padStart(5);

async function main(argv: readonly string[]): Promise<void> {
  const program = new Command()
    .name('npm run eval --')
    .description('Transcribe a folder of audio and score it against mir_eval note lists.')
    .requiredOption('--audio <dir>', 'folder of audio files')
    .requiredOption('--ref <dir>', 'folder of <name>.txt reference note lists (onset offset frequency_hz)')
    .option('--model <path>', 'ONNX model (its .card.json beside it)', defaultModelPath())
    .option('--batch-size <n>', 'windows per inference batch', (v) => Number.parseInt(v, 10), 256)
    .option('--onset-threshold <p>', "onset probability at or above which a key becomes a note (default: the model card's)", fraction('--onset-threshold'))
    .option('--no-release-model', "end notes where their keys decay, not by the release model the card names")
    .parse(argv, { from: 'user' });
  const options = program.opts<{
    audio: string;
    ref: string;
    model: string;
    batchSize: number;
    releaseModel: boolean;
    onsetThreshold?: number;
  }>();

  const pairs = findPairs(options.audio, options.ref);
  const model = await loadModelFile(options.model);
  const releaseModel = options.releaseModel ? await loadReleaseModelFor(options.model, model.card) : undefined;
  const threshold = options.onsetThreshold ?? model.card.thresholds.onset;
  process.stderr.write(
    `Evaluating ${pairs.length} file(s) with ${path.basename(options.model)} (threshold ${threshold})` +
      `${releaseModel === undefined ? '' : `, note ends by ${releaseModel.card.name}`}\n`,
  );

  const results: FileResult[] = [];
  const windowProbabilities: Float32Array[] = [];
  const windowLabels: Uint8Array[] = [];
  const header = `${pad('file', 28)} ${'ref'.padStart(5)} ${'est'.padStart(5)}  onset P / R / F1      +offset P / R / F1    x realtime`;
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const pair of pairs) {
    const reference = parseNoteList(readFileSync(pair.refPath, 'utf8'), pair.refPath);
    const started = performance.now();
    const result = await transcribe(new Uint8Array(readFileSync(pair.audioPath)), {
      model,
      ...(releaseModel === undefined ? {} : { releaseModel }),
      title: pair.name,
      formats: [],
      onsetThreshold: threshold,
      batchSize: options.batchSize,
    });
    const wallSeconds = (performance.now() - started) / 1000;
    const estimate: EvalNote[] = result.notes.map((note) => ({
      onsetSeconds: note.onsetSeconds,
      offsetSeconds: note.offsetSeconds,
      frequencyHz: midiToHz(note.pitch),
    }));
    const scores = evaluateTranscription(reference, estimate);

    // Window metrics (the original paper's) on the same detected onsets the notes came from.
    const { spectrogram, onsetFrames } = result.analysis;
    const prediction = await model.predict(extractWindows(spectrogram, onsetFrames), onsetFrames.length, {
      batchSize: options.batchSize,
    });
    windowProbabilities.push(prediction.onsetProbability);
    windowLabels.push(
      labelWindows(
        Array.from(onsetFrames, (frame) => frame / FRAME_RATE_HZ),
        reference.map((note) => ({ onsetSeconds: note.onsetSeconds, pitch: hzToMidi(note.frequencyHz) })),
        WINDOW_LABEL_TOLERANCE_SECONDS,
        LOWEST_MIDI_PITCH,
      ),
    );

    const fileResult: FileResult = {
      name: pair.name,
      referenceNotes: reference.length,
      estimatedNotes: estimate.length,
      audioSeconds: result.analysis.durationSeconds,
      wallSeconds,
      scores,
      matchedOnsetOnly: Math.round(scores.Recall_no_offset * reference.length),
      matchedWithOffsets: Math.round(scores.Recall * reference.length),
    };
    results.push(fileResult);
    console.log(
      `${pad(pair.name.slice(0, 28), 28)} ${String(reference.length).padStart(5)} ${String(estimate.length).padStart(5)}  ` +
        `${pct(scores.Precision_no_offset)} ${pct(scores.Recall_no_offset)} ${pct(scores['F-measure_no_offset'])}   ` +
        `${pct(scores.Precision)} ${pct(scores.Recall)} ${pct(scores['F-measure'])}   ` +
        `${(fileResult.audioSeconds / wallSeconds).toFixed(0).padStart(6)}x`,
    );
  }

  const totalReference = results.reduce((sum, r) => sum + r.referenceNotes, 0);
  const totalEstimated = results.reduce((sum, r) => sum + r.estimatedNotes, 0);
  const windows = scoreWindows(concatFloat(windowProbabilities), concatBytes(windowLabels), threshold);
  const audioSeconds = results.reduce((sum, r) => sum + r.audioSeconds, 0);
  const wallSeconds = results.reduce((sum, r) => sum + r.wallSeconds, 0);
  const summary = {
    files: results.length,
    model: path.basename(options.model),
    threshold,
    reference_notes: totalReference,
    estimated_notes: totalEstimated,
    // Mean over files, as mir_eval-based papers report; the pooled numbers weight every note equally.
    onset_only: {
      precision: mean(results.map((r) => r.scores.Precision_no_offset)),
      recall: mean(results.map((r) => r.scores.Recall_no_offset)),
      f1: mean(results.map((r) => r.scores['F-measure_no_offset'])),
    },
    with_offsets: {
      precision: mean(results.map((r) => r.scores.Precision)),
      recall: mean(results.map((r) => r.scores.Recall)),
      f1: mean(results.map((r) => r.scores['F-measure'])),
    },
    onset_only_pooled: prf(results.reduce((s, r) => s + r.matchedOnsetOnly, 0), totalReference, totalEstimated),
    with_offsets_pooled: prf(results.reduce((s, r) => s + r.matchedWithOffsets, 0), totalReference, totalEstimated),
    windows: {
      count: windows.windows,
      per_output_accuracy: windows.perOutputAccuracy,
      all_keys_correct: windows.allKeysCorrect,
    },
    audio_seconds: audioSeconds,
    realtime_factor: wallSeconds === 0 ? 0 : audioSeconds / wallSeconds,
  };
  console.log('-'.repeat(header.length));
  console.log(
    `${pad('mean over files', 28)} ${String(totalReference).padStart(5)} ${String(totalEstimated).padStart(5)}  ` +
      `${pct(summary.onset_only.precision)} ${pct(summary.onset_only.recall)} ${pct(summary.onset_only.f1)}   ` +
      `${pct(summary.with_offsets.precision)} ${pct(summary.with_offsets.recall)} ${pct(summary.with_offsets.f1)}`,
  );
  console.log(JSON.stringify(summary));
}

function concatFloat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.exitCode = reportFailure(error);
});
