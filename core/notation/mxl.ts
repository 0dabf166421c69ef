/** Compressed MusicXML (.mxl): a zip container per the MusicXML 4.0 specification, written with fflate. */
import { strToU8, zipSync } from 'fflate';
import { create } from 'xmlbuilder2';
import type { Score } from './model';
import { toMusicXml } from './musicxml';

/** Media type stored, uncompressed and first, in the `mimetype` entry so tools can sniff the container. */
export const MXL_MIMETYPE = 'application/vnd.recordare.musicxml';
/** Name of the score inside the container. */
export const MXL_ROOT_FILE = 'score.musicxml';

/** The META-INF/container.xml that points at the root score. */
export function mxlContainerXml(): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('container');
  root.ele('rootfiles').ele('rootfile', { 'full-path': MXL_ROOT_FILE, 'media-type': 'application/vnd.recordare.musicxml+xml' });
  return root.end({ prettyPrint: true });
}

/**
 * Writes a score as .mxl bytes: `mimetype` (stored), `META-INF/container.xml` and `score.musicxml` (deflated).
 * Entry times are fixed so the same score always gives the same bytes.
 */
export function toMxl(score: Score): Uint8Array {
  // A fixed date (the DOS epoch fflate accepts) keeps output deterministic.
  const mtime = new Date(Date.UTC(1980, 0, 2));
  return zipSync(
    {
      mimetype: [strToU8(MXL_MIMETYPE), { level: 0 }],
      'META-INF/container.xml': [strToU8(mxlContainerXml()), { level: 6 }],
      [MXL_ROOT_FILE]: [strToU8(toMusicXml(score)), { level: 6 }],
    },
    { mtime },
  );
}
