import { createHash } from 'node:crypto';
import type { OutputFormat } from '../core/transcribe';

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

/** Key of the status record of an upload; accepts the key with or without the uploads prefix. */
export function statusKeyFor(layout: KeyLayout, uploadKey: string): string {
  return `${layout.statusPrefix}${relativeUploadKey(layout, uploadKey)}.json`;
}

/** Prefix under which one job's outputs and error record go: `results/<upload>/<jobId>/`. */
export function resultsPrefixFor(layout: KeyLayout, uploadKey: string, jobId: string): string {
  return `${layout.resultsPrefix}${relativeUploadKey(layout, uploadKey)}/${jobId}/`;
}

export function featuresKeyFor(layout: KeyLayout, jobId: string): string {
  return `${layout.featuresPrefix}${jobId}.nsf`;
}

/**
 * File names of a job's outputs. Typed against core's format list (a type-only import, so the contract does not load
 * the engine) so that a new format fails the type-check until it is named here.
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
