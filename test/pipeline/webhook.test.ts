import { checkWebhookUrl, deliverWebhook, isForbiddenAddress, WebhookRefusedError } from '../../pipeline/webhook';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { verifySignature } from '../../contract/webhook-signature';

describe('webhook address guard', () => {
  it.each([
    '127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '::1', '::', 'fe80::1', 'fd00:ec2::254', 'fc00::1', '::ffff:127.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::10.0.0.1',
    '224.0.0.1', 'not-an-ip', '255.255.255.255', '198.18.0.1', '192.0.2.1',
    // the hex forms the URL parser yields for [64:ff9b::10.0.0.1], [64:ff9b::169.254.169.254], [::127.0.0.1]
    '64:ff9b::a00:1', '64:ff9b::a9fe:a9fe', '::7f00:1', '::a9fe:a9fe', '64:ff9b:1::a00:1',
    '2002:a00:1::1', '2001::1', '2001:db8::1', '100::1', '3fff::1',
  ])('refuses %s', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '2a00:1450:4001::200e'])('allows %s', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(false);
  });

  it('refuses non-http schemes, credentials, literal private IPs and localhost', () => {
    const reason = (url: string): string => {
      try {
        checkWebhookUrl(url, false);
        return 'allowed';
      } catch (error) {
        return error instanceof WebhookRefusedError ? error.message : 'other error';
      }
    };
    expect(reason('ftp://example.com/')).toBe('scheme ftp: is not allowed');
    expect(reason('https://user:pw@example.com/')).toBe('credentials in webhook URLs are not allowed');
    expect(reason('http://169.254.169.254/latest/meta-data/')).toBe('169.254.169.254 is in the linkLocal range');
    expect(reason('http://[::1]:8080/')).toBe('::1 is in the loopback range');
    expect(reason('http://[64:ff9b::10.0.0.1]/')).toBe('64:ff9b::a00:1 is in the rfc6052 range');
    expect(reason('http://[64:ff9b::169.254.169.254]/')).toBe('64:ff9b::a9fe:a9fe is in the rfc6052 range');
    expect(reason('http://[::127.0.0.1]/')).toBe('::7f00:1 is not global unicast');
    expect(reason('http://0x7f.1/')).toBe('127.0.0.1 is in the loopback range');
    expect(reason('HTTPS://Example.com/hook')).toBe('allowed');
    expect(reason('http://localhost/')).toBe('localhost is a forbidden host');
    expect(reason('https://example.com/hook')).toBe('allowed');
  });
});

describe('deliverWebhook', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });
  beforeEach(() => receiver.clear());

  const base = { body: '{"a":1}', secret: 's3cret', attempts: 3, minBackoffMs: 10, deadlineMs: 5000, idempotencyKey: 'job:done' };

  it('refuses a loopback URL without sending anything, unless private addresses are allowed', async () => {
    const refused = await deliverWebhook({ ...base, url: `${receiver.url}/hook`, allowPrivate: false });
    expect(refused).toMatchObject({ ok: false, attempts: 0, error: 'refused: 127.0.0.1 is in the loopback range' });
    expect(receiver.requests).toHaveLength(0);
    const sent = await deliverWebhook({ ...base, url: `${receiver.url}/hook`, allowPrivate: true });
    expect(sent).toMatchObject({ ok: true, attempts: 1, status: 204 });
    expect(receiver.requests).toHaveLength(1);
  });

  it('refuses a host name that resolves to loopback, at connection time', async () => {
    const port = new URL(receiver.url).port;
    const result = await deliverWebhook({ ...base, url: `http://localhost.:${port}/hook`, allowPrivate: false });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^refused: /);
    expect(receiver.requests).toHaveLength(0);
  });

  it('signs the exact body it sends and names the outcome in an idempotency key, the same on every attempt', async () => {
    receiver.respond('/signed', 503);
    await deliverWebhook({ ...base, url: `${receiver.url}/signed`, allowPrivate: true });
    const requests = receiver.on('/signed');
    expect(requests).toHaveLength(3);
    expect(requests[0]?.body).toBe('{"a":1}');
    expect(verifySignature('s3cret', requests[0]?.headers['notescribe-signature'] as string, requests[0]?.body ?? '')).toBe(true);
    expect(requests.map((r) => r.headers['idempotency-key'])).toEqual(['job:done', 'job:done', 'job:done']);
    expect(requests.map((r) => r.headers['notescribe-delivery-attempt'])).toEqual(['1', '2', '3']);
  });

  it('gives up on a receiver that never answers at the deadline, without retrying past it', async () => {
    receiver.respond('/silent', 'silent');
    const started = Date.now();
    const result = await deliverWebhook({ ...base, url: `${receiver.url}/silent`, allowPrivate: true, deadlineMs: 600 });
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ ok: false, attempts: 1 });
    expect(result.error).toMatch(/^no complete answer within the \d+ ms left of the deadline$/);
    expect(elapsed).toBeGreaterThanOrEqual(590);
    expect(elapsed).toBeLessThan(1500);
  });

  it('cuts a receiver that trickles its answer one byte at a time at the deadline', async () => {
    receiver.respond('/trickle', 'trickle');
    const started = Date.now();
    const result = await deliverWebhook({ ...base, url: `${receiver.url}/trickle`, allowPrivate: true, deadlineMs: 800 });
    expect(result).toMatchObject({ ok: false, attempts: 1 });
    expect(result.error).toMatch(/deadline/);
    expect(Date.now() - started).toBeLessThan(1700);
  });

  it('retries 5xx with backoff and gives up after the last attempt', async () => {
    receiver.respond('/down', 503);
    const result = await deliverWebhook({ ...base, url: `${receiver.url}/down`, allowPrivate: true });
    expect(result).toMatchObject({ ok: false, attempts: 3, status: 503, error: 'HTTP 503' });
    expect(receiver.on('/down')).toHaveLength(3);
  });

  it('does not retry a 4xx other than 429', async () => {
    receiver.respond('/gone', 410);
    const result = await deliverWebhook({ ...base, url: `${receiver.url}/gone`, allowPrivate: true });
    expect(result).toMatchObject({ ok: false, attempts: 1, status: 410 });
  });
});
