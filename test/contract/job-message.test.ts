import {
  JOB_MESSAGE_VERSION,
  parseJobMessage,
  serializeJobMessage,
  validateJobMessage,
  type JobMessage,
} from '../../contract/job-message';
import { NotescribeError } from '../../core/errors';

const message: JobMessage = {
  version: JOB_MESSAGE_VERSION,
  jobId: '0123456789abcdef0123456789abcdef',
  bucket: 'notescribe-test',
  uploadKey: 'uploads/Für Elise.wav',
  sourceEtag: 'd41d8cd98f00b204e9800998ecf8427e',
  featuresKey: 'features/0123456789abcdef0123456789abcdef.nsf',
  statusKey: 'status/Für Elise.wav.json',
  resultsPrefix: 'results/Für Elise.wav/0123456789abcdef0123456789abcdef/',
  title: 'Für Elise',
  windowCount: 12,
  durationSeconds: 3.5,
  notify: { webhookUrl: 'https://example.com/hook', email: 'someone@example.com' },
  createdAt: '2026-11-25T16:00:00.000Z',
};

function problemsOf(value: unknown): string[] {
  try {
    validateJobMessage(value);
  } catch (error) {
    if (error instanceof NotescribeError) return (error.context['problems'] as string[]).slice().sort();
    throw error;
  }
  return [];
}

describe('job message contract', () => {
  it('round-trips a valid message through serialize and parse', () => {
    expect(parseJobMessage(serializeJobMessage(message))).toEqual(message);
  });

  it('accepts a message without notification targets', () => {
    expect(problemsOf({ ...message, notify: {} })).toEqual([]);
  });

  it('lists every problem at once, with INVALID_MESSAGE', () => {
    const bad = { ...message, version: 2, jobId: 'XYZ', windowCount: -1, resultsPrefix: 'results/no-slash' };
    expect(problemsOf(bad)).toEqual([
      '/jobId must match pattern "^[0-9a-f]{16,64}$"',
      '/resultsPrefix must match pattern "/$"',
      '/version must be equal to constant',
      '/windowCount must be >= 0',
    ]);
  });

  it('refuses unknown fields, so a sender on a newer contract is not silently misread', () => {
    expect(problemsOf({ ...message, audio: 'AAAA' })).toEqual(['(message) must NOT have additional properties']);
  });

  it('refuses a webhook that is not http(s) and a malformed email', () => {
    expect(problemsOf({ ...message, notify: { webhookUrl: 'file:///etc/passwd', email: 'nobody' } })).toEqual([
      '/notify/email must match pattern "^[^@\\s]+@[^@\\s]+$"',
      '/notify/webhookUrl must match pattern "^https?://"',
    ]);
  });

  it('reports a body that is not JSON as INVALID_MESSAGE', () => {
    expect(() => parseJobMessage('{not json')).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }) as Error);
  });

  it('will not serialize an invalid message', () => {
    expect(() => serializeJobMessage({ ...message, bucket: '' })).toThrow(/bucket must NOT have fewer than 3/);
  });
});
