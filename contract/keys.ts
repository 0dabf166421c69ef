import { createHash } from 'node:crypto';
import type { OutputFormat } from '../core/output-formats';

/** The S3 layout of the pipeline. Prefixes end with '/'. */
export interface KeyLayout {
  readonly uploadsPrefix: string;
  readonly featuresPrefix: string;
  readonly resultsPrefix: string;
  readonly statusPrefix: string;
}

export const DEFAULT_KEY_LAYOUT: KeyLayout = {
  uploadsPrefix: 'uploads/',
  featuresPrefix: 'features/',
  resultsPrefix: 'results/',
  statusPrefix: 'status/',
};

/**
 * The job id of one version of one upload: sha256 of `bucket/key@etag`, 32 hex digits. The same object announced
 * twice gets the same id; an overwrite with new content gets a new one.
 */
export function jobIdFor(bucket: string, key: string, etag: string): string {
  return createHash('sha256').update(`${bucket}/${key}@${stripEtagQuotes(etag)}`).digest('hex').slice(0, 32);
}

export function stripEtagQuotes(etag: string): string {
  return etag.replace(/^"+|"+$/g, '');
}

/** The upload key relative to the uploads prefix (the key itself if it is outside it). */
export function relativeUploadKey(layout: KeyLayout, uploadKey: string): string {
  return uploadKey.startsWith(layout.uploadsPrefix) ? uploadKey.slice(layout.uploadsPrefix.length) : uploadKey;
}

/** S3's limit on a key, in UTF-8 bytes. */
export const S3_MAX_KEY_BYTES = 1024;

/** Hex digits of sha256 that stand in for the cut tail of a key too long to copy whole. */
const LONG_KEY_HASH_DIGITS = 16;

/**
 * The upload's relative path as a safe part of a derived key: `.` and `..` segments are percent-encoded (`%2E`,
 * `%2E%2E`), so `uploads/../x.wav` gets its status at `status/%2E%2E/x.wav.json` and its results under
 * `results/%2E%2E/…`, never beside them in `results/../`, where any client or tool that normalises paths would put
 * them; `%` itself is encoded first, so two different uploads never share a derived key.
 */
export function safeRelativePath(relative: string): string {
  return relative
    .replace(/%/g, '%25')
    .split('/')
    .map((segment) => (segment === '..' ? '%2E%2E' : segment === '.' ? '%2E' : segment))
    .join('/');
}

const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * `prefix + path + suffix`, with `path` cut to keep the whole within S3's 1,024 bytes: an upload key near the limit
 * becomes status and results keys that are longer still (`status/` is shorter than `uploads/`, but `.json`,
 * `/<jobId>/score.notes.json` are added). A cut path ends with `~` and a hash of the whole path, so distinct long
 * uploads keep distinct keys, and the same upload always maps to the same key (the CLI finds its status record).
 */
export function fitKey(prefix: string, path: string, suffix: string): string {
  const whole = `${prefix}${path}${suffix}`;
  if (utf8Length(whole) <= S3_MAX_KEY_BYTES) return whole;
  const tail = `~${createHash('sha256').update(path).digest('hex').slice(0, LONG_KEY_HASH_DIGITS)}`;
  const room = S3_MAX_KEY_BYTES - utf8Length(prefix + tail + suffix);
  let cut = '';
  // whole code points only, so the cut never splits a UTF-8 sequence
  for (const char of path) {
    if (utf8Length(cut + char) > room) break;
    cut += char;
  }
  return `${prefix}${cut}${tail}${suffix}`;
}

/** Key of the status record of an upload; accepts the key with or without the uploads prefix. */
export function statusKeyFor(layout: KeyLayout, uploadKey: string): string {
  return fitKey(layout.statusPrefix, safeRelativePath(relativeUploadKey(layout, uploadKey)), '.json');
}

/** The longest file name a job writes under its results prefix (an output or the error record). */
function longestResultFileName(): string {
  return [...Object.values(OUTPUT_FILE_NAMES), ERROR_RECORD_FILE_NAME].reduce((a, b) => (utf8Length(b) > utf8Length(a) ? b : a));
}

/** Prefix under which one job's outputs and error record go: `results/<upload>/<jobId>/`, within S3's key limit. */
export function resultsPrefixFor(layout: KeyLayout, uploadKey: string, jobId: string): string {
  const path = safeRelativePath(relativeUploadKey(layout, uploadKey));
  const longest = longestResultFileName();
  return fitKey(layout.resultsPrefix, path, `/${jobId}/${longest}`).slice(0, -longest.length);
}

export function featuresKeyFor(layout: KeyLayout, jobId: string): string {
  return `${layout.featuresPrefix}${jobId}.nsf`;
}

/**
 * File names of a job's outputs. Typed against core's format list (core/output-formats.ts imports nothing of the
 * engine) so that a new format fails the type-check until it is named here.
 */
export const OUTPUT_FILE_NAMES: Readonly<Record<OutputFormat, string>> = {
  musicxml: 'score.musicxml',
  mxl: 'score.mxl',
  midi: 'score.mid',
  json: 'score.notes.json',
  notes: 'score.notes.txt',
  png: 'score.png',
};

/** Key of one output of a job: `<results prefix><file name>`. */
export function outputKeyFor(resultsPrefix: string, format: OutputFormat): string {
  return `${resultsPrefix}${OUTPUT_FILE_NAMES[format]}`;
}

export const ERROR_RECORD_FILE_NAME = 'error.json';

/** Title of a score from its upload key: the file name without extension. */
export function titleFromKey(uploadKey: string): string {
  const name = uploadKey.slice(uploadKey.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/**
 * The keys an S3 event's `object.key` may stand for, most likely first. S3 sends keys URL-encoded with '+' for
 * spaces; moto does the same (quote_plus); some emulators send them raw. Decoding a raw key that contains '+' or '%'
 * would corrupt it, so the caller tries each candidate until one exists.
 */
export function s3EventKeyCandidates(eventKey: string): string[] {
  const candidates: string[] = [];
  try {
    candidates.push(decodeURIComponent(eventKey.replace(/\+/g, ' ')));
  } catch {
    // not valid percent-encoding: the key can only be raw
  }
  if (!candidates.includes(eventKey)) candidates.push(eventKey);
  return candidates;
}
