import type { Command } from 'commander';

/** Placeholder until the demo command lands. */
export function registerDemoCommand(program: Command): void {
  program.command('demo').description('(not implemented yet)').action(() => {
    throw new Error('demo: not implemented yet');
  });
}
