import { Command } from 'commander';
import { registerDemoCommand } from './commands/demo';
import { registerFeaturesCommand } from './commands/features';
import { registerStatusCommand } from './commands/status';
import { registerTranscribeCommand } from './commands/transcribe';
import { reportFailure } from './report';

/** The `notescribe` command line: a thin adapter over the core engine. */
export function buildProgram(): Command {
  const program = new Command()
    .name('notescribe')
    .description('Polyphonic music transcription: audio in, MusicXML and MIDI out.')
    .showHelpAfterError();
  registerTranscribeCommand(program);
  registerFeaturesCommand(program);
  registerStatusCommand(program);
  registerDemoCommand(program);
  return program;
}

if (require.main === module || process.argv[1]?.endsWith('notescribe.cjs')) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      process.exitCode = reportFailure(error);
    });
}
