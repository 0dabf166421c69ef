import { readPipelineConfig, readWorkerConfig } from '../../pipeline/config';
import { NotescribeError } from '../../core/errors';

function problemsOf(read: () => unknown): string[] {
  try {
    read();
  } catch (error) {
    if (error instanceof NotescribeError) return error.context['problems'] as string[];
    throw error;
  }
  return [];
}

describe('pipeline configuration', () => {
  it('reads required values and applies defaults', () => {
    const config = readPipelineConfig({
      NOTESCRIBE_BUCKET: 'b',
      NOTESCRIBE_JOBS_QUEUE_URL: 'http://q',
      NOTESCRIBE_NOTIFY_QUEUE_URL: 'http://n',
      NOTESCRIBE_ALLOWED_WEBHOOK_HOSTS: 'hooks.example.com, *.example.org',
      NOTESCRIBE_RESULTS_PREFIX: 'out',
      NOTESCRIBE_AWS_ENDPOINT: 'http://127.0.0.1:4566',
      AWS_REGION: 'eu-west-1',
    });
    expect(config).toEqual({
      bucket: 'b',
      jobsQueueUrl: 'http://q',
      notifyQueueUrl: 'http://n',
      layout: { uploadsPrefix: 'uploads/', featuresPrefix: 'features/', resultsPrefix: 'out/', statusPrefix: 'status/' },
      notify: {
        allowPrivateWebhooks: false,
        webhookAttempts: 4,
        webhookMinBackoffMs: 500,
        webhookDeadlineMs: 15000,
        allowedWebhookHosts: ['hooks.example.com', '*.example.org'],
        allowedEmailDomains: [],
        presignSeconds: 604800,
      },
      maxAudioSeconds: 1800,
      maxInputBytes: 1024 ** 3,
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4566',
    });
  });

  it('names every missing or malformed variable at once', () => {
    expect(problemsOf(() => readPipelineConfig({ NOTESCRIBE_WEBHOOK_ATTEMPTS: '0' }))).toEqual([
      'NOTESCRIBE_WEBHOOK_ATTEMPTS must be an integer ≥ 1, got \'0\'',
      'NOTESCRIBE_BUCKET is not set',
      'NOTESCRIBE_JOBS_QUEUE_URL is not set',
      'NOTESCRIBE_NOTIFY_QUEUE_URL is not set',
    ]);
  });

  it('reads the worker settings, with the card beside the model by default', () => {
    const worker = readWorkerConfig({ NOTESCRIBE_MODEL_PATH: '/m/net.onnx', NOTESCRIBE_BATCH_WINDOWS: '64', NOTESCRIBE_OUTPUT_FORMATS: 'midi' });
    expect(worker).toEqual({
      modelPath: '/m/net.onnx',
      modelCardPath: '/m/net.card.json',
      executionProviders: ['cuda', 'cpu'],
      batchWindows: 64,
      batchWaitMs: 250,
      visibilitySeconds: 120,
      maxReceives: 3,
      formats: ['midi'],
    });
    expect(problemsOf(() => readWorkerConfig({ NOTESCRIBE_MODEL_PATH: 'x', NOTESCRIBE_OUTPUT_FORMATS: 'pdf' }))[0]).toMatch(
      /^NOTESCRIBE_OUTPUT_FORMATS: Unknown output format "pdf"/,
    );
  });
});
