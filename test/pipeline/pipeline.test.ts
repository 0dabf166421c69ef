/**
 * @jest-environment ./test/fixtures/model/jest-environment.cjs
 */
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { Command } from 'commander';
import { formatStatus, readUploadStatus, registerStatusCommand } from '../../cli/commands/status';
import { verifySignature } from '../../contract/webhook-signature';
import { SimulatedCrash } from '../../gpu-task/worker';
import { EMAIL_FROM, PipelineHarness, WEBHOOK_SECRET } from './harness';
import { shortPieceWav } from './audio';

/**
 * The pipeline end to end on real servers: moto (or LocalStack with TEST_BACKEND=localstack), a loopback HTTP
 * receiver for webhooks and SNS deliveries, the ingest handler run by the local event-source poller, and the worker
 * with the tiny fixture model. Tests run in order and share one server; each uses its own upload keys.
 */
let h: PipelineHarness;
const piece = shortPieceWav();

beforeAll(async () => {
  h = await PipelineHarness.start({ jobsVisibilitySeconds: 3 });
});

afterAll(async () => {
  await h?.close();
});

afterEach(async () => {
  await h.stopAll();
});

function webhooksFor(path: string, jobId: string): { body: Record<string, unknown>; verified: boolean }[] {
  return h.receiver
    .on(path)
    .map((r) => ({ body: JSON.parse(r.body) as Record<string, unknown>, verified: verifySignature(WEBHOOK_SECRET, r.headers['notescribe-signature'] as string, r.body) }))
    .filter((w) => w.body['jobId'] === jobId);
}

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('pipeline on real servers', () => {
  it('transcribes an upload: MusicXML in S3, a signed webhook, an SNS message and an email', async () => {
    const key = 'uploads/happy/Für Elise + friends.wav';
    h.startAll();
    await h.upload(key, piece, { 'webhook-url': `${h.receiver.url}/hook/happy`, 'notify-email': 'pianist@example.com' });

    const record = await h.waitForStatus(key, (r) => r.state === 'done' && r.notifications !== undefined);
    expect(record.times.queued && record.times.processing && record.times.done).toBeTruthy();
    expect(Object.keys(record.outputs ?? {}).sort()).toEqual(['json', 'midi', 'musicxml', 'mxl']);
    const musicxml = await h.text(record.outputs?.musicxml ?? '');
    expect(musicxml).toContain('<score-partwise');
    expect(musicxml).toContain('Für Elise + friends');

    const hooks = webhooksFor('/hook/happy', record.jobId);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]?.verified).toBe(true);
    expect(hooks[0]?.body).toMatchObject({ event: 'transcription.done', state: 'done', uploadKey: key, outputs: record.outputs });
    expect(Object.keys(hooks[0]?.body['links'] as object).sort()).toEqual(['json', 'midi', 'musicxml', 'mxl']);

    await h.receiver.waitFor(() => h.snsOutcomes(record.jobId).length > 0);
    expect(h.snsOutcomes(record.jobId)).toEqual([expect.objectContaining({ state: 'done', uploadKey: key })]);

    const mail = (await h.sentEmails()).filter((m) => m.to.includes('pianist@example.com'));
    expect(mail).toHaveLength(1);
    expect(mail[0]?.subject).toBe('notescribe: Für Elise + friends transcribed');
    expect(record.notifications).toMatchObject({
      sns: { ok: true, target: h.resources.topicArn },
      webhook: { ok: true, attempts: 1, status: 204 },
      email: { ok: true, target: 'pianist@example.com' },
    });
    expect(EMAIL_FROM).toBe('notescribe@example.com');
  });

  it('shows the status record with `notescribe status`, with or without the uploads/ prefix', async () => {
    const key = 'uploads/happy/Für Elise + friends.wav';
    const record = await readUploadStatus({ bucket: h.config.bucket, uploadKey: 'happy/Für Elise + friends.wav', endpoint: h.endpoint });
    expect(record).toMatchObject({ state: 'done', uploadKey: key });
    const text = formatStatus(record);
    expect(text.split('\n')[0]).toBe(`${key}: done`);
    expect(text).toContain(`musicxml   s3://${h.config.bucket}/${record.outputs?.musicxml ?? ''}`);
    expect(text).toContain('webhook    sent to');

    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const program = new Command().exitOverride();
      registerStatusCommand(program);
      await program.parseAsync(['status', key, '--bucket', h.config.bucket, '--endpoint', h.endpoint, '--json'], { from: 'user' });
    } finally {
      spy.mockRestore();
    }
    expect((JSON.parse(written.join('')) as { jobId: string }).jobId).toBe(record.jobId);
    await expect(readUploadStatus({ bucket: h.config.bucket, uploadKey: 'uploads/never.wav', endpoint: h.endpoint })).rejects.toMatchObject({
      code: 'INPUT_NOT_FOUND',
    });
  });

  it('finds the object of an event whose key is not URL-encoded (a raw unicode key with a literal +)', async () => {
    const key = 'uploads/raw/Für a+b.wav';
    await h.upload(key, piece);
    // take moto's own (encoded) event off the queue, then deliver the raw form some emulators send
    const [own] = (await h.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: h.resources.ingestQueueUrl, WaitTimeSeconds: 5 }))).Messages ?? [];
    expect(own?.Body).toContain('F%C3%BCr+a%2Bb.wav');
    await h.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: h.resources.ingestQueueUrl, ReceiptHandle: own?.ReceiptHandle ?? '' }));
    const raw = JSON.parse(own?.Body ?? '{}') as { Records: { s3: { object: { key: string } } }[] };
    for (const r of raw.Records) r.s3.object.key = key;
    await h.clients.sqs.send(new SendMessageCommand({ QueueUrl: h.resources.ingestQueueUrl, MessageBody: JSON.stringify(raw) }));
    h.startIngest();
    h.startWorker();
    const record = await h.waitForStatus(key, (r) => r.state === 'done');
    expect(record.uploadKey).toBe(key);
  });

  it('records a corrupt upload as failed with a stable code and notifies once', async () => {
    const key = 'uploads/bad/noise.wav';
    h.startAll();
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919) % 251);
    await h.upload(key, garbage, { 'webhook-url': `${h.receiver.url}/hook/bad` });

    const record = await h.waitForStatus(key, (r) => r.state === 'failed' && r.notifications !== undefined);
    expect(record.error?.code).toMatch(/^(UNSUPPORTED_FORMAT|CORRUPT_AUDIO)$/);
    expect(record.errorKey).toBe(`${record.resultsPrefix}error.json`);
    const errorRecord = JSON.parse(await h.text(record.errorKey ?? '')) as { error: { code: string } };
    expect(errorRecord.error.code).toBe(record.error?.code);
    await settle(1500);
    expect(webhooksFor('/hook/bad', record.jobId)).toEqual([
      expect.objectContaining({ verified: true, body: expect.objectContaining({ state: 'failed', error: expect.objectContaining({ code: record.error?.code }) }) }),
    ]);
    expect(h.snsOutcomes(record.jobId)).toHaveLength(1);
    expect(await h.queueDepth(h.resources.ingestQueueUrl)).toBe(0);
    expect(await h.queueDepth(h.resources.jobsQueueUrl)).toBe(0);
  });

  it('turns the same upload event delivered twice into one result and one notification', async () => {
    const key = 'uploads/dup/twice.wav';
    await h.upload(key, piece, { 'webhook-url': `${h.receiver.url}/hook/dup` });
    // S3 delivers at least once: replay its event for the same object version
    const [event] = (await h.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: h.resources.ingestQueueUrl, WaitTimeSeconds: 5 }))).Messages ?? [];
    expect(event?.Body).toContain('twice.wav');
    await h.clients.sqs.send(new SendMessageCommand({ QueueUrl: h.resources.ingestQueueUrl, MessageBody: event?.Body ?? '' }));
    await h.clients.sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: h.resources.ingestQueueUrl, ReceiptHandle: event?.ReceiptHandle ?? '', VisibilityTimeout: 0 }),
    );
    h.startAll();
    const record = await h.waitForStatus(key, (r) => r.state === 'done' && r.notifications !== undefined);
    await settle(4000);
    expect(await h.queueDepth(h.resources.ingestQueueUrl)).toBe(0);
    expect(await h.queueDepth(h.resources.jobsQueueUrl)).toBe(0);
    expect(webhooksFor('/hook/dup', record.jobId)).toHaveLength(1);
    expect(h.snsOutcomes(record.jobId)).toHaveLength(1);
    expect(await h.versionCount(record.outputs?.musicxml ?? '')).toBe(1);
  });

  it('redelivers the job of a worker killed before deleting its message, writing outputs once and notifying once', async () => {
    const key = 'uploads/crash/killed.wav';
    let crashes = 0;
    h.startIngest();
    h.startSender();
    const first = h.startWorker({
      hooks: {
        beforeDelete: () => {
          crashes++;
          throw new SimulatedCrash('killed before delete');
        },
      },
    });
    await h.upload(key, piece, { 'webhook-url': `${h.receiver.url}/hook/crash` });
    const record = await h.waitForStatus(key, (r) => r.state === 'done' && r.notifications !== undefined);
    await first.stop();
    expect(crashes).toBe(1);
    expect(await h.queueDepth(h.resources.jobsQueueUrl)).toBe(1);

    const second = h.startWorker();
    const deadline = Date.now() + 20_000;
    while ((await h.queueDepth(h.resources.jobsQueueUrl)) > 0 && Date.now() < deadline) await settle(200);
    await second.stop();
    expect(await h.queueDepth(h.resources.jobsQueueUrl)).toBe(0);
    expect(second.stats.duplicatesDropped).toBe(1);
    expect(second.stats.batchWindowCounts).toEqual([]);
    expect(await h.versionCount(record.outputs?.musicxml ?? '')).toBe(1);
    expect(await h.versionCount(record.outputs?.midi ?? '')).toBe(1);
    expect(webhooksFor('/hook/crash', record.jobId)).toHaveLength(1);
    expect(h.snsOutcomes(record.jobId)).toHaveLength(1);
  });

  it('keeps extending the visibility of a job that runs longer than the visibility timeout', async () => {
    const key = 'uploads/slow/long-job.wav';
    h.startIngest();
    h.startSender();
    // the first worker holds the job for 7 s (visibility is 3 s); a second worker polls all the while
    const slow = h.startWorker({ hooks: { beforeDelete: () => settle(7000) } });
    await h.upload(key, piece, { 'webhook-url': `${h.receiver.url}/hook/slow` });
    await h.waitForStatus(key, (r) => r.state === 'processing');
    const other = h.startWorker();
    const record = await h.waitForStatus(key, (r) => r.state === 'done' && r.notifications !== undefined);
    await slow.stop();
    await other.stop();
    expect(other.stats.batchWindowCounts).toEqual([]);
    expect(other.stats.duplicatesDropped).toBe(0);
    expect(slow.stats.jobsDone).toBe(1);
    expect(await h.queueDepth(h.resources.jobsQueueUrl)).toBe(0);
    expect(webhooksFor('/hook/slow', record.jobId)).toHaveLength(1);
  });

  it('batches windows of several queued jobs into one inference', async () => {
    const keys = ['uploads/batch/a.wav', 'uploads/batch/b.wav', 'uploads/batch/c.wav'];
    h.startIngest();
    await Promise.all(keys.map((k) => h.upload(k, piece)));
    const queued = await Promise.all(keys.map((k) => h.waitForStatus(k, (r) => r.windowCount !== undefined)));
    while ((await h.queueDepth(h.resources.jobsQueueUrl)) < 3) await settle(100);
    const worker = h.startWorker({ settings: { batchWindows: 100_000, batchWaitMs: 300 } });
    await Promise.all(keys.map((k) => h.waitForStatus(k, (r) => r.state === 'done')));
    await worker.stop();
    const windows = queued.reduce((n, r) => n + (r.windowCount ?? 0), 0);
    expect(worker.stats.batchJobCounts).toEqual([3]);
    expect(worker.stats.batchWindowCounts).toEqual([windows]);
  });

  it('sends a message that is not a job to the dead-letter queue after three receives', async () => {
    await h.clients.sqs.send(new SendMessageCommand({ QueueUrl: h.resources.jobsQueueUrl, MessageBody: '{"version":1,"poison":true}' }));
    h.startWorker();
    const deadline = Date.now() + 30_000;
    while ((await h.queueDepth(h.resources.jobsDlqUrl)) === 0 && Date.now() < deadline) await settle(200);
    await h.stopAll();
    expect(await h.queueDepth(h.resources.jobsDlqUrl)).toBe(1);
    expect(await h.queueDepth(h.resources.jobsQueueUrl)).toBe(0);
  });

  it('completes a job when its webhook is down, recording the failed delivery after the retries', async () => {
    const key = 'uploads/down/hook.wav';
    h.receiver.respond('/hook/down', 503);
    h.startAll();
    await h.upload(key, piece, { 'webhook-url': `${h.receiver.url}/hook/down` });
    const record = await h.waitForStatus(key, (r) => r.state === 'done' && r.notifications !== undefined);
    expect(record.notifications?.webhook).toMatchObject({ ok: false, attempts: 3, status: 503, error: 'HTTP 503' });
    expect(record.notifications?.sns?.ok).toBe(true);
    expect(h.receiver.on('/hook/down')).toHaveLength(3);
  });

  it('refuses a webhook aimed at the metadata service and still completes the job', async () => {
    const key = 'uploads/ssrf/meta.wav';
    h.startAll({ notify: { allowPrivateWebhooks: false } });
    await h.upload(key, piece, { 'webhook-url': 'http://169.254.169.254/latest/meta-data/iam/' });
    const record = await h.waitForStatus(key, (r) => r.state === 'done' && r.notifications !== undefined);
    expect(record.notifications?.webhook).toMatchObject({
      ok: false,
      attempts: 0,
      error: 'refused: 169.254.169.254 is in the linkLocal range',
    });
  });

  it('drops a malformed webhook-url from the metadata instead of failing the job', async () => {
    const key = 'uploads/ssrf/scheme.wav';
    h.startAll();
    await h.upload(key, piece, { 'webhook-url': 'javascript:alert(1)', 'notify-email': 'not-an-address' });
    const record = await h.waitForStatus(key, (r) => r.state === 'done' && r.notifications !== undefined);
    expect(Object.keys(record.notifications ?? {})).toEqual(['sns']);
  });

  it("writes the score hints of an upload's metadata (title, composer, tempo, time signature, key) into the score", async () => {
    const key = 'uploads/hints/nocturne.wav';
    h.startAll();
    await h.upload(key, piece, { title: 'Nocturne in E flat', composer: 'A. Tester', tempo: '72', 'time-signature': '6/8', key: 'Eb major' });
    const record = await h.waitForStatus(key, (r) => r.state === 'done');
    const musicxml = await h.text(record.outputs?.musicxml ?? '');
    expect(musicxml).toContain('<work-title>Nocturne in E flat</work-title>');
    expect(musicxml).toContain('<creator type="composer">A. Tester</creator>');
    expect(musicxml).toMatch(/<beats>6<\/beats>\s*<beat-type>8<\/beat-type>/);
    expect(musicxml).toContain('<fifths>-3</fifths>');
  });

  it('fails an upload whose hints do not parse, saying which, without analysing it', async () => {
    const key = 'uploads/hints/typo.wav';
    h.startAll();
    await h.upload(key, piece, { 'time-signature': '7/0', 'webhook-url': `${h.receiver.url}/hook/typo` });
    const record = await h.waitForStatus(key, (r) => r.state === 'failed' && r.notifications !== undefined);
    expect(record.error?.code).toBe('INVALID_SETTINGS');
    expect(record.error?.message).toContain('7/0');
    expect(record.windowCount).toBeUndefined();
  });

  it('ignores the s3:TestEvent S3 sends when a notification is configured', async () => {
    await h.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: h.resources.ingestQueueUrl,
        MessageBody: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: h.config.bucket }),
      }),
    );
    h.startIngest();
    const deadline = Date.now() + 10_000;
    while ((await h.queueDepth(h.resources.ingestQueueUrl)) > 0 && Date.now() < deadline) await settle(100);
    expect(await h.queueDepth(h.resources.ingestQueueUrl)).toBe(0);
    expect(await h.queueDepth(h.resources.jobsQueueUrl)).toBe(0);
    expect(await h.queueDepth(h.resources.ingestDlqUrl)).toBe(0);
  });
});

