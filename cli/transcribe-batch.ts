/**
 * `notescribe transcribe` behind its option parsing: every input checked first, then transcribed one by one with
 * one loaded model, going on past a failing file, with a summary of the failures at the end. Loaded only when the
 * command runs (cli/commands/transcribe.ts imports it dynamically), so the engine costs `--help` nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { asNotescribeError, NotescribeError } from '../core/errors';
import type { EvalNote } from '../core/metrics';
import type { ExecutionProvider, OnsetModel, ReleaseModel } from '../core/model';
import type { ScoreHints } from '../core/notation/hints';
import type { NotationModels } from '../core/notation/learned';
import { DEFAULT_MAX_INPUT_BYTES, midiToHz } from '../core/params';
import { OUTPUT_FILE_SUFFIX, transcribe, type OutputFormat, type TranscriptionResult } from '../core/transcribe';
import type { Note } from '../core/types';
import { readLocalFileWithin, readStreamWithin } from '../pipeline/bounded-read';
import { EXIT_STATUS, exitStatusFor, type ExitStatus } from './exit-codes';
import { collectInputs, STDIO_ARGUMENT, type BatchInput } from './inputs';
import { defaultHandsModelPath, defaultModelPath, defaultNotationModelPath, loadHandsModelFile, loadModelFile, loadNotationModelFile, loadReleaseModelFor } from './model-location';
import { ensureOutputDir, writeOutputFile } from './outputs';
import { startProgress } from './progress';
import { failureLine } from './report';

/** What `transcribe` does besides the engine's defaults. */
export interface NoteChoices {
  /** Onset probability at or above which a key becomes a note, 0…1. @default the model card's */
  readonly onsetThreshold?: number;
  /** Notes shorter than this are dropped, seconds. */
  readonly minimumNoteSeconds?: number;
  /** Notes below this fundamental are dropped, Hz. */
  readonly minimumFrequencyHz?: number;
  /** Notes above this fundamental are dropped, Hz. */
  readonly maximumFrequencyHz?: number;
}

export interface TranscribeBatchOptions extends NoteChoices {
  /** Output folder, or `-` for standard output (one input, one format). */
  readonly outDir: string;
  readonly formats: readonly OutputFormat[];
  /** Look for audio inside sub-folders of folder arguments. */
  readonly recursive?: boolean;
  /** @default cli/model-location `defaultModelPath()` */
  readonly modelPath?: string;
  readonly providers?: readonly ExecutionProvider[];
  readonly batchSize?: number;
  /** Title written into every score. @default each input's file name */
  readonly title?: string;
  /** Composer, tempo, time signature and key the user knows (core/notation `ScoreHints`). */
  readonly hints?: ScoreHints;
  /** Reference notes the picture compares with (one input only: they belong to one piece). */
  readonly reference?: readonly EvalNote[];
  /** Draw a progress bar on stderr (only on a terminal). @default true */
  readonly progress?: boolean;
  /** With `png`, also render the score's pages with MuseScore when it is installed. @default true */
  readonly render?: boolean;
  /** Print nothing but warnings and errors. */
  readonly quiet?: boolean;
  /** Print one JSON record per input on stdout (human lines go to stderr). */
  readonly json?: boolean;
}

/** The JSON line `--json` prints for each input. */
export interface TranscribeRecord {
  readonly input: string;
  readonly ok: boolean;
  /** Format → path written (`-` for standard output); MuseScore pages under `scorePages`. */
  readonly outputs?: Readonly<Partial<Record<OutputFormat, string>>>;
  readonly scorePages?: readonly string[];
  readonly notes?: number;
  readonly onsets?: number;
  readonly durationSeconds?: number;
  readonly seconds?: number;
  readonly warnings?: readonly string[];
  readonly error?: { readonly code: string; readonly message: string };
}

