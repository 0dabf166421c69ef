/**
 * Where CLI commands write: an output folder checked (and created) before any work starts, and files written whole
 * (a temporary name, then a rename) so a reader never sees half a file. Every way this can fail becomes
 * OUTPUT_NOT_WRITABLE naming the path and the reason, instead of an INTERNAL error with a raw errno.
 */
import { accessSync, constants, mkdirSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NotescribeError } from '../core/errors';

/**
 * Makes sure `dir` is a folder this process can write into, creating it and any missing parents.
 *
 * Parents are created one at a time rather than with `mkdirSync(dir, { recursive: true })`: on Node 20 that call
 * never returns for a path under /proc (it retries ENOENT forever), and `-o /proc/x` hung the CLI.
 *
 * @throws NotescribeError `OUTPUT_NOT_WRITABLE`
 */
export function ensureOutputDir(dir: string): void {
  const target = resolve(dir);
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    const stats = statIfPresent(existing);
    if (stats !== undefined) {
      if (!stats.isDirectory()) {
        throw outputError(
          existing === target
            ? `${dir} is a file, not a folder (-o names the folder the outputs go into)`
            : `cannot create the output folder ${dir}: ${existing} is a file, not a folder`,
          existing,
        );
      }
      break;
    }
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (cause) {
      // Another process (a parallel batch) made it first: that is what we wanted.
      if (errnoOf(cause) === 'EEXIST' && statIfPresent(folder)?.isDirectory() === true) continue;
      throw outputError(`cannot create the output folder ${folder}: ${explain(cause, dirname(folder))}`, folder, cause);
    }
  }
  try {
    accessSync(target, constants.W_OK);
  } catch (cause) {
    throw outputError(`the output folder ${dir} is not writable: ${explain(cause, target)}`, target, cause);
  }
}

/**
 * Writes `bytes` to `path` whole: into `<path>.partial-<pid>-<random>` first, then renamed over `path`.
 * @throws NotescribeError `OUTPUT_NOT_WRITABLE`
 */
export function writeOutputFile(path: string, bytes: Uint8Array | string): void {
  const partial = `${path}.partial-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, path);
  } catch (cause) {
    rmSync(partial, { force: true });
    throw outputError(`cannot write ${path}: ${explain(cause, dirname(path))}`, path, cause);
  }
}

function outputError(message: string, path: string, cause?: unknown): NotescribeError {
  return new NotescribeError('OUTPUT_NOT_WRITABLE', message, {
    ...(cause === undefined ? {} : { cause }),
    context: { path, ...(errnoOf(cause) === undefined ? {} : { errno: errnoOf(cause) }) },
  });
}

/** A file-system error in words a user can act on. */
function explain(cause: unknown, where: string): string {
  switch (errnoOf(cause)) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied in ${where}`;
    case 'EROFS':
      return `${where} is on a read-only file system`;
    case 'ENOSPC':
      return 'the disk is full';
    case 'EDQUOT':
      return 'the disk quota is used up';
    case 'ENOTDIR':
      return `part of ${where} is a file, not a folder`;
    case 'EISDIR':
      return 'a folder of that name is in the way';
    case 'ENOENT':
      // The parent exists (ensureOutputDir checked), yet the file system will not create anything in it: /proc, /sys.
      return `${where} does not accept new files or folders (a virtual file system such as /proc?)`;
    default:
      return cause instanceof Error ? cause.message : String(cause);
  }
}

function errnoOf(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function statIfPresent(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    // Missing, or a parent is a file (ENOTDIR): either way the caller looks one level up.
    return undefined;
  }
}
