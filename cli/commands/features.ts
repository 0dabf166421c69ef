/**
 * `notescribe features <audio...> -o DIR`: the engine's front half (decode → spectrogram → onsets) written as one
 * feature file per input, for the training pipeline. One process handles every file (the spectrogram kernels are
 * built once), and `--jobs N` spreads files over N worker threads.
 */
import { createHash } from 'node:crypto';
import { basename, extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Command } from 'commander';
import { analyseAudio } from '../../core/analyse';
import { asNotescribeError, NotescribeError, type ErrorCode } from '../../core/errors';
import { encodeFeatureFile, FEATURE_FILE_EXTENSION } from '../../core/features';
import { DEFAULT_MAX_INPUT_BYTES } from '../../core/params';
import { readLocalFileWithin } from '../../pipeline/bounded-read';
import { collectInputs, STDIO_ARGUMENT } from '../inputs';
import { ensureOutputDir, writeOutputFile } from '../outputs';
import { startProgress } from '../progress';
import { reportFailure } from '../report';

export interface FeaturesFileOptions {
  /** Refuse audio longer than this, seconds (AUDIO_TOO_LONG). */
  readonly maxSeconds?: number;
  /** Fraction of this file done, 0 … 1. */
  readonly onProgress?: (fraction: number) => void;
}

/** What one input became. */
export interface FeaturesFileResult {
  readonly input: string;
  readonly output: string;
  readonly frameCount: number;
  readonly onsetCount: number;
  readonly durationSeconds: number;
  readonly bytes: number;
}

/** Output path for an input: `<outDir>/<input name without extension>.nsf`. */
export function featureFilePath(input: string, outDir: string): string {
  return join(outDir, `${basename(input, extname(input))}${FEATURE_FILE_EXTENSION}`);
}

/**
 * Analyses one audio file and writes its feature file (whole: cli/outputs `writeOutputFile`). Errors carry the input
 * path in their message.
 */