/** Where a run's lines go. */
interface Channels {
  /** Progress and results ("wrote …"): stdout, or stderr when stdout carries data; nothing when quiet. */
  readonly info: (line: string) => void;
  /** Warnings and failures: always stderr. */
  readonly warn: (line: string) => void;
  /** `--json` records: stdout. */
  readonly record: (record: TranscribeRecord) => void;
}

/** Transcribes every input; returns the exit status (0, or the largest status of the inputs that failed). */
export async function runTranscribeBatch(args: readonly string[], options: TranscribeBatchOptions): Promise<ExitStatus> {
  const toStdout = options.outDir === STDIO_ARGUMENT;
  const dataOnStdout = toStdout || options.json === true;
  const channels: Channels = {
    info: options.quiet ? () => undefined : (line) => (dataOnStdout ? process.stderr : process.stdout).write(`${line}\n`),
    warn: (line) => process.stderr.write(`${line}\n`),
    record: options.json ? (record) => process.stdout.write(`${JSON.stringify(record)}\n`) : () => undefined,
  };

  const { inputs, problems, notes } = collectInputs(args, { recursive: options.recursive === true });
  for (const note of notes) channels.info(`notescribe: ${note}`);
  const failures: { label: string; error: NotescribeError }[] = [];
  const fail = (label: string, error: unknown): void => {
    const failure = asNotescribeError(error);
    failures.push({ label, error: failure });
    channels.warn(failureLine(failure));
    channels.record({ input: label, ok: false, error: { code: failure.code, message: failure.message } });
  };
  // Usage mistakes about the whole run stop it before any work; a missing file only skips that file.
  const usage = problems.find((p) => p.code === 'INVALID_SETTINGS');
  if (usage !== undefined) throw usage;
  if (options.reference !== undefined && inputs.length + problems.length !== 1) {
    throw new NotescribeError('INVALID_SETTINGS', `--reference holds the notes of one piece, so it takes exactly one input, not ${inputs.length + problems.length}`);
  }
  if (toStdout) checkStdoutRun(inputs.length + problems.length, options);
  else checkOutputCollisions(inputs, options);
  for (const problem of problems) fail(String(problem.context['path'] ?? problem.context['pattern'] ?? ''), problem);
  const total = inputs.length + problems.length;
  if (inputs.length === 0) return summarise(failures, total, channels);

  if (!toStdout) ensureOutputDir(options.outDir);
  const modelPath = options.modelPath === undefined ? defaultModelPath() : resolve(options.modelPath);
  const model = await loadModelFile(modelPath, {
    ...(options.providers === undefined ? {} : { executionProviders: options.providers }),
  });
  // The release model the onset card names ends notes at key releases; without one, notes end as their keys decay.
  const releaseModel = await loadReleaseModelFor(modelPath, model.card);
  // Beats and metre from the notation model when it is installed beside the others; the rules otherwise.
  const notationModel = existsSync(defaultNotationModelPath()) ? await loadNotationModelFile() : undefined;
  // The hands model, weighed in the rules' staff split, likewise.
  const handsModel = existsSync(defaultHandsModelPath()) ? await loadHandsModelFile() : undefined;
  // Which provider runs the model is news only when it is not the one asked for first (a CUDA machine without CUDA).
  if (options.providers !== undefined && options.providers[0] !== model.executionProvider && !options.quiet) {
    channels.warn(`notescribe: warning: ${model.providerNotes.join('; ')}`);
  }
  try {
    for (const input of inputs) {
      try {
        const done = await transcribeInput(input, {
          ...options,
          model,
          ...(releaseModel === undefined ? {} : { releaseModel }),
          notationModels: { ...(notationModel === undefined ? {} : { metre: notationModel }), ...(handsModel === undefined ? {} : { hands: handsModel }) },
          channels,
        });
        channels.record(done.record);
      } catch (error) {
        fail(input.label, error);
      }
    }
  } finally {
    await model.release();
    await releaseModel?.release();
    await notationModel?.release();
    await handsModel?.release();
  }
  return summarise(failures, total, channels);
}

