import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAwsClients } from '../shared/aws';
import { readPipelineConfig } from '../shared/config';
import { createLog } from '../shared/log';
import { Notifier } from '../shared/notify';
import { StatusStore } from '../shared/status-store';
import { analyseUpload } from './engine';
import { ingestBatch, type IngestDeps } from './ingest';

let deps: IngestDeps | undefined;

/** Built on the first invocation and kept for the container's life (clients, secret cache). */
function lambdaDeps(): IngestDeps {
  if (deps) return deps;
  const config = readPipelineConfig(process.env);
  const clients = createAwsClients({
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  });
  deps = {
    config,
    clients,
    store: new StatusStore(clients.s3, config.bucket),
    notifier: new Notifier(clients, config.notify),
    notifyConfig: config.notify,
    log: createLog('ingest'),
    analyse: analyseUpload,
  };
  return deps;
}

/**
 * The ingest Lambda: SQS event source over the ingest queue (S3 ObjectCreated notifications), with
 * `reportBatchItemFailures` enabled. Configuration: docs/pipeline.md.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  return ingestBatch(lambdaDeps(), event);
}
