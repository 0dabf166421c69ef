import { Writable } from 'node:stream';
import { startProgress } from '../../cli/progress';

/** A stream that records what is written; `isTTY` decides whether it looks like a terminal. */
function recorder(isTTY: boolean): Writable & { isTTY: boolean; columns: number; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, { isTTY, columns: 100, text: () => chunks.join('') });
}

describe('startProgress', () => {
  it('draws nothing when the stream is not a terminal, and still logs lines', () => {
    const bar = recorder(false);
    const log = recorder(false);
    const progress = startProgress({ total: 4, label: 'features', stream: bar, logStream: log });
    progress.update(2, 'a.wav');
    progress.log('wrote a.nsf');
    progress.stop();
    expect(progress.drawing).toBe(false);
    expect(bar.text()).toBe('');
    expect(log.text()).toBe('wrote a.nsf\n');
  });

  it('draws label, percentage, count and status on a terminal, clears itself for log lines and on stop', () => {
    const bar = recorder(true);
    const log = recorder(false);
    const progress = startProgress({ total: 4, label: 'features', stream: bar, logStream: log });
    expect(progress.drawing).toBe(true);
    progress.update(1.5, 'b.wav');
    progress.log('wrote b.nsf');
    progress.update(4);
    progress.stop();
    expect(progress.drawing).toBe(false);
    const drawn = bar.text();
    expect(drawn).toContain('features [');
    expect(drawn).toContain('37% | 1.5/4');
    expect(drawn).toContain('b.wav');
    expect(drawn).toContain('100% | 4/4');
    expect(drawn).toContain('\r\x1b[2K');
    expect(log.text()).toBe('wrote b.nsf\n');
    progress.log('after stop');
    expect(log.text()).toBe('wrote b.nsf\nafter stop\n');
  });

  it('can be forced off on a terminal', () => {
    const bar = recorder(true);
    const progress = startProgress({ total: 1, stream: bar, logStream: recorder(false), enabled: false });
    progress.update(1);
    progress.stop();
    expect(bar.text()).toBe('');
  });
});
