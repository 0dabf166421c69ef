import type { SQSRecord } from 'aws-lambda';

function record(body: string, messageId: string): SQSRecord {
  return {
    messageId,
    receiptHandle: 'r',
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:1:n',
    awsRegion: 'us-east-1',
  };
}

describe('notification sender handler', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('drops outcome messages that break the contract without touching AWS (nobody to tell, retrying cannot help)', async () => {
    process.env['NOTESCRIBE_BUCKET'] = 'b';
    process.env['NOTESCRIBE_JOBS_QUEUE_URL'] = 'http://127.0.0.1:9/q';
    process.env['NOTESCRIBE_NOTIFY_QUEUE_URL'] = 'http://127.0.0.1:9/n';
    process.env['AWS_REGION'] = 'us-east-1';
    const { handler } = await import('../../../lambdas/notify/handler');
    const response = await handler({
      Records: [record('not json', 'garbage'), record(JSON.stringify({ version: 1, jobId: 'nothex' }), 'invalid')],
    });
    expect(response).toEqual({ batchItemFailures: [] });
  });
});
