import { parseStatusRecord } from '../../contract/status-record';

describe('status record schema', () => {
  const record = {
    version: 1,
    jobId: 'a'.repeat(32),
    state: 'done',
    bucket: 'bucket',
    uploadKey: 'uploads/song.wav',
    sourceEtag: 'etag',
    title: 'song',
    resultsPrefix: `results/song.wav/${'a'.repeat(32)}/`,
    times: { queued: '2026-12-02T00:00:00.000Z', done: '2026-12-02T00:00:01.000Z' },
    outputs: { musicxml: 'results/song.wav/x/score.musicxml' },
    notifications: { webhook: { ok: false, attempts: 0, at: '2026-12-02T00:00:02.000Z', target: 'http://x', error: 'refused: …' } },
  };

  it('reads a record as the pipeline writes it', () => {
    expect(parseStatusRecord(JSON.stringify(record))).toEqual(record);
  });

  it('refuses a mangled record, naming every problem, instead of trusting a cast', () => {
    const mangled = { ...record, state: 'finished', times: { queued: 1 }, notifications: { webhook: { ok: 'yes' } } };
    expect(() => parseStatusRecord(JSON.stringify(mangled))).toThrow(
      expect.objectContaining({ code: 'INVALID_MESSAGE', message: expect.stringMatching(/\/state .*\/times\/queued .*\/notifications\/webhook/s) }) as Error,
    );
    expect(() => parseStatusRecord('not json')).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }) as Error);
  });
});
