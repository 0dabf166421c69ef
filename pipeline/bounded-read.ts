import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { NotescribeError } from '../core/errors';

/**
 * Reading untrusted input without letting it choose how much memory we spend. Every input is measured before it is
 * read (an S3 object's ContentLength, a file's stat) and then read with a cap, so a 1.1 GB upload is refused before a
 * byte of it is fetched, `/dev/zero` or a FIFO is refused instead of growing or hanging, and a file over 2 GiB (past
 * what one Node buffer holds) is reported as INPUT_TOO_LARGE, not as a read error.
 */

function tooLarge(what: string, bytes: number, maxBytes: number): NotescribeError {
  return new NotescribeError('INPUT_TOO_LARGE', `${what} is ${bytes} bytes; the limit is ${maxBytes}`, {
    context: { bytes, maxBytes },
  });
}

/**
 * Refuses a declared size over the limit (before anything is read).
 * @throws NotescribeError `INPUT_TOO_LARGE`
 */
export function checkDeclaredSize(what: string, bytes: number | undefined, maxBytes: number): void {
  if (bytes !== undefined && bytes > maxBytes) throw tooLarge(what, bytes, maxBytes);
}

/**
 * Collects a byte stream (an S3 GetObject body) but stops as soon as it passes `maxBytes`: the declared size may be
 * absent or wrong, the cap holds anyway.
 * @throws NotescribeError `INPUT_TOO_LARGE`
 */
export async function readStreamWithin(stream: AsyncIterable<Uint8Array>, what: string, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge(what, total, maxBytes);
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** What a path is, in words, for a refusal. */
function kindOf(info: Awaited<ReturnType<typeof stat>>): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a local file the CLI was given, checking its kind and size first. Only regular files are read (a FIFO would
 * block, /dev/zero never ends); a file larger than `maxBytes` is refused from its size alone; the read itself stops at
 * `maxBytes` + 1 in case the file grows meanwhile.
 * @param label how messages name the file (the path as the user gave it); @default path
 * @throws NotescribeError `INPUT_NOT_FOUND` (no such file, or one that cannot be read: permissions),
 *   `UNSUPPORTED_FORMAT` (not a regular file), `INPUT_TOO_LARGE`.
 */
export async function readLocalFileWithin(path: string, maxBytes: number, label: string = path): Promise<Uint8Array> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw unreadable(label, error);
  }
  if (!info.isFile()) {
    throw new NotescribeError('UNSUPPORTED_FORMAT', `${label} is ${kindOf(info)}, not an audio file`, { context: { path: label } });
  }
  checkDeclaredSize(label, info.size, maxBytes);
  try {
    // `end` is inclusive: at most maxBytes + 1 bytes are read, enough to notice a file that grew since stat
    return await readStreamWithin(createReadStream(path, { start: 0, end: maxBytes }), label, maxBytes);
  } catch (error) {
    throw error instanceof NotescribeError ? error : unreadable(label, error);
  }
}

function unreadable(label: string, error: unknown): NotescribeError {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    code === 'ENOENT' || code === 'ENOTDIR' ? `${label}: no such file` : `cannot read ${label}: ${(error as Error).message}`;
  return new NotescribeError('INPUT_NOT_FOUND', message, { cause: error, context: { path: label } });
}
