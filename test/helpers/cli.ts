import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

/** The repository root, where `cli/main.ts` lives. */
export const REPO_ROOT = resolve(__dirname, '../..');

/** Runs `notescribe ARGS` (cli/main.ts through tsx) in a child process, without debug stacks. */
export function runNotescribe(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), join(REPO_ROOT, 'cli/main.ts'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NOTESCRIBE_DEBUG: '' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
