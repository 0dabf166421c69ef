import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { NotescribeError } from '../../core/errors';
import type { EvalNote } from '../../core/metrics';
import type { ExecutionProvider } from '../../core/model';
import { parseScoreHints } from '../../core/notation/hints';
import { DEFAULT_OUTPUT_FORMATS, OUTPUT_FORMATS, parseOutputFormats } from '../../core/output-formats';

/** The parsed options of `notescribe transcribe` (commander's camelCase names). */
interface TranscribeFlags {
  readonly out: string;
  readonly formats: string;
  readonly recursive?: boolean;
  readonly batchSize: number;
  readonly model?: string;
  readonly providers: ExecutionProvider[];
  readonly progress: boolean;
  readonly render: boolean;
  readonly quiet?: boolean;
  readonly json?: boolean;
  readonly title?: string;
  readonly composer?: string;
  readonly tempo?: string;
  readonly timeSignature?: string;
  readonly key?: string;
  readonly reference?: string;
  readonly onsetThreshold?: number;
  readonly minimumNoteLength?: number;
  readonly minimumFrequency?: number;
  readonly maximumFrequency?: number;
}

/**
 * How help names the default model. Not the path itself: finding it means loading cli/model-location, and with it
 * the model runtime, which `--help` should not pay for.
 */
export const DEFAULT_MODEL_HELP = "the package's trained model in models/";

/**
 * `notescribe transcribe <audio...>`: audio files in, notation files out. Option names follow Basic Pitch's CLI
 * where it has one (`--onset-threshold`, `--minimum-note-length` in ms, `--minimum-frequency`/`--maximum-frequency`
 * in Hz). The batch itself (cli/transcribe-batch.ts) and the engine load when the command runs.
 */
