import type { Command } from 'commander';

/** Placeholder until the features command lands. */
export function registerFeaturesCommand(program: Command): void {
  program.command('features').description('(not implemented yet)').action(() => {
    throw new Error('features: not implemented yet');
  });
}