function summarise(failures: readonly { label: string; error: NotescribeError }[], total: number, channels: Channels): ExitStatus {
  if (failures.length === 0) return EXIT_STATUS.ok;
  if (total > 1) {
    channels.warn(
      [
        `notescribe: ${failures.length} of ${total} inputs failed:`,
        ...failures.map(({ label, error }) => `  ${label}: ${error.code}: ${stripLabel(error.message, label)}`),
      ].join('\n'),
    );
  }
  return failures.map(({ error }) => exitStatusFor(error.code)).reduce((a, b) => (b > a ? b : a));
}

function stripLabel(message: string, label: string): string {
  return message.startsWith(`${label}: `) ? message.slice(label.length + 2) : message;
}

/** `-o -` writes one file's bytes to standard output: one input, one format, no MuseScore pages. */
function checkStdoutRun(inputCount: number, options: TranscribeBatchOptions): void {
  const problems: string[] = [];
  if (inputCount !== 1) problems.push(`it takes exactly one input, not ${inputCount}`);
  if (options.formats.length !== 1) problems.push(`it takes exactly one --formats entry, not ${options.formats.join(',')}`);
  if (options.json) problems.push('--json would mix its records into the output');
  if (problems.length > 0) {
    throw new NotescribeError('INVALID_SETTINGS', `-o - writes one file to standard output, so ${problems.join('; ')}`);
  }
}

/**
 * Refuses, before any work, a batch in which two inputs would write the same file (`a/song.wav b/song.wav`, or
 * `song.wav song.mp3`): one would silently replace the other.
 */
function checkOutputCollisions(inputs: readonly BatchInput[], options: TranscribeBatchOptions): void {
  const owner = new Map<string, BatchInput>();
  const clashes: string[] = [];
  for (const input of inputs) {
    const stem = outputStem(options.outDir, input);
    const other = owner.get(stem);
    if (other !== undefined) {
      clashes.push(`${other.label} and ${input.label} would both write ${stem}${OUTPUT_FILE_SUFFIX[options.formats[0] ?? 'musicxml']}`);
    } else {
      owner.set(stem, input);
    }
  }
  if (clashes.length > 0) {
    throw new NotescribeError(
      'INVALID_SETTINGS',
      `outputs would overwrite each other, so nothing was transcribed:\n  ${clashes.join('\n  ')}\n` +
        'rename one of each pair, or transcribe them into different folders (-o)',
      { context: { clashes } },
    );
  }
}

function outputStem(outDir: string, input: BatchInput): string {
  return join(outDir, input.subfolder, input.stem);
}

interface TranscribeInputOptions extends TranscribeBatchOptions {
  readonly model: OnsetModel;
  readonly releaseModel?: ReleaseModel;
  readonly notationModels?: NotationModels;
  readonly channels: Channels;
}

interface TranscribedInput {
  readonly written: string[];
  readonly result: TranscriptionResult;
  readonly record: TranscribeRecord;
}

