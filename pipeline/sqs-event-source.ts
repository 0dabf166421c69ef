import { DeleteMessageBatchCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { AwsClients } from './aws';
import type { Log } from './log';
import { MAX_WAIT_SECONDS, pollQueue } from './queue-poll';

/** A Lambda SQS handler with `reportBatchItemFailures`: the messages it names come back, the others are deleted. */
export type SqsBatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

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
 * Stands in for Lambda's SQS event source outside AWS (`npm run local`, tests): receives batches from a queue, calls
 * the same batch function the Lambda handler calls (ingest, notification sender), and deletes the messages not
 * reported as failures. Like Lambda, which runs batches in concurrent invocations, it keeps up to `concurrency`
 * batches in flight, so one slow batch (a webhook waiting out its deadline) does not hold the ones behind it.
 */
export class SqsEventSource {
  private stopping = false;
  private running: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly clients: AwsClients,
    private readonly handle: SqsBatchHandler,
    private readonly queueUrl: string,
    private readonly log: Log,
    private readonly options: { batchSize?: number; waitTimeSeconds?: number; visibilitySeconds?: number; concurrency?: number } = {},
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
    const concurrency = this.options.concurrency ?? 1;
    while (!this.stopping) {
      if (this.inFlight.size >= concurrency) {
        await Promise.race(this.inFlight);
        continue;
      }
      const messages = await pollQueue(
        this.clients,
        {
          queueUrl: this.queueUrl,
          maxMessages: this.options.batchSize ?? 10,
          waitTimeSeconds: this.options.waitTimeSeconds ?? MAX_WAIT_SECONDS,
          visibilitySeconds: this.options.visibilitySeconds,
          attributeNames: ['All'],
        },
        this.log,
      );
      if (messages.length === 0) continue;
      const batch = this.run(messages).catch((error: unknown) =>
        this.log.error('batch failed; its messages will come back', { queueUrl: this.queueUrl, error: (error as Error).message }),
      );
      this.inFlight.add(batch);
      void batch.finally(() => this.inFlight.delete(batch));
    }
    await Promise.all(this.inFlight);
  }

  /** One batch, as one Lambda invocation: the handler, then deleting what it did not report as failed. */
  private async run(messages: Message[]): Promise<void> {
    const region = this.clients.target.region ?? 'us-east-1';
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, this.queueUrl, region)) };
    const { batchItemFailures } = await this.handle(event);
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
