import type { SQSEvent } from 'aws-lambda';
import { s3ObjectsOf } from '../../../lambdas/ingest/ingest';
import { sqsRecord, useHandlerEnvironment } from '../../helpers/lambda';

describe('ingest handler', () => {
  useHandlerEnvironment();

  it('acknowledges the s3:TestEvent and bodies that are not S3 events without touching AWS', async () => {
    const { handler } = await import('../../../lambdas/ingest/handler');
    const event: SQSEvent = {
      Records: [
        sqsRecord(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' }), 'test-event'),
        sqsRecord('not json', 'garbage'),
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