export async function extractFeaturesFile(
  input: string,
  outDir: string,
  options: FeaturesFileOptions = {},
): Promise<FeaturesFileResult> {
  // measured before it is read: a FIFO, a device or an oversized file is refused, never waited on
  const bytes = await readLocalFileWithin(input, DEFAULT_MAX_INPUT_BYTES);
  try {
    const analysis = await analyseAudio(bytes, {
      ...(options.maxSeconds === undefined ? {} : { maxSeconds: options.maxSeconds }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    const encoded = encodeFeatureFile(analysis, {
      sourceName: basename(input),
      sourceSha256: createHash('sha256').update(bytes).digest('hex'),
      sourceByteLength: bytes.length,
    });
    const output = featureFilePath(input, outDir);
    writeOutputFile(output, encoded);
    return {
      input,
      output,
      frameCount: analysis.spectrogram.frameCount,
      onsetCount: analysis.onsetFrames.length,
      durationSeconds: analysis.durationSeconds,
      bytes: encoded.length,
    };
  } catch (error) {
    const failure = asNotescribeError(error);
    if (failure.message.startsWith(input)) throw failure;
    // A batch run must name the culprit, not just the code.
    throw new NotescribeError(failure.code, `${input}: ${failure.message}`, {
      cause: failure,
      context: { ...failure.context, path: input },
    });
  }
}

export interface FeaturesRunOptions {
  readonly outDir: string;
  /** Files analysed at once, each in its own worker thread; 1 runs everything in this thread. @default 1 */
  readonly jobs?: number;
  readonly maxSeconds?: number;
  /** Draw a progress bar on stderr (only when stderr is a terminal). @default true */
  readonly progress?: boolean;
  /** Where success lines go. @default stdout */
  readonly log?: (line: string) => void;
  /** Where failures go; returns the exit code for that failure. @default reportFailure (stderr) */
  readonly fail?: (error: unknown) => number;
}

/** The outcome of a run: files written, and the exit code (0, or the worst failure's code). */
export interface FeaturesRunSummary {
  readonly written: FeaturesFileResult[];
  readonly failed: number;
  readonly exitCode: number;
}

/**
 * Extracts features for every input into `outDir`. A failing input is reported and skipped; the others still run.
 * Two inputs that would write the same file name are refused before any work starts.
 */
export async function runFeatures(inputs: readonly string[], options: FeaturesRunOptions): Promise<FeaturesRunSummary> {
  const fail = options.fail ?? reportFailure;
  const seen = new Map<string, string>();
  for (const input of inputs) {
    const output = featureFilePath(input, options.outDir);
    const other = seen.get(output);
    if (other !== undefined) {
      const code = fail(
        new NotescribeError('INVALID_SETTINGS', `${other} and ${input} would both write ${output}; rename one`, {
          context: { inputs: [other, input], output },
        }),
      );
      return { written: [], failed: inputs.length, exitCode: code };
    }
    seen.set(output, input);
  }
  ensureOutputDir(options.outDir);

  const progress = startProgress({
    total: inputs.length,
    label: 'features',
    ...(options.progress === false ? { enabled: false } : {}),
  });
  const log = options.log ?? ((line: string) => progress.log(line));
  const fractions = new Float64Array(inputs.length);
  let finished = 0;
  const showProgress = (index: number, fraction: number): void => {
    fractions[index] = fraction;
    let done = 0;
    for (const value of fractions) done += value;
    progress.update(done, `${finished}/${inputs.length} done`);
  };
  const written: FeaturesFileResult[] = [];
  let failed = 0;
  let exitCode = 0;
  const settle = (index: number, outcome: { result: FeaturesFileResult } | { error: unknown }): void => {
    finished++;
    showProgress(index, 1);
    if ('result' in outcome) {
      const { result } = outcome;
      written.push(result);
      log(
        `wrote ${result.output} (${result.durationSeconds.toFixed(1)} s, ${result.frameCount} frames, ` +
          `${result.onsetCount} onsets, ${(result.bytes / 1e6).toFixed(1)} MB)`,
      );
    } else {
      failed++;
      exitCode = Math.max(exitCode, fail(outcome.error));
    }
  };

  const jobs = Math.max(1, Math.min(Math.floor(options.jobs ?? 1), inputs.length));
  try {
    if (jobs === 1) {
      for (const [index, input] of inputs.entries()) {
        try {
          const result = await extractFeaturesFile(input, options.outDir, {
            ...(options.maxSeconds === undefined ? {} : { maxSeconds: options.maxSeconds }),
            onProgress: (fraction) => showProgress(index, fraction),
          });
          settle(index, { result });
        } catch (error) {
          settle(index, { error });
        }
      }
    } else {
      await runInWorkers(inputs, jobs, options, showProgress, settle);
    }
  } finally {
    progress.stop();
  }
  written.sort((a, b) => inputs.indexOf(a.input) - inputs.indexOf(b.input));
  return { written, failed, exitCode };
}

/** Messages from a feature worker (cli/commands/features-worker.ts). */
export type WorkerReply =
  | { readonly kind: 'progress'; readonly index: number; readonly fraction: number }
  | { readonly kind: 'done'; readonly index: number; readonly result: FeaturesFileResult }
  | { readonly kind: 'failed'; readonly index: number; readonly code: ErrorCode; readonly message: string };

/**
 * Starts one feature worker. In the CLI bundle (scripts/build-cli.ts) this file is dist/notescribe.cjs and the worker
 * is its sibling bundle dist/features-worker.cjs; from source (tsx, jest) it is features-worker.ts, loaded through
 * tsx's hooks, which a worker does not inherit. Absolute paths: an eval'd worker resolves bare `require`s from the
 * working directory, which may be anywhere.
 */
function startFeaturesWorker(workerData: { outDir: string; maxSeconds: number | null }): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(join(__dirname, 'features-worker.cjs'), { workerData });
  const workerFile = join(__dirname, 'features-worker.ts');
  const bootstrap = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(workerFile)});`;
  return new Worker(bootstrap, { eval: true, workerData });
}

async function runInWorkers(
  inputs: readonly string[],
  jobs: number,
  options: FeaturesRunOptions,
  showProgress: (index: number, fraction: number) => void,
  settle: (index: number, outcome: { result: FeaturesFileResult } | { error: unknown }) => void,
): Promise<void> {
  let next = 0;
  const workerData = { outDir: options.outDir, maxSeconds: options.maxSeconds ?? null };
  const runOne = (): Promise<void> =>
    new Promise((resolveWorker) => {
      const worker = startFeaturesWorker(workerData);
      let current = -1;
      const feed = (): void => {
        if (next >= inputs.length) {
          void worker.terminate();
          return;
        }
        current = next++;
        worker.postMessage({ index: current, input: inputs[current] });
      };
      worker.on('message', (reply: WorkerReply) => {
        if (reply.kind === 'progress') {
          showProgress(reply.index, reply.fraction);
          return;
        }
        if (reply.kind === 'done') settle(reply.index, { result: reply.result });
        else settle(reply.index, { error: new NotescribeError(reply.code, reply.message) });
        feed();
      });
      // A crashed worker fails the file it held; its exit then ends this lane and the other lanes carry on.
      worker.on('error', (error) => {
        if (current >= 0) settle(current, { error });
        current = -1;
      });
      worker.on('exit', () => resolveWorker());
      feed();
    });
  await Promise.all(Array.from({ length: jobs }, () => runOne()));
  // Inputs no worker lived to take (every worker failed to start) still get a failure each, never silence.
  for (; next < inputs.length; next++) {
    settle(next, { error: new NotescribeError('INTERNAL', `${inputs[next]}: no feature worker was left to analyse it`) });
  }
}

function parsePositive(name: string, integer: boolean) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0 || (integer && !Number.isInteger(number))) {
      throw new NotescribeError('INVALID_SETTINGS', `${name} must be a positive ${integer ? 'integer' : 'number'}, not "${value}"`);
    }
    return number;
  };
}

/** Registers `notescribe features`. */
export function registerFeaturesCommand(program: Command): void {
  program
    .command('features')
    .description(
      `Decode audio, compute the spectrogram and onsets, and write one feature file (<name>${FEATURE_FILE_EXTENSION}) ` +
        'per input for training (format: docs/features.md).',
    )
    .argument('<audio...>', 'audio files (WAV, MP3, FLAC, Ogg Vorbis/Opus), folders of them, or quoted patterns ("renders/*.wav")')
    .requiredOption('-o, --out <dir>', 'directory for the feature files (created if missing)')
    .option('-r, --recursive', 'look for audio inside sub-folders of folder arguments too')
    .option('-j, --jobs <n>', 'files to analyse at once, each in a worker thread', parsePositive('--jobs', true), 1)
    .option('--max-seconds <s>', 'refuse audio longer than this', parsePositive('--max-seconds', false))
    .option('--no-progress', 'never draw the progress bar')
    .action(async (args: string[], flags: { out: string; recursive?: boolean; jobs: number; maxSeconds?: number; progress: boolean }) => {
      const { inputs, problems, notes } = collectInputs(args, { recursive: flags.recursive === true });
      if (inputs.some((input) => input.path === STDIO_ARGUMENT)) {
        throw new NotescribeError('INVALID_SETTINGS', 'features reads files (it names each feature file after its input), not standard input');
      }
      const usage = problems.find((p) => p.code === 'INVALID_SETTINGS');
      if (usage !== undefined) throw usage;
      for (const note of notes) process.stderr.write(`notescribe: ${note}\n`);
      // Arguments that name nothing are reported first; the rest still run.
      const problemStatus = problems.map((problem) => reportFailure(problem));
      const summary =
        inputs.length === 0
          ? { failed: 0, exitCode: 0 }
          : await runFeatures(
              inputs.map((input) => input.path),
              {
                outDir: flags.out,
                jobs: flags.jobs,
                progress: flags.progress,
                ...(flags.maxSeconds === undefined ? {} : { maxSeconds: flags.maxSeconds }),
              },
            );
      const failed = summary.failed + problems.length;
      if (failed > 0 && inputs.length + problems.length > 1) {
        process.stderr.write(`notescribe: ${failed} of ${inputs.length + problems.length} inputs failed\n`);
      }
      process.exitCode = Math.max(summary.exitCode, ...problemStatus);
    });
}
