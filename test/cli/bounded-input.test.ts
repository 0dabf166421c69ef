import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNotescribe } from '../helpers/cli';
import { installFixtureModel } from '../fixtures/model/wav';

/**
 * The CLI measures an input before reading it (pipeline/bounded-read.ts), as ingest does: a FIFO no one writes, an
 * endless device and a file past the size limit each end in a typed refusal and status 65 within seconds, instead of
 * a hang, an out-of-memory crash or a misleading INPUT_NOT_FOUND.
 */
describe('notescribe refuses inputs by kind and size before reading them', () => {
  let dir: string;
  let model: string;
  let fifo: string;
  let huge: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'notescribe-bounded-cli-'));
    model = installFixtureModel(dir);
    fifo = join(dir, 'pipe.wav');
    execFileSync('mkfifo', [fifo]);
    // sparse: past 2 GiB (more than one Node buffer holds) without using the disk
    huge = join(dir, 'huge.wav');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, 2 ** 31 + 10);
    closeSync(fd);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // A hang would hit the timeout (status null); a FIFO opened for reading blocks until a writer comes.
  const run = (args: string[]) => runNotescribe(args, { timeoutMs: 60_000 });

  it.each([
    ['transcribe', 'a FIFO', () => fifo, () => `UNSUPPORTED_FORMAT: ${fifo} is a FIFO (named pipe), not an audio file`],
    ['transcribe', '/dev/zero', () => '/dev/zero', () => 'UNSUPPORTED_FORMAT: /dev/zero is a character device, not an audio file'],
    ['transcribe', 'a file over 2 GiB', () => huge, () => `INPUT_TOO_LARGE: ${huge} is ${2 ** 31 + 10} bytes; the limit is ${1024 ** 3}`],
    ['features', 'a FIFO', () => fifo, () => `UNSUPPORTED_FORMAT: ${fifo} is a FIFO (named pipe), not an audio file`],
    ['features', 'a file over 2 GiB', () => huge, () => `INPUT_TOO_LARGE: ${huge} is ${2 ** 31 + 10} bytes`],
  ])('%s refuses %s with status 65', (command, _what, input, message) => {
    const args = command === 'transcribe' ? ['transcribe', input(), '--model', model, '-o', join(dir, 'out')] : ['features', input(), '-o', join(dir, 'out')];
    const result = run(args);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 65, stderr: expect.stringContaining(message()) as string });
  });
});
