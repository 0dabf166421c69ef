import type { LocalStackServer } from '../helpers/localstack';

/** Stops the LocalStack the global setup started. */
export default async function teardown(): Promise<void> {
  await (globalThis as { notescribeLocalStack?: LocalStackServer }).notescribeLocalStack?.stop();
}
