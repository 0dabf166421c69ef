import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The package root (the folder with notescribe's package.json), found upwards from this file so it works from any cwd. */
export function packageRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    if (readManifest(dir)?.name === 'notescribe') return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(from, '..');
    dir = parent;
  }
}

/** notescribe's version, from its package.json (the one place it is declared). */
export function packageVersion(): string {
  const version = readManifest(packageRoot())?.version;
  return typeof version === 'string' ? version : 'unknown';
}

function readManifest(dir: string): { name?: unknown; version?: unknown } | undefined {
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return undefined;
  try {
    return JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    // An unreadable package.json is not ours; the caller keeps looking upwards.
    return undefined;
  }
}
