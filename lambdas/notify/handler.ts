import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAwsClients } from '../../pipeline/aws';
import { readPipelineConfig } from '../../pipeline/config';
import { createLog } from '../../pipeline/log';
import { createMetrics } from '../../pipeline/metrics';
import type { SenderServices } from '../../pipeline/notification-sender';
import { Notifier } from '../../pipeline/notify';
import { StatusStore } from '../../pipeline/status-store';
import { sendBatch } from './send';

let services: SenderServices | undefined;

/** Built on the first invocation and kept for the container's life (clients, secret cache). */
function lambdaServices(): SenderServices {
  if (services) return services;
  const config = readPipelineConfig(process.env, 'sender');
  const clients = createAwsClients({
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  });
  services = {
    clients,
    store: new StatusStore(clients.s3, config.bucket),
    notifier: new Notifier(clients, config.notify),
    notifyConfig: config.notify,
    log: createLog('notify'),
    metrics: createMetrics('notify'),
  };
  return services;
}

/**
 * The notification sender Lambda: SQS event source over the notify queue (the outbox the worker and ingest write),
 * with `reportBatchItemFailures` enabled. Configuration: docs/pipeline.md.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  return sendBatch(lambdaServices(), event);
}
