import type { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../pipeline/aws';
import { createLog } from '../../pipeline/log';
import { pollQueue, RECEIVE_RETRY_MS } from '../../pipeline/queue-poll';

/** Clients whose SQS `send` answers from `answers` in turn (an Error is thrown), recording each request. */
function fakeSqs(answers: Array<{ Messages?: Array<{ MessageId: string }> } | Error>) {
  const requests: Array<ReceiveMessageCommand['input']> = [];
  const send = (command: ReceiveMessageCommand) => {
    requests.push(command.input);
    const answer = answers.shift();
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer ?? {});
  };
  return { clients: { sqs: { send } } as unknown as AwsClients, requests };
}

describe('pollQueue', () => {
  const log = createLog('test', { silent: true });

  it('long-polls with the request as given, the wait capped at SQS\'s 20 s', async () => {
    const { clients, requests } = fakeSqs([{ Messages: [{ MessageId: 'm1' }] }]);
    const messages = await pollQueue(
      clients,
      { queueUrl: 'http://q', maxMessages: 10, waitTimeSeconds: 90, visibilitySeconds: 300, attributeNames: ['ApproximateReceiveCount'] },
      log,
    );
    expect(messages).toEqual([{ MessageId: 'm1' }]);
    expect(requests).toEqual([
      { QueueUrl: 'http://q', MaxNumberOfMessages: 10, WaitTimeSeconds: 20, VisibilityTimeout: 300, MessageSystemAttributeNames: ['ApproximateReceiveCount'] },
    ]);
  });

  it('reads a failed receive as no messages, after logging it and waiting RECEIVE_RETRY_MS', async () => {
    const { clients } = fakeSqs([new Error('connection reset')]);
    const errors: unknown[] = [];
    const spyLog = { ...log, error: (...args: unknown[]) => errors.push(args) } as typeof log;
    const started = Date.now();
    const messages = await pollQueue(clients, { queueUrl: 'http://q', maxMessages: 1, waitTimeSeconds: 0, attributeNames: ['All'] }, spyLog);
    expect(messages).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(RECEIVE_RETRY_MS - 20);
    expect(errors).toEqual([['receive failed', { queueUrl: 'http://q', error: 'connection reset' }]]);
  });
});
