import { Command, CommanderError } from 'commander';
import { registerDemoCommand } from './commands/demo';
import { registerFeaturesCommand } from './commands/features';
import { registerStatusCommand } from './commands/status';
import { registerTranscribeCommand } from './commands/transcribe';
import { EXIT_STATUS } from './exit-codes';
import { packageVersion } from './package-info';
import { reportFailure } from './report';

/**
 * The `notescribe` command line: a thin adapter over the core engine. Commands load the engine only when they run
 * (dynamic imports, kept lazy in the esbuild bundle), so `--help` and `--version` start in plain node's time.
 */
export function buildProgram(): Command {
  const program = new Command()
    .name('notescribe')
    .description('Polyphonic music transcription: audio in, MusicXML and MIDI out.')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError()
    // Commander would call process.exit; throwing instead lets runCli set the documented status (EX_USAGE).
    // Subcommands registered after this inherit it.
    .exitOverride();
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
    if (error instanceof CommanderError) {
      // Commander has printed its message (or the help, or the version) already.
      process.exitCode = error.exitCode === 0 ? EXIT_STATUS.ok : EXIT_STATUS.usage;
      return;
    }
    process.exitCode = reportFailure(error);
  }
}

if (require.main === module) void runCli();
