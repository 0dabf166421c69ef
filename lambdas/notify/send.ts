import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseOutcomeMessage, type OutcomeMessage } from '../../contract/outcome-message';
import { publishMetrics } from '../../pipeline/metrics';
import { sendOutcome, type SenderServices } from '../../pipeline/notification-sender';

/**
 * Handles one SQS batch from the notify queue (the outbox): each outcome message is delivered in parallel, so one slow
 * receiver delays only its own job's notifications. A message whose S3 reads or writes failed is reported in
 * `batchItemFailures` and comes back; an invalid one is dropped (nobody to tell) after logging.
 */
export async function sendBatch(services: SenderServices, event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      let message: OutcomeMessage;
      try {
        message = parseOutcomeMessage(record.body);
      } catch (error) {
        services.log.error('dropping an invalid outcome message', { messageId: record.messageId, error: (error as Error).message });
        return;
      }
      try {
        await sendOutcome(services, message);
      } catch (error) {
        services.log.error('sending an outcome failed, will retry', { jobId: message.jobId, error: (error as Error).message });
        failures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  publishMetrics(services.metrics);
  return { batchItemFailures: failures };
}
