/**
 * @jest-environment ./test/fixtures/model/jest-environment.cjs
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DSP_PARAMETERS_HASH } from '../../core/features';
import { shortPieceWav } from './audio';
import { PipelineHarness } from './harness';

/**
 * gpu-task/main.ts as ECS runs it: a separate process configured only by environment variables, stopped with
 * SIGTERM while it holds a job. It must finish that job, then exit 0.
 */
let h: PipelineHarness;
let dir: string;

beforeAll(async () => {
  h = await PipelineHarness.start({ jobsVisibilitySeconds: 30 });
  dir = mkdtempSync(join(tmpdir(), 'notescribe-worker-'));
});

afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('finishes the job it holds after SIGTERM and exits 0, configured from the environment', async () => {
  const fixture = join(__dirname, '../fixtures/model');
  const card = { ...JSON.parse(readFileSync(join(fixture, 'fixture.card.json'), 'utf8')), dspParametersHash: DSP_PARAMETERS_HASH };
  writeFileSync(join(dir, 'fixture.card.json'), JSON.stringify(card));
  const heartbeat = join(dir, 'heartbeat');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? dir,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    NOTESCRIBE_AWS_ENDPOINT: h.endpoint,
    NOTESCRIBE_BUCKET: h.config.bucket,
    NOTESCRIBE_JOBS_QUEUE_URL: h.config.jobsQueueUrl,
    NOTESCRIBE_NOTIFY_QUEUE_URL: h.config.notifyQueueUrl,
    NOTESCRIBE_TOPIC_ARN: h.resources.topicArn,
    NOTESCRIBE_WEBHOOK_SECRET_ID: h.resources.secretId,
    NOTESCRIBE_ALLOW_PRIVATE_WEBHOOKS: 'true',
    NOTESCRIBE_MODEL_PATH: join(fixture, 'fixture.onnx'),
    NOTESCRIBE_MODEL_CARD_PATH: join(dir, 'fixture.card.json'),
    NOTESCRIBE_EXECUTION_PROVIDERS: 'cpu',
    // a long batch wait holds the job in the worker's hands when SIGTERM arrives
    NOTESCRIBE_BATCH_WAIT_MS: '4000',
    NOTESCRIBE_HEARTBEAT_FILE: heartbeat,
  };
  const child = spawn(join(__dirname, '../../node_modules/.bin/tsx'), [join(__dirname, '../../gpu-task/main.ts')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Powertools writes its log lines and EMF metrics to stdout, errors to stderr
  let log = '';
  let metrics = '';
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (line.includes('"_aws"')) metrics += `${line}\n`;
      else log += `${line}\n`;
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const key = 'uploads/sigterm/held.wav';
  h.startIngest();
  h.startSender();
  await h.upload(key, shortPieceWav(), { 'webhook-url': `${h.receiver.url}/hook/sigterm` });
  await h.waitForStatus(key, (r) => r.state === 'processing');
  child.kill('SIGTERM');
  expect(await exited).toBe(0);

  const record = await h.waitForStatus(key, (r) => r.state === 'done' && r.notifications !== undefined, 5000);
  expect(record.notifications?.webhook?.ok).toBe(true);
  expect(await h.queueDepth(h.resources.jobsQueueUrl)).toBe(0);
  expect(existsSync(heartbeat)).toBe(true);
  const lines = log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { message: string; provider?: string });
  expect(lines.find((l) => l.message === 'execution provider')?.provider).toBe('cpu');
  expect(lines.map((l) => l.message)).toEqual(expect.arrayContaining(['stopping: finishing held jobs', 'batch run', 'worker stopped']));
  // one EMF document per batch, in the Notescribe namespace, with the batch's size and the job done
  const emf = metrics.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(emf[0]).toMatchObject({ component: 'worker', BatchJobs: 1, JobsDone: 1 });
  expect(JSON.stringify(emf[0]?.['_aws'])).toContain('"Namespace":"Notescribe"');
});
