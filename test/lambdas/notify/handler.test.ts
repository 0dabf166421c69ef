import { sqsRecord, useHandlerEnvironment } from '../../helpers/lambda';

describe('notification sender handler', () => {
  useHandlerEnvironment();

  it('drops outcome messages that break the contract without touching AWS (nobody to tell, retrying cannot help)', async () => {
    const { handler } = await import('../../../lambdas/notify/handler');
    const response = await handler({
      Records: [sqsRecord('not json', 'garbage'), sqsRecord(JSON.stringify({ version: 1, jobId: 'nothex' }), 'invalid')],
    });
    expect(response).toEqual({ batchItemFailures: [] });
  });
});
