import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { NotescribeError } from '../../core/errors';
import type { ExecutionProvider, OnsetModel } from '../../core/model';
import {
  OUTPUT_FILE_SUFFIX,
  OUTPUT_FORMATS,
  parseOutputFormats,
  transcribe,
  type OutputFormat,
  type TranscriptionResult,
} from '../../core/transcribe';
import { defaultModelPath, loadModelFile } from '../model-location';
import { startProgress } from '../progress';

export interface TranscribeFileOptions {
  readonly model: OnsetModel;
  readonly outDir: string;
  readonly formats: readonly OutputFormat[];
  readonly batchSize?: number;
  /** Show a progress bar on stderr (only drawn when stderr is a terminal). @default true */
  readonly progress?: boolean;
  /** Also render the score's pages with MuseScore when `png` is requested and `mscore3` is installed. */
  readonly scorePages?: boolean;
  readonly log?: (line: string) => void;
}

export interface TranscribedFile {
  readonly input: string;
  readonly written: string[];
  readonly result: TranscriptionResult;
}

/** Transcribes one audio file into `outDir/<name><suffix>` for each format; returns the paths written. */
export async function transcribeFile(inputPath: string, options: TranscribeFileOptions): Promise<TranscribedFile> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(inputPath));
  } catch (cause) {
    throw new NotescribeError('INPUT_NOT_FOUND', `Cannot read ${inputPath}: ${(cause as Error).message}`, {
      cause,
      context: { path: inputPath },
    });
  }
  const name = basename(inputPath, extname(inputPath));
  // Percent of the whole transcription; the bar draws only on a terminal.
  const bar = startProgress({ total: 100, label: name, ...(options.progress === false ? { enabled: false } : {}) });
  let result: TranscriptionResult;
  try {
    result = await transcribe(bytes, {
      model: options.model,
      title: name,
      formats: options.formats,
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      onProgress: ({ stage, fraction }) => bar.update(Math.round(fraction * 100), stage),
    });
  } catch (error) {
    // Say which file failed: a batch run must show the culprit, not just the code.
    if (error instanceof NotescribeError) {
      throw new NotescribeError(error.code, `${inputPath}: ${error.message}`, { cause: error, context: { ...error.context, path: inputPath } });
    }
    throw error;
  } finally {
    bar.stop();
  }

  mkdirSync(options.outDir, { recursive: true });
  const written: string[] = [];
  for (const format of options.formats) {
    const bytesOut = result.outputs[format];
    if (bytesOut === undefined) continue;
    const path = join(options.outDir, `${name}${OUTPUT_FILE_SUFFIX[format]}`);
    writeFileSync(path, bytesOut);
    written.push(path);
    log(`wrote ${path} (${formatBytes(bytesOut.length)})`);
  }
  const musicXmlPath = written.find((p) => p.endsWith(OUTPUT_FILE_SUFFIX.musicxml));
  if (options.scorePages !== false && options.formats.includes('png') && musicXmlPath !== undefined) {
    for (const page of renderScorePages(musicXmlPath, join(options.outDir, `${name}.score.png`))) {
      written.push(page);
      log(`wrote ${page} (score page, MuseScore)`);
    }
  }
  const t = result.timings;
  const seconds = result.analysis.durationSeconds;
  log(
    `${inputPath}: ${result.notes.length} notes from ${result.onsetCount} onsets in ${seconds.toFixed(1)} s of audio; ` +
      `took ${(t.totalMs / 1000).toFixed(2)} s (${(seconds / (t.totalMs / 1000)).toFixed(0)}× real time: ` +
      `analyse ${ms(t.analyseMs)}, predict ${ms(t.predictMs)}, notes ${ms(t.notesMs)}, ` +
      `outputs ${ms(t.scoreMs + Object.values(t.outputsMs).reduce((a, b) => a + b, 0))})`,
  );
  return { input: inputPath, written, result };
}

/**
 * Renders a MusicXML file's pages to PNG with MuseScore 3 when `mscore3` is installed (headless, offscreen).
 * MuseScore writes one file per page, `<base>-1.png`, `<base>-2.png` …; returns their paths, or [] without MuseScore
 * or when it fails (the score picture is a convenience, never a reason to fail a transcription).
 */
export function renderScorePages(musicXmlPath: string, pngPath: string): string[] {
  const env = { ...process.env, QT_QPA_PLATFORM: 'offscreen' };
  const probe = spawnSync('mscore3', ['--version'], { env, stdio: 'ignore', timeout: 30_000 });
  if (probe.error !== undefined || probe.status !== 0) return [];
  const run = spawnSync('mscore3', ['-o', pngPath, musicXmlPath], { env, stdio: 'ignore', timeout: 120_000 });
  if (run.status !== 0) return [];
  const dir = resolve(pngPath, '..');
  const stem = basename(pngPath, '.png');
  return readdirSync(dir)
    .filter((f) => f === `${stem}.png` || new RegExp(`^${escapeRegExp(stem)}-\\d+\\.png$`).test(f))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => join(dir, f));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} kB` : `${n} B`;
}

function parseBatchSize(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new NotescribeError('INVALID_SETTINGS', `--batch-size must be a positive integer, got "${text}"`);
  }
  return n;
}

function parseProviders(text: string): ExecutionProvider[] {
  const names = text.split(',').map((s) => s.trim().toLowerCase());
  const bad = names.filter((n) => n !== 'cuda' && n !== 'cpu');
  if (bad.length > 0) throw new NotescribeError('INVALID_SETTINGS', `--providers takes cuda and/or cpu, got ${bad.join(', ')}`);
  return names as ExecutionProvider[];
}

/** `notescribe transcribe <audio...>`: audio files in, notation files out. */
export function registerTranscribeCommand(program: Command): void {
  program
    .command('transcribe')
    .description('Transcribe audio files (WAV, FLAC, MP3, Ogg) to MusicXML, MIDI and more.')
    .argument('<audio...>', 'audio files')
    .option('-o, --out <dir>', 'output folder', 'out')
    .option('--formats <list>', `comma-separated: ${OUTPUT_FORMATS.join(',')}`, 'musicxml,midi')
    .option('--batch-size <n>', 'windows per model call', '64')
    .option('--model <path>', 'ONNX model (its card is <path without .onnx>.card.json)', defaultModelPath())
    .option('--providers <list>', 'onnxruntime execution providers to try, in order (cuda,cpu)', 'cpu')
    .option('--no-progress', 'do not draw a progress bar')
    .option('--no-score-pages', 'with png, do not also render score pages with MuseScore')
    .action(async (audio: string[], opts: Record<string, string | boolean>) => {
      const formats = parseOutputFormats(String(opts['formats']));
      const batchSize = parseBatchSize(String(opts['batchSize']));
      const model = await loadModelFile(resolve(String(opts['model'])), {
        executionProviders: parseProviders(String(opts['providers'])),
      });
      for (const note of model.providerNotes) process.stderr.write(`notescribe: ${note}\n`);
      try {
        for (const input of audio) {
          if (!existsSync(input)) throw new NotescribeError('INPUT_NOT_FOUND', `No such file: ${input}`, { context: { path: input } });
          await transcribeFile(input, {
            model,
            outDir: String(opts['out']),
            formats,
            batchSize,
            progress: opts['progress'] !== false,
            scorePages: opts['scorePages'] !== false,
          });
        }
      } finally {
        await model.release();
      }
    });
}
