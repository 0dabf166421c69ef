import type { SQSRecord } from 'aws-lambda';

/** An SQS record as Lambda's event source delivers it; only the body and the id matter to the handlers. */
export function sqsRecord(body: string, messageId: string, queueArn = 'arn:aws:sqs:us-east-1:1:q'): SQSRecord {
  return {
    messageId,
    receiptHandle: 'r',
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

/**
 * Gives each test of the file the environment a handler reads when it is imported (pipeline/settings.ts), with the
 * queues on a closed loopback port so that a call to AWS, which these tests say never happens, fails fast; and puts
 * the previous environment back after each test.
 */
export function useHandlerEnvironment(): void {
  const saved = { ...process.env };
  beforeEach(() => {
    process.env['NOTESCRIBE_BUCKET'] = 'b';
    process.env['NOTESCRIBE_JOBS_QUEUE_URL'] = 'http://127.0.0.1:9/q';
    process.env['NOTESCRIBE_NOTIFY_QUEUE_URL'] = 'http://127.0.0.1:9/n';
    process.env['AWS_REGION'] = 'us-east-1';
  });
  afterEach(() => {
    process.env = { ...saved };
  });
}
