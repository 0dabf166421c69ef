/**
 * What a batch command's arguments name: files, folders (their audio files, recursively with --recursive), glob
 * patterns the shell left alone (quoted, or on Windows), and `-` for standard input. Every argument is checked
 * before any work starts; the ones that name nothing become problems, reported together while the rest go on.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { NotescribeError } from '../core/errors';

/** File extensions a folder is searched for (any file named directly is tried: the decoder sniffs the bytes). */
export const AUDIO_EXTENSIONS: readonly string[] = ['.wav', '.wave', '.mp3', '.flac', '.ogg', '.oga', '.opus'];

/** The argument that means standard input (and, for `-o`, standard output). */
export const STDIO_ARGUMENT = '-';

/** One input of a batch. */
export interface BatchInput {
  /** What to read: a file path, or STDIO_ARGUMENT. */
  readonly path: string;
  /** How messages name it: the path as given (or as found under its folder), or "standard input". */
  readonly label: string;
  /** Output file stem, without folder or suffix: the file name without its extension ("stdin" for `-`). */
  readonly stem: string;
  /** Sub-folder of the output folder its files go into: its folder relative to the folder argument it came from. */
  readonly subfolder: string;
}

export interface CollectedInputs {
  readonly inputs: readonly BatchInput[];
  /** One INPUT_NOT_FOUND (or INVALID_SETTINGS, for a second `-`) per argument that names nothing usable. */
  readonly problems: readonly NotescribeError[];
  /** What a user may not expect: sub-folders left out without --recursive. */
  readonly notes: readonly string[];
}

/**
 * Expands command-line arguments into inputs. A folder contributes its audio files (AUDIO_EXTENSIONS), sorted, with
 * sub-folders only when `recursive`; a pattern (`"takes/*.wav"`) the files it matches. The same file named twice is
 * taken once.
 */
export function collectInputs(args: readonly string[], options: { recursive?: boolean } = {}): CollectedInputs {
  const inputs: BatchInput[] = [];
  const problems: NotescribeError[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  const add = (input: BatchInput): void => {
    const key = input.path === STDIO_ARGUMENT ? STDIO_ARGUMENT : resolve(input.path);
    if (seen.has(key)) return;
    seen.add(key);
    inputs.push(input);
  };
  for (const arg of args) {
    if (arg === STDIO_ARGUMENT) {
      if (seen.has(STDIO_ARGUMENT)) {
        problems.push(new NotescribeError('INVALID_SETTINGS', 'standard input (-) can be read only once'));
        continue;
      }
      add({ path: STDIO_ARGUMENT, label: 'standard input', stem: 'stdin', subfolder: '' });
      continue;
    }
    const stats = statIfPresent(arg);
    if (stats?.isDirectory()) {
      const found = audioFilesIn(arg, options.recursive === true);
      if (found.files.length === 0) {
        problems.push(
          new NotescribeError(
            'INPUT_NOT_FOUND',
            `no audio files (${AUDIO_EXTENSIONS.join(', ')}) in the folder ${arg}` +
              (found.skippedFolders > 0 && options.recursive !== true ? `; it has ${found.skippedFolders} sub-folder(s): pass --recursive to look inside` : ''),
            { context: { path: arg } },
          ),
        );
      }
      if (found.files.length > 0 && found.skippedFolders > 0) {
        notes.push(`${arg}: ${found.skippedFolders} sub-folder(s) not searched; pass --recursive to include them`);
      }
      for (const file of found.files) add(fileInput(join(arg, file), join(arg, file), dirnameOf(file)));
    } else if (stats !== undefined) {
      add(fileInput(arg, arg, ''));
    } else if (isDynamicPattern(arg)) {
      const matches = globSync(arg, { onlyFiles: true, expandDirectories: false }).sort();
      if (matches.length === 0) {
        problems.push(new NotescribeError('INPUT_NOT_FOUND', `no files match ${arg}`, { context: { pattern: arg } }));
      }
      for (const match of matches) add(fileInput(match, match, ''));
    } else {
      problems.push(new NotescribeError('INPUT_NOT_FOUND', `No such file: ${arg}`, { context: { path: arg } }));
    }
  }
  return { inputs, problems, notes };
}

function fileInput(path: string, label: string, subfolder: string): BatchInput {
  return { path, label, stem: basename(path, extname(path)), subfolder };
}

function dirnameOf(relativePath: string): string {
  const parts = relativePath.split(/[\\/]/);
  return parts.slice(0, -1).join('/');
}

/** Audio files under `dir`, as paths relative to it, sorted; and how many sub-folders were not entered. */
function audioFilesIn(dir: string, recursive: boolean): { files: string[]; skippedFolders: number } {
  const files: string[] = [];
  let skippedFolders = 0;
  const walk = (relativeDir: string): void => {
    const entries = readdirSync(join(dir, relativeDir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
      const isFolder = entry.isDirectory() || (entry.isSymbolicLink() && statIfPresent(join(dir, path))?.isDirectory() === true);
      if (isFolder) {
        if (recursive) walk(path);
        else skippedFolders++;
      } else if (AUDIO_EXTENSIONS.includes(extname(entry.name).toLowerCase())) {
        files.push(path);
      }
    }
  };
  walk('');
  return { files, skippedFolders };
}

function statIfPresent(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
