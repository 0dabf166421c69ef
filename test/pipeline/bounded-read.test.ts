import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, ftruncateSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { checkDeclaredSize, readLocalFileWithin, readStreamWithin } from '../../pipeline/bounded-read';

/** Inputs that must be refused by kind or size before they are read: real files, a real FIFO, /dev/zero. */
describe('bounded reads', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'notescribe-bounded-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a regular file within the limit', async () => {
    const path = join(dir, 'small.bin');
    writeFileSync(path, Buffer.from([1, 2, 3, 4]));
    expect(Array.from(await readLocalFileWithin(path, 4))).toEqual([1, 2, 3, 4]);
    await expect(readLocalFileWithin(path, 3)).rejects.toMatchObject({ code: 'INPUT_TOO_LARGE', context: { bytes: 4, maxBytes: 3 } });
  });

  it('refuses a file over 2 GiB from its size (a sparse file: no disk, no memory)', async () => {
    const path = join(dir, 'huge.bin');
    const fd = openSync(path, 'w');
    ftruncateSync(fd, 2 ** 31 + 10);
    closeSync(fd);
    await expect(readLocalFileWithin(path, 1024 ** 3)).rejects.toMatchObject({ code: 'INPUT_TOO_LARGE', context: { bytes: 2 ** 31 + 10 } });
  });

  it('refuses a FIFO without opening it (opening would block until a writer came)', async () => {
    const path = join(dir, 'pipe');
    execFileSync('mkfifo', [path]);
    await expect(readLocalFileWithin(path, 1024)).rejects.toMatchObject({
      code: 'UNSUPPORTED_FORMAT',
      message: `${path} is a FIFO (named pipe), not an audio file`,
    });
    // messages name the input as the user gave it
    await expect(readLocalFileWithin(path, 1024, 'takes/song.wav')).rejects.toMatchObject({
      message: 'takes/song.wav is a FIFO (named pipe), not an audio file',
      context: { path: 'takes/song.wav' },
    });
  });

  it('refuses /dev/zero and a directory', async () => {
    await expect(readLocalFileWithin('/dev/zero', 1024)).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: '/dev/zero is a character device, not an audio file' });
    await expect(readLocalFileWithin(dir, 1024)).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    await expect(readLocalFileWithin(join(dir, 'missing.wav'), 1024)).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
  });

  it('stops reading a stream as soon as it passes the limit, whatever size was declared', async () => {
    let pulled = 0;
    const endless = Readable.from(
      (function* () {
        for (;;) {
          pulled++;
          yield new Uint8Array(1000);
        }
      })(),
    );
    await expect(readStreamWithin(endless, 'body', 4500)).rejects.toMatchObject({ code: 'INPUT_TOO_LARGE' });
    expect(pulled).toBeLessThanOrEqual(6);
    expect(() => checkDeclaredSize('upload', 2 ** 32, 1024)).toThrow('upload is 4294967296 bytes; the limit is 1024');
    expect(() => checkDeclaredSize('upload', undefined, 1024)).not.toThrow();
  });
});
