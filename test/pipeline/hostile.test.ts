/**
 * @jest-environment ./test/fixtures/model/jest-environment.cjs
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readUploadStatus } from '../../cli/commands/status';
import { S3_MAX_KEY_BYTES, statusKeyFor } from '../../contract/keys';
import type { StatusRecord } from '../../contract/status-record';
import { analyseUpload } from '../../lambdas/ingest/engine';
import { shortPieceWav } from './audio';
import { PipelineHarness } from './harness';

/**
 * What a hostile or careless uploader does, on the real local servers (moto, or LocalStack with
 * TEST_BACKEND=localstack): receivers that stall, webhook URLs aimed inside the network, targets the operator did not
 * allow, and keys and sizes at and past the limits. Each case failed before the pipeline was hardened against it.
 */
let h: PipelineHarness;
const piece = shortPieceWav();

beforeAll(async () => {
  h = await PipelineHarness.start({ jobsVisibilitySeconds: 30 });
});

afterAll(async () => {
  await h?.close();
});

afterEach(async () => {
  await h.stopAll();
});

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const finished = (r: StatusRecord): boolean => (r.state === 'done' || r.state === 'failed') && r.notifications !== undefined;

describe('hostile uploads on real servers', () => {
  it('lets no webhook receiver slow transcription: silent and trickling receivers cost only the sender its deadline', async () => {
    const deadlineMs = 3000;
    h.receiver.respond('/hook/silent', 'silent');
    h.receiver.respond('/hook/trickle', 'trickle');
    h.startIngest();
    h.startWorker();
    h.startSender({ webhookDeadlineMs: deadlineMs, webhookAttempts: 2 });
    const keys = { silent: 'uploads/stall/silent.wav', trickle: 'uploads/stall/trickle.wav', plain: 'uploads/stall/plain.wav' };
    await h.upload(keys.silent, piece, { 'webhook-url': `${h.receiver.url}/hook/silent` });
    await h.upload(keys.trickle, piece, { 'webhook-url': `${h.receiver.url}/hook/trickle` });
    await h.upload(keys.plain, piece, { 'webhook-url': `${h.receiver.url}/hook/plain` });

    // every job is transcribed and its message deleted while the stalling receivers still hold their connections
    const done = await Promise.all(Object.values(keys).map((k) => h.waitForStatus(k, (r) => r.state === 'done', 30_000)));
    const allDoneAt = Date.now();
    while ((await h.queueDepth(h.resources.jobsQueueUrl)) > 0 && Date.now() - allDoneAt < 10_000) await settle(100);
    expect(await h.queueDepth(h.resources.jobsQueueUrl)).toBe(0);
    expect(Date.now() - allDoneAt).toBeLessThan(deadlineMs);
    for (const record of done) expect(Date.parse(record.times.done ?? '') - Date.parse(record.times.processing ?? '')).toBeLessThan(deadlineMs);

    const plain = await h.waitForStatus(keys.plain, finished);
    expect(plain.notifications?.webhook).toMatchObject({ ok: true, status: 204 });
    for (const key of [keys.silent, keys.trickle]) {
      const record = await h.waitForStatus(key, finished, 20_000);
      expect(record.notifications?.webhook).toMatchObject({ ok: false, attempts: 1 });
      expect(record.notifications?.webhook?.error).toMatch(/deadline/);
      // one delivery ends at its deadline (plus the S3 round trips), not at the receiver's pleasure
      expect(Date.parse(record.notifications?.webhook?.at ?? '') - Date.parse(record.times.done ?? '')).toBeLessThan(deadlineMs + 3000);
      expect(record.notifications?.sns?.ok).toBe(true);
    }
  });

  it('refuses webhooks to NAT64 and IPv4-compatible forms of private, metadata and loopback addresses', async () => {
    h.startAll({ notify: { allowPrivateWebhooks: false } });
    const cases = [
      ['uploads/ssrf/nat64-private.wav', 'http://[64:ff9b::10.0.0.1]/hook', 'refused: 64:ff9b::a00:1 is in the rfc6052 range'],
      ['uploads/ssrf/nat64-metadata.wav', 'http://[64:ff9b::169.254.169.254]/latest/meta-data/', 'refused: 64:ff9b::a9fe:a9fe is in the rfc6052 range'],
      ['uploads/ssrf/v4-compatible-loopback.wav', 'http://[::127.0.0.1]/hook', 'refused: ::7f00:1 is not global unicast'],
    ] as const;
    await Promise.all(cases.map(([key, url]) => h.upload(key, piece, { 'webhook-url': url })));
    for (const [key, , error] of cases) {
      const record = await h.waitForStatus(key, finished);
      expect(record.state).toBe('done');
      expect(record.notifications?.webhook).toMatchObject({ ok: false, attempts: 0, error });
    }
  });

  it("sends to no webhook host or email domain outside the operator's allow-lists, and records the refusal", async () => {
    h.startAll({ notify: { allowedWebhookHosts: ['hooks.example.com'], allowedEmailDomains: ['example.com'] } });
    const key = 'uploads/allow/outsider.wav';
    await h.upload(key, piece, { 'webhook-url': `${h.receiver.url}/hook/outsider`, 'notify-email': 'victim@elsewhere.test' });
    const record = await h.waitForStatus(key, finished);
    expect(record.notifications?.webhook).toMatchObject({
      ok: false,
      attempts: 0,
      error: 'refused: host 127.0.0.1 is not in NOTESCRIBE_ALLOWED_WEBHOOK_HOSTS',
    });
    expect(record.notifications?.email).toMatchObject({
      ok: false,
      attempts: 0,
      error: 'refused: domain elsewhere.test is not in NOTESCRIBE_ALLOWED_EMAIL_DOMAINS',
    });
    expect(record.notifications?.sns?.ok).toBe(true);
    await settle(500);
    expect(h.receiver.on('/hook/outsider')).toHaveLength(0);
    expect((await h.sentEmails()).filter((m) => m.to.includes('victim@elsewhere.test'))).toHaveLength(0);
  });

  it('delivers to a webhook URL written with an upper-case scheme', async () => {
    h.startAll();
    const key = 'uploads/scheme/upper.wav';
    const url = `${h.receiver.url.replace('http://', 'HTTP://')}/hook/upper`;
    await h.upload(key, piece, { 'webhook-url': url });
    const record = await h.waitForStatus(key, finished);
    expect(record.state).toBe('done');
    expect(record.notifications?.webhook).toMatchObject({ ok: true, target: `${h.receiver.url}/hook/upper` });
    expect(h.receiver.on('/hook/upper')).toHaveLength(1);
  });

  it('transcribes an upload whose key is at the 1,024-byte limit, and the CLI finds its status', async () => {
    h.startAll();
    const stem = 'uploads/long/';
    const name = 'ü'.repeat(Math.floor((S3_MAX_KEY_BYTES - stem.length - '.wav'.length) / 2));
    const key = `${stem}${name}${'x'.repeat(S3_MAX_KEY_BYTES - Buffer.byteLength(`${stem}${name}.wav`))}.wav`;
    expect(Buffer.byteLength(key)).toBe(S3_MAX_KEY_BYTES);
    await h.upload(key, piece);
    const record = await h.waitForStatus(key, finished);
    expect(record).toMatchObject({ state: 'done', uploadKey: key });
    for (const output of Object.values(record.outputs ?? {})) {
      expect(Buffer.byteLength(output)).toBeLessThanOrEqual(S3_MAX_KEY_BYTES);
      expect((await h.text(output)).length).toBeGreaterThan(0);
    }
    expect(Buffer.byteLength(statusKeyFor(h.config.layout, key))).toBeLessThanOrEqual(S3_MAX_KEY_BYTES);
    expect(await readUploadStatus({ bucket: h.config.bucket, uploadKey: key, endpoint: h.endpoint })).toMatchObject({ jobId: record.jobId });
  });

  it('keeps the results and status of a key with ../ inside their prefixes', async () => {
    h.startAll();
    const key = 'uploads/../escape.wav';
    await h.upload(key, piece);
    const record = await h.waitForStatus(key, finished);
    expect(record.state).toBe('done');
    expect(statusKeyFor(h.config.layout, key)).toBe('status/%2E%2E/escape.wav.json');
    expect(record.resultsPrefix).toBe(`results/%2E%2E/escape.wav/${record.jobId}/`);
    const listed = await h.clients.s3.send(new ListObjectsV2Command({ Bucket: h.config.bucket }));
    const keys = (listed.Contents ?? []).map((o) => o.Key ?? '');
    expect(keys.filter((k) => k.includes('escape') && !k.startsWith('uploads/'))).toEqual(
      expect.arrayContaining(['status/%2E%2E/escape.wav.json', `results/%2E%2E/escape.wav/${record.jobId}/score.musicxml`]),
    );
    expect(keys.filter((k) => /^(results|status)\/\.\.\//.test(k))).toEqual([]);
  });

  it('refuses an upload over the size limit from its size in S3, before reading any of it', async () => {
    let analysed = 0;
    h.startIngest({
      config: { ...h.config, maxInputBytes: piece.length - 1 },
      analyse: (bytes, options) => {
        analysed++;
        return analyseUpload(bytes, options);
      },
    });
    h.startSender();
    const key = 'uploads/size/too-big.wav';
    await h.upload(key, piece);
    const record = await h.waitForStatus(key, finished);
    expect(record.state).toBe('failed');
    expect(record.error).toMatchObject({ code: 'INPUT_TOO_LARGE', context: { bytes: piece.length, maxBytes: piece.length - 1 } });
    expect(analysed).toBe(0);
  });
});