async function transcribeInput(input: BatchInput, options: TranscribeInputOptions): Promise<TranscribedInput> {
  const { channels } = options;
  const bytes = await readInput(input);
  const showProgress = options.progress !== false && options.quiet !== true;
  const bar = startProgress({ total: 100, label: input.stem, ...(showProgress ? {} : { enabled: false }) });
  let result: TranscriptionResult;
  try {
    result = await transcribe(bytes, {
      model: options.model,
      ...(options.releaseModel === undefined ? {} : { releaseModel: options.releaseModel }),
      ...(options.notationModels === undefined ? {} : { notationModels: options.notationModels }),
      title: options.title ?? (input.path === STDIO_ARGUMENT ? 'Transcription' : input.stem),
      ...(options.hints === undefined ? {} : { hints: options.hints }),
      ...(options.reference === undefined ? {} : { reference: options.reference }),
      formats: options.formats,
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      ...(options.onsetThreshold === undefined ? {} : { onsetThreshold: options.onsetThreshold }),
      ...(hasNoteFilter(options) ? { keepNote: noteFilter(options) } : {}),
      onProgress: ({ stage, fraction }) => bar.update(Math.round(fraction * 100), stage),
    });
  } catch (error) {
    // Say which file failed: a batch run must show the culprit, not just the code.
    const failure = asNotescribeError(error);
    throw new NotescribeError(failure.code, `${input.label}: ${failure.message}`, {
      cause: failure,
      context: { ...failure.context, path: input.label },
    });
  } finally {
    bar.stop();
  }

  const outputs: Partial<Record<OutputFormat, string>> = {};
  const written: string[] = [];
  if (options.outDir === STDIO_ARGUMENT) {
    const format = options.formats[0];
    const bytesOut = format === undefined ? undefined : result.outputs[format];
    if (format !== undefined && bytesOut !== undefined) {
      process.stdout.write(bytesOut);
      outputs[format] = STDIO_ARGUMENT;
    }
  } else {
    const folder = join(options.outDir, input.subfolder);
    if (input.subfolder !== '') ensureOutputDir(folder);
    for (const format of options.formats) {
      const bytesOut = result.outputs[format];
      if (bytesOut === undefined) continue;
      const path = `${outputStem(options.outDir, input)}${OUTPUT_FILE_SUFFIX[format]}`;
      writeOutputFile(path, bytesOut);
      written.push(path);
      outputs[format] = path;
      channels.info(`wrote ${path} (${formatBytes(bytesOut.length)})`);
    }
  }
  const scorePages: string[] = [];
  if (options.render !== false && options.formats.includes('png') && outputs.musicxml !== undefined && outputs.musicxml !== STDIO_ARGUMENT) {
    channels.info('rendering the score pages with MuseScore (mscore3; --no-render skips this) …');
    const pages = renderScorePages(outputs.musicxml, `${outputStem(options.outDir, input)}.score.png`);
    if (pages === undefined) channels.info('MuseScore 3 (mscore3) is not installed or failed: no score pages');
    for (const page of pages ?? []) {
      scorePages.push(page);
      written.push(page);
      channels.info(`wrote ${page} (score page, MuseScore)`);
    }
  }

  const warnings: string[] = [];
  if (result.notes.length === 0) {
    warnings.push(
      `${input.label}: no notes found in ${result.analysis.durationSeconds.toFixed(1)} s of audio ` +
        `(${result.onsetCount} onsets): the score is empty. Is it piano music, loud enough` +
        `${hasNoteFilter(options) || options.onsetThreshold !== undefined ? ', and do the note options leave anything' : ''}?`,
    );
  }
  for (const warning of warnings) channels.warn(`notescribe: warning: ${warning}`);
  const t = result.timings;
  const seconds = result.analysis.durationSeconds;
  channels.info(
    `${input.label}: ${result.notes.length} notes from ${result.onsetCount} onsets in ${seconds.toFixed(1)} s of audio; ` +
      `took ${(t.totalMs / 1000).toFixed(2)} s (${(seconds / (t.totalMs / 1000)).toFixed(0)}× real time: ` +
      `analyse ${ms(t.analyseMs)}, predict ${ms(t.predictMs)}, notes ${ms(t.notesMs)}, ` +
      `outputs ${ms(t.scoreMs + Object.values(t.outputsMs).reduce((a, b) => a + b, 0))})`,
  );
  return {
    written,
    result,
    record: {
      input: input.label,
      ok: true,
      outputs,
      ...(scorePages.length > 0 ? { scorePages } : {}),
      notes: result.notes.length,
      onsets: result.onsetCount,
      durationSeconds: round3(seconds),
      seconds: round3(t.totalMs / 1000),
      warnings,
    },
  };
}

