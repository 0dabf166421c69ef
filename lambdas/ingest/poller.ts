import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { AwsClients } from '../shared/aws';
import { ingestBatch, type IngestDeps } from './ingest';

function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: message.Attributes?.SentTimestamp ?? '0',
      SenderId: message.Attributes?.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? '0',
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * Stands in for Lambda's SQS event source outside AWS (`npm run local`, tests): receives batches from the ingest
 * queue, calls the same `ingestBatch` the Lambda handler calls, and deletes the messages not reported as failures.
 */
export class IngestPoller {
  private stopping = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly clients: AwsClients,
    private readonly deps: IngestDeps,
    private readonly queueUrl: string,
    private readonly options: { batchSize?: number; waitTimeSeconds?: number; visibilitySeconds?: number } = {},
  ) {}

  start(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let messages: Message[];
      try {
        const response = await this.clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.queueUrl,
            MaxNumberOfMessages: this.options.batchSize ?? 10,
            WaitTimeSeconds: this.options.waitTimeSeconds ?? 20,
            ...(this.options.visibilitySeconds ? { VisibilityTimeout: this.options.visibilitySeconds } : {}),
            MessageSystemAttributeNames: ['All'],
          })
        );
        messages = response.Messages ?? [];
      } catch (error) {
        if (this.stopping) break;
        this.deps.log.error('ingest receive failed', { error: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (messages.length === 0) continue;
      const region = this.clients.target.region ?? 'us-east-1';
      const event: SQSEvent = { Records: messages.map((m) => toRecord(m, this.queueUrl, region)) };
      const { batchItemFailures } = await ingestBatch(this.deps, event);
      const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
      const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
      if (done.length > 0) {
        await this.clients.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
      }
    }
  }
}
