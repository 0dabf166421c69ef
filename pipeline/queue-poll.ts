import { ReceiveMessageCommand, type Message, type MessageSystemAttributeName } from '@aws-sdk/client-sqs';
import type { AwsClients } from './aws';
import type { Log } from './log';

/** SQS's longest long poll, seconds. */
export const MAX_WAIT_SECONDS = 20;
/** How long a loop waits after a failed receive before it polls again (a network blip, throttling). */
export const RECEIVE_RETRY_MS = 1000;

/** One long poll. */
export interface PollRequest {
  readonly queueUrl: string;
  /** 1…10. */
  readonly maxMessages: number;
  /** Seconds the poll may wait for a message; capped at `MAX_WAIT_SECONDS`. */
  readonly waitTimeSeconds: number;
  /**
   * Visibility timeout of the received messages, seconds.
   * @default the queue's own
   */
  readonly visibilitySeconds?: number | undefined;
  /** System attributes to return with each message (ApproximateReceiveCount, or All). */
  readonly attributeNames: readonly MessageSystemAttributeName[];
}

/**
 * The one receive of both local consumers of a queue (the worker's batching loop and `SqsEventSource`, Lambda's
 * stand-in): a long poll whose failure is logged, waited out for `RECEIVE_RETRY_MS` and read as no messages, so the
 * loop around it survives a blip and keeps checking whether it should stop. The loops themselves differ on purpose:
 * the worker gathers windows of several polls into one inference batch, the event source keeps several batches in
 * flight.
 */
export async function pollQueue(clients: AwsClients, request: PollRequest, log: Log): Promise<Message[]> {
  try {
    const response = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: request.queueUrl,
        MaxNumberOfMessages: request.maxMessages,
        WaitTimeSeconds: Math.min(MAX_WAIT_SECONDS, request.waitTimeSeconds),
        ...(request.visibilitySeconds ? { VisibilityTimeout: request.visibilitySeconds } : {}),
        MessageSystemAttributeNames: [...request.attributeNames],
      }),
    );
    return response.Messages ?? [];
  } catch (error) {
    log.error('receive failed', { queueUrl: request.queueUrl, error: (error as Error).message });
    await new Promise((resolve) => setTimeout(resolve, RECEIVE_RETRY_MS));
    return [];
  }
}
