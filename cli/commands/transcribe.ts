import type { Command } from 'commander';

/** Placeholder until the transcribe command lands. */
export function registerTranscribeCommand(program: Command): void {
  program.command('transcribe').description('(not implemented yet)').action(() => {
    throw new Error('transcribe: not implemented yet');
  });
}
