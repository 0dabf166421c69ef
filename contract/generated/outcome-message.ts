// Generated from contract/outcome-message.schema.json by scripts/contract-types.ts (npm run generate:contract).
// Do not edit: change the schema and regenerate; test/contract/generated-types.test.ts fails while this is stale.

import type { JobNotify } from './job-message';

/**
 * The outbox entry: sent to the notify queue by whoever moved a job to done or failed (worker or ingest), read by the notification sender. It names the job; the outcome itself is read from the job's status record.
 */
export interface OutcomeMessage {
  readonly version: 1;
  readonly jobId: string;
  readonly bucket: string;
  readonly uploadKey: string;
  readonly title: string;
  readonly statusKey: string;
  readonly resultsPrefix: string;
  readonly notify: JobNotify;
}
