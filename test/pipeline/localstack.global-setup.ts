import { startLocalStack, type LocalStackServer } from '../helpers/localstack';

/**
 * Jest global setup of the LocalStack run (test/pipeline/localstack.jest.config.js): one LocalStack for every suite
 * (it takes ~20 s to start; each harness makes its own uniquely named bucket, queues and topic on it).
 */
export default async function setup(): Promise<void> {
  const server = await startLocalStack();
  process.env['LOCALSTACK_ENDPOINT'] = server.endpoint;
  (globalThis as { notescribeLocalStack?: LocalStackServer }).notescribeLocalStack = server;
}
