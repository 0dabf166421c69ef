/**
 * The output formats: names, file suffixes, media types. Imports nothing from the engine (only its error class), so
 * the pipeline's contract and configuration can name formats without loading the orchestrator.
 */
import { NotescribeError } from './errors';

/** Every output the engine can write. */
export const OUTPUT_FORMATS = ['musicxml', 'mxl', 'midi', 'json', 'notes', 'png'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** File name suffix (with its dot) for each format, e.g. `piece` + `.musicxml`. */
export const OUTPUT_FILE_SUFFIX: Readonly<Record<OutputFormat, string>> = {
  musicxml: '.musicxml',
  mxl: '.mxl',
  midi: '.mid',
  json: '.notes.json',
  notes: '.notes.txt',
  png: '.png',
};

/** Media type of each format, for uploads and HTTP responses. */
export const OUTPUT_MEDIA_TYPE: Readonly<Record<OutputFormat, string>> = {
  musicxml: 'application/vnd.recordare.musicxml+xml',
  mxl: 'application/vnd.recordare.musicxml',
  midi: 'audio/midi',
  json: 'application/json',
  notes: 'text/plain; charset=utf-8',
  png: 'image/png',
};

/** What `transcribe` and `renderOutputs` write when no formats are given. */
export const DEFAULT_OUTPUT_FORMATS: readonly OutputFormat[] = ['musicxml', 'midi'];

/**
 * Parses a comma-separated format list (`"musicxml,midi"`), refusing unknown names with every one listed.
 * @throws NotescribeError `INVALID_SETTINGS`
 */
export function parseOutputFormats(text: string): OutputFormat[] {
  const names = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  const unknown = names.filter((n) => !(OUTPUT_FORMATS as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) {
    throw new NotescribeError(
      'INVALID_SETTINGS',
      `Unknown output format${unknown.length === 1 ? '' : 's'} ${unknown.map((u) => `"${u}"`).join(', ') || '(none given)'}; ` +
        `choose from ${OUTPUT_FORMATS.join(', ')}`,
      { context: { unknown, allowed: OUTPUT_FORMATS } },
    );
  }
  return [...new Set(names as OutputFormat[])];
}
