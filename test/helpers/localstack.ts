import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './moto';

/** A LocalStack process on a loopback port, started for a test run. */
export interface LocalStackServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** The services the pipeline uses; LocalStack starts only these. */
export const LOCALSTACK_SERVICES = 's3,sqs,sns,ses,secretsmanager,ssm';

/**
 * Starts LocalStack (`.venv-localstack`, made by `bash scripts/localstack-env.sh`) as a plain Python process, no
 * Docker, on a free 127.0.0.1 port, and waits until its health endpoint says every service is available. It is told
 * to stay off the network: no DNS server of its own, no certificate download, no usage events, and its state in a
 * temporary folder.
 */
export async function startLocalStack(options: { timeoutMs?: number } = {}): Promise<LocalStackServer> {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), 'notescribe-localstack-'));
  const python = join(__dirname, '../../.venv-localstack/bin/python');
  const child: ChildProcess = spawn(python, ['-m', 'localstack.runtime.main'], {
    cwd: state,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: state,
      GATEWAY_LISTEN: `127.0.0.1:${port}`,
      SERVICES: LOCALSTACK_SERVICES,
      // offline and self-contained: no DNS server, no certificate or package downloads, no analytics
      DNS_ADDRESS: '0',
      SKIP_SSL_CERT_DOWNLOAD: '1',
      SKIP_INFRA_DOWNLOADS: '1',
      DISABLE_EVENTS: '1',
      LOCALSTACK_VOLUME_DIR: join(state, 'volume'),
      FILESYSTEM_ROOT: join(state, 'fs'),
      // SQS queue URLs name the endpoint the client used, so they work on any port
      SQS_ENDPOINT_STRATEGY: 'path',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        rmSync(state, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.pid === undefined) return done();
      child.once('exit', done);
      // the whole process group: LocalStack starts helpers of its own
      process.kill(-child.pid, 'SIGTERM');
    });
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const wanted = LOCALSTACK_SERVICES.split(',');
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`LocalStack exited with ${child.exitCode}\n${stderr}`);
    }
    try {
      const health = (await (await fetch(`${endpoint}/_localstack/health`)).json()) as { services?: Record<string, string> };
      if (wanted.every((s) => ['available', 'running'].includes(health.services?.[s] ?? ''))) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`LocalStack did not become healthy at ${endpoint} within ${options.timeoutMs ?? 120_000} ms\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { endpoint, stop };
}
