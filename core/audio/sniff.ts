import { startsWith } from './bytes';
import { AudioError } from './errors';
import { looksLikeFlac } from './flac';
import { id3v2Length, readMpegFrameHeader } from './mpeg';

/** A container recognised from its first bytes; `offset` is where its own data starts (after any ID3v2 tags). */
export type Sniffed =
  | { readonly container: 'wav' }
  | { readonly container: 'ogg' }
  | { readonly container: 'flac'; readonly offset: number }
  | { readonly container: 'mp3'; readonly offset: number };

/** Formats we recognise but do not decode, named in the error so the user knows what to convert from. */
const KNOWN_UNSUPPORTED: readonly { readonly name: string; readonly test: (b: Uint8Array) => boolean }[] = [
  { name: 'MP4/M4A/AAC', test: (b) => startsWith(b, 4, 'ftyp') },
  { name: 'AAC (ADTS)', test: (b) => b[0] === 0xff && ((b[1] ?? 0) & 0xf6) === 0xf0 },
  { name: 'AIFF', test: (b) => startsWith(b, 0, 'FORM') },
  { name: 'RF64 / big-endian RIFX WAV', test: (b) => startsWith(b, 0, 'RF64') || startsWith(b, 0, 'RIFX') },
  { name: 'RIFF but not WAVE (AVI, WebP, …)', test: (b) => startsWith(b, 0, 'RIFF') },
  { name: 'Core Audio (CAF)', test: (b) => startsWith(b, 0, 'caff') },
  { name: 'Matroska/WebM', test: (b) => b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3 },
  { name: 'MIDI (already notes, not audio)', test: (b) => startsWith(b, 0, 'MThd') },
];

/**
 * Recognises the container from magic numbers, never from a file name. An ID3v2 tag (which MP3s and some FLACs
 * carry) is skipped and the bytes after it sniffed. A non-empty file nothing matches is UNSUPPORTED_FORMAT.
 */
export function sniffContainer(bytes: Uint8Array): Sniffed {
  if (startsWith(bytes, 0, 'RIFF') && (bytes.length < 12 || startsWith(bytes, 8, 'WAVE'))) return { container: 'wav' };
  if (startsWith(bytes, 0, 'OggS')) return { container: 'ogg' };
  let offset = 0;
  for (let tag = id3v2Length(bytes, 0); tag > 0; tag = id3v2Length(bytes, offset)) offset += tag;
  if (offset > 0) {
    // Some taggers pad after the tag with zeros beyond its declared size.
    while (offset < bytes.length && bytes[offset] === 0) offset++;
    if (offset === bytes.length) {
      throw new AudioError('EMPTY_AUDIO', 'file is an ID3 tag with no audio after it', { context: { tagBytes: offset } });
    }
  }
  if (looksLikeFlac(bytes, offset)) return { container: 'flac', offset };
  if (offset > 0 || readMpegFrameHeader(bytes, 0) !== undefined) return { container: 'mp3', offset };
  const known = KNOWN_UNSUPPORTED.find((k) => k.test(bytes));
  throw new AudioError(
    'UNSUPPORTED_FORMAT',
    known === undefined
      ? 'not a recognised audio format (supported: WAV, MP3, FLAC, Ogg Vorbis, Ogg Opus)'
      : `${known.name} is not supported (supported: WAV, MP3, FLAC, Ogg Vorbis, Ogg Opus)`,
    { context: known === undefined ? {} : { detected: known.name } },
  );
}