/**
 * The input's bytes, measured before they are read (pipeline/bounded-read.ts): a FIFO, a device or a file over
 * `DEFAULT_MAX_INPUT_BYTES` is refused with a typed error instead of hanging or filling memory; standard input, which
 * has no size to check first, is read with the same cap.
 */
async function readInput(input: BatchInput): Promise<Uint8Array> {
  if (input.path !== STDIO_ARGUMENT) return readLocalFileWithin(input.path, DEFAULT_MAX_INPUT_BYTES, input.label);
  if (process.stdin.isTTY) {
    throw new NotescribeError('INVALID_SETTINGS', '- reads the audio from standard input, but that is a terminal: pipe a file in (… | notescribe transcribe -)');
  }
  // Read as a stream: readFileSync(0) fails with EAGAIN when standard input is a non-blocking pipe.
  try {
    return await readStreamWithin(process.stdin as AsyncIterable<Uint8Array>, 'standard input', DEFAULT_MAX_INPUT_BYTES);
  } catch (cause) {
    if (cause instanceof NotescribeError) throw cause;
    throw new NotescribeError('INPUT_NOT_FOUND', `cannot read standard input: ${(cause as Error).message}`, { cause });
  }
}

function hasNoteFilter(choices: NoteChoices): boolean {
  return choices.minimumNoteSeconds !== undefined || choices.minimumFrequencyHz !== undefined || choices.maximumFrequencyHz !== undefined;
}

/** The notes `choices` keep: long enough, and with a fundamental inside the frequency range. */
export function noteFilter(choices: NoteChoices): (note: Note) => boolean {
  const minLength = choices.minimumNoteSeconds ?? 0;
  const lowest = choices.minimumFrequencyHz ?? 0;
  const highest = choices.maximumFrequencyHz ?? Infinity;
  return (note) => {
    const hz = midiToHz(note.pitch);
    return note.offsetSeconds - note.onsetSeconds >= minLength && hz >= lowest && hz <= highest;
  };
}

/**
 * Renders a MusicXML file's pages to PNG with MuseScore 3 (`mscore3`, headless). MuseScore writes one file per
 * page, `<base>-1.png`, `<base>-2.png` …; returns their paths, or undefined without MuseScore or when it fails (the
 * score pages are a convenience, never a reason to fail a transcription).
 */
export function renderScorePages(musicXmlPath: string, pngPath: string): string[] | undefined {
  const env = { ...process.env, QT_QPA_PLATFORM: 'offscreen' };
  const probe = spawnSync('mscore3', ['--version'], { env, stdio: 'ignore', timeout: 30_000 });
  if (probe.error !== undefined || probe.status !== 0) return undefined;
  const run = spawnSync('mscore3', ['-o', pngPath, musicXmlPath], { env, stdio: 'ignore', timeout: 120_000 });
  if (run.status !== 0) return undefined;
  const dir = resolve(pngPath, '..');
  const stem = basename(pngPath, '.png');
  return readdirSync(dir)
    .filter((f) => f === `${stem}.png` || new RegExp(`^${escapeRegExp(stem)}-\\d+\\.png$`).test(f))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => join(dir, f));
}

/** Transcribes one file into `outDir` (what `notescribe demo` runs); returns the paths written and the result. */
export async function transcribeFile(
  inputPath: string,
  options: {
    model: OnsetModel;
    releaseModel?: ReleaseModel;
    outDir: string;
    formats: readonly OutputFormat[];
    reference?: readonly EvalNote[];
    progress?: boolean;
    log?: (line: string) => void;
  },
): Promise<{ written: string[]; result: TranscriptionResult }> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  ensureOutputDir(options.outDir);
  const input: BatchInput = { path: inputPath, label: inputPath, stem: basename(inputPath).replace(/\.[^.]*$/, ''), subfolder: '' };
  const { written, result } = await transcribeInput(input, {
    ...options,
    channels: { info: log, warn: (line) => process.stderr.write(`${line}\n`), record: () => undefined },
  });
  return { written, result };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} kB` : `${n} B`;
}
