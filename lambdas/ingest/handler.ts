import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAwsClients } from '../../pipeline/aws';
import { readPipelineConfig } from '../../pipeline/config';
import { createLog } from '../../pipeline/log';
import { createMetrics } from '../../pipeline/metrics';
import { StatusStore } from '../../pipeline/status-store';
import { analyseUpload } from './engine';
import { ingestBatch, type IngestDeps } from './ingest';

let deps: IngestDeps | undefined;

/** Built on the first invocation and kept for the container's life (clients, secret cache). */
function lambdaDeps(): IngestDeps {
  if (deps) return deps;
  const config = readPipelineConfig(process.env, 'ingest');
  const clients = createAwsClients({
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  });
  deps = {
    config,
    clients,
    store: new StatusStore(clients.s3, config.bucket),
    notifyQueueUrl: config.notifyQueueUrl,
    log: createLog('ingest'),
    metrics: createMetrics('ingest'),
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