export function registerTranscribeCommand(program: Command): void {
  program
    .command('transcribe')
    .description('Transcribe audio (WAV, MP3, FLAC, Ogg Vorbis, Opus) to MusicXML, MIDI and more.')
    .argument('<audio...>', 'audio files, folders of audio files, quoted patterns ("takes/*.wav"), or - for standard input')
    .option('-o, --out <dir>', 'output folder, or - to write the one output to standard output', 'out')
    .option('--formats <list>', `comma-separated, from ${OUTPUT_FORMATS.join(',')}`, DEFAULT_OUTPUT_FORMATS.join(','))
    .option('-r, --recursive', 'look for audio inside sub-folders of folder arguments too')
    .option('--title <text>', 'title written into the score (default: the file name)')
    .option('--composer <text>', 'composer written into the score')
    .option('--tempo <bpm>', 'the tempo, quarter notes per minute: the beat tracker looks for the beat near it')
    .option('--time-signature <sig>', 'the time signature (3/4, 6/8, C, ¢) instead of the estimated one')
    .option('--key <key>', 'the key ("Eb major", "f# minor", "A") instead of the estimated one')
    .option('--reference <notes.txt>', 'with png: the true notes (onset offset Hz per line) to draw hits, misses and false notes against')
    .option('--onset-threshold <p>', "onset probability (0-1) at or above which a key becomes a note (default: the model card's)", fraction('--onset-threshold'))
    .option('--minimum-note-length <ms>', 'drop notes shorter than this many milliseconds', positive('--minimum-note-length'))
    .option('--minimum-frequency <hz>', 'drop notes whose fundamental is below this (e.g. 65.4 for C2)', positive('--minimum-frequency'))
    .option('--maximum-frequency <hz>', 'drop notes whose fundamental is above this (e.g. 2093 for C7)', positive('--maximum-frequency'))
    .option('--no-render', 'with png, do not also render the score pages with MuseScore (the slow step)')
    .option('-q, --quiet', 'print only warnings and errors')
    .option('--json', 'print one JSON record per input on stdout (other lines go to stderr)')
    .option('--no-progress', 'do not draw a progress bar')
    .option('--batch-size <n>', 'windows per model call', positiveInteger('--batch-size'), 64)
    .option('--model <path>', `ONNX model (its card is <path without .onnx>.card.json) (default: ${DEFAULT_MODEL_HELP})`)
    .addOption(
      new Option('--providers <list>', 'onnxruntime execution providers to try, in order (cuda,cpu)').default(['cpu'], 'cpu').argParser(parseProviders),
    )
    .action(async (audio: string[], flags: TranscribeFlags) => {
      const formats = parseOutputFormats(flags.formats);
      // Checked here, before any work: a typing error in a hint is a usage error for the whole batch.
      const hints = parseScoreHints({
        ...(flags.composer === undefined ? {} : { composer: flags.composer }),
        ...(flags.tempo === undefined ? {} : { tempo: flags.tempo }),
        ...(flags.timeSignature === undefined ? {} : { timeSignature: flags.timeSignature }),
        ...(flags.key === undefined ? {} : { key: flags.key }),
      });
      const { minimumFrequency, maximumFrequency } = flags;
      if (minimumFrequency !== undefined && maximumFrequency !== undefined && minimumFrequency > maximumFrequency) {
        throw new NotescribeError('INVALID_SETTINGS', `--minimum-frequency ${minimumFrequency} is above --maximum-frequency ${maximumFrequency}`);
      }
      const { runTranscribeBatch } = await import('../transcribe-batch');
      const reference = flags.reference === undefined ? undefined : await readReference(flags.reference);
      process.exitCode = await runTranscribeBatch(audio, {
        outDir: flags.out,
        formats,
        recursive: flags.recursive === true,
        ...(flags.model === undefined ? {} : { modelPath: flags.model }),
        providers: flags.providers,
        batchSize: flags.batchSize,
        progress: flags.progress,
        render: flags.render,
        quiet: flags.quiet === true,
        json: flags.json === true,
        ...(flags.title === undefined ? {} : { title: flags.title }),
        ...(Object.keys(hints).length === 0 ? {} : { hints }),
        ...(reference === undefined ? {} : { reference }),
        ...(flags.onsetThreshold === undefined ? {} : { onsetThreshold: flags.onsetThreshold }),
        ...(flags.minimumNoteLength === undefined ? {} : { minimumNoteSeconds: flags.minimumNoteLength / 1000 }),
        ...(minimumFrequency === undefined ? {} : { minimumFrequencyHz: minimumFrequency }),
        ...(maximumFrequency === undefined ? {} : { maximumFrequencyHz: maximumFrequency }),
      });
    });
}

/** Reads a mir_eval note list (`onset offset frequency_hz` per line) for the picture's reference overlay. */
async function readReference(path: string): Promise<EvalNote[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new NotescribeError('INPUT_NOT_FOUND', `Cannot read the reference ${path}: ${(cause as Error).message}`, { cause, context: { path } });
  }
  const { parseNoteList } = await import('../../core/metrics');
  return parseNoteList(text, path);
}

/** An option parser for a number in [0, 1]. */
export function fraction(name: string): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new NotescribeError('INVALID_SETTINGS', `${name} takes a probability from 0 to 1, not "${text}"`);
    }
    return value;
  };
}

/** An option parser for a finite number above 0. */
export function positive(name: string): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
      throw new NotescribeError('INVALID_SETTINGS', `${name} takes a number above 0, not "${text}"`);
    }
    return value;
  };
}

function positiveInteger(name: string): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new NotescribeError('INVALID_SETTINGS', `${name} must be a positive integer, got "${text}"`);
    return value;
  };
}

function parseProviders(text: string): ExecutionProvider[] {
  const names = text.split(',').map((s) => s.trim().toLowerCase());
  const bad = names.filter((n) => n !== 'cuda' && n !== 'cpu');
  if (bad.length > 0) throw new NotescribeError('INVALID_SETTINGS', `--providers takes cuda and/or cpu, got ${bad.join(', ')}`);
  return names as ExecutionProvider[];
}
