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

/** Runs the CLI on `argv` (as in process.argv) and sets the exit code; never throws. */
export async function runCli(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error: unknown) {
    process.exitCode = reportFailure(error);
  }
}

if (require.main === module) void runCli();

