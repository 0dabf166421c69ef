/**
 * A progress bar for long CLI commands, over cli-progress. It draws on stderr, so stdout stays clean for what a
 * command prints (paths written, results), and it draws nothing at all when stderr is not a terminal (CI logs,
 * pipes, the training pipeline calling the CLI on hundreds of files).
 */
import { SingleBar } from 'cli-progress';

export interface ProgressOptions {
  /** Units of work in all (files, seconds of audio, …). */
  readonly total: number;
  /** Shown before the bar. @default '' */
  readonly label?: string;
  /** Where the bar is drawn. @default process.stderr */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Where `log` lines go. @default process.stdout */
  readonly logStream?: NodeJS.WritableStream;
  /** Force the bar on or off. @default whether `stream` is a terminal */
  readonly enabled?: boolean;
}

/** A running progress bar. All methods are safe to call when the bar is disabled (they then only log). */
export interface Progress {
  /** Whether a bar is being drawn. */
  readonly drawing: boolean;
  /** Sets the work done (0 … total; fractions allowed) and an optional short status (e.g. the file in hand). */
  update(done: number, status?: string): void;
  /** Prints a line to the log stream without tearing the bar: the bar is cleared, the line written, the bar redrawn. */
  log(line: string): void;
  /** Removes the bar. Call it in a `finally`. */
  stop(): void;
}

/**
 * Starts a progress bar.
 *
 * @example
 *   const progress = startProgress({ total: files.length, label: 'features' });
 *   try {
 *     for (const [i, file] of files.entries()) { await work(file); progress.update(i + 1, file); progress.log(`wrote ${file}`); }
 *   } finally { progress.stop(); }
 */
export function startProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const logStream = options.logStream ?? process.stdout;
  const enabled = options.enabled ?? stream.isTTY === true;
  const writeLine = (line: string): void => {
    logStream.write(`${line}\n`);
  };
  if (!enabled) {
    return { drawing: false, update: () => undefined, log: writeLine, stop: () => undefined };
  }
  const label = options.label === undefined || options.label === '' ? '' : `${options.label} `;
  const bar = new SingleBar({
    stream: stream as NodeJS.WriteStream,
    format: `${label}[{bar}] {percentage}% | {done}/{total} | ETA {eta_formatted} | {status}`,
    hideCursor: true,
    clearOnComplete: true,
    // Forced on: the caller decided (or `stream` is a terminal), cli-progress need not check again.
    noTTYOutput: true,
    etaBuffer: 50,
  });
  const total = Math.max(0, options.total);
  let done = 0;
  let status = '';
  const payload = (): object => ({ done: formatCount(done), status });
  bar.start(total, 0, payload());
  let stopped = false;
  return {
    get drawing() {
      return !stopped;
    },
    update(value: number, newStatus?: string) {
      if (stopped) return;
      done = Math.min(total, Math.max(0, value));
      if (newStatus !== undefined) status = newStatus;
      bar.update(done, payload());
    },
    log(line: string) {
      if (stopped) {
        writeLine(line);
        return;
      }
      stream.write('\r\x1b[2K');
      writeLine(line);
      bar.render();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

function formatCount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
