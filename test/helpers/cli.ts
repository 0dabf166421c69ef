import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { buildCli } from '../../scripts/build-cli';

/** The repository root, where `cli/main.ts` lives. */
export const REPO_ROOT = resolve(__dirname, '../..');

/** What `npx notescribe` runs: the package's bin, which loads the bundle in dist/. */
export const BIN = join(REPO_ROOT, 'bin', 'notescribe.cjs');

let built = false;

/**
 * Builds dist/ from the current sources, once per test file, so the bin under test is never older than the code
 * (the build writes each bundle under a temporary name and renames it, so parallel test files cannot see half one).
 */
export function ensureBuiltCli(): void {
  if (built) return;
  buildCli();
  built = true;
}

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `notescribe ARGS` through the real bin in a child process, without debug stacks. */
export function runNotescribe(
  args: readonly string[],
  options: { input?: Uint8Array; cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): CliRun {
  ensureBuiltCli();
  const run = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NOTESCRIBE_DEBUG: '', ...options.env },
    ...(options.input === undefined ? { stdio: ['ignore', 'pipe', 'pipe'] } : { input: options.input }),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
