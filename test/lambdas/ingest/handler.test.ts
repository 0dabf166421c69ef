import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { s3ObjectsOf } from '../../../lambdas/ingest/ingest';

function record(body: string, messageId: string): SQSRecord {
  return {
    messageId,
    receiptHandle: 'r',
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:1:q',
    awsRegion: 'us-east-1',
  };
}

describe('ingest handler', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('acknowledges the s3:TestEvent and bodies that are not S3 events without touching AWS', async () => {
    process.env['NOTESCRIBE_BUCKET'] = 'b';
    process.env['NOTESCRIBE_JOBS_QUEUE_URL'] = 'http://127.0.0.1:9/q';
    process.env['NOTESCRIBE_NOTIFY_QUEUE_URL'] = 'http://127.0.0.1:9/n';
    process.env['AWS_REGION'] = 'us-east-1';
    const { handler } = await import('../../../lambdas/ingest/handler');
    const event: SQSEvent = {
      Records: [
        record(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' }), 'test-event'),
        record('not json', 'garbage'),
      ],
    };
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
  });

  it('reads only ObjectCreated records from an S3 notification, keys as sent', () => {
    const body = JSON.stringify({
      Records: [
        { eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'uploads/a+b.wav' } } },
        { eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: 'b' }, object: { key: 'uploads/gone.wav' } } },
        { eventName: 'ObjectCreated:CompleteMultipartUpload', s3: { bucket: { name: 'b' }, object: { key: 'uploads/big.wav' } } },
      ],
    });
    expect(s3ObjectsOf(body)).toEqual([
      { bucket: 'b', key: 'uploads/a+b.wav', eventName: 'ObjectCreated:Put' },
      { bucket: 'b', key: 'uploads/big.wav', eventName: 'ObjectCreated:CompleteMultipartUpload' },
    ]);
    expect(s3ObjectsOf(JSON.stringify({ Event: 's3:TestEvent' }))).toEqual([]);
    expect(() => s3ObjectsOf('{"hello":1}')).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }) as Error);
  });
});
