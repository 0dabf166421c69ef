import type { Command } from 'commander';

/** Placeholder until the status command lands. */
export function registerStatusCommand(program: Command): void {
  program.command('status').description('(not implemented yet)').action(() => {
    throw new Error('status: not implemented yet');
  });
}
