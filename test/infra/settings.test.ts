import { NotescribeError } from '../../core/errors';
import {
  DEFAULT_SETTINGS,
  gpuTaskShape,
  ingestMemoryForAudio,
  queueTimings,
  resolveSettings,
  workerScalingSteps,
} from '../../infra/lib/settings';

const read = (context: Record<string, unknown>) => (key: string): unknown => context[key];

describe('resolveSettings', () => {
  it('returns the defaults for an empty context', () => {
    expect(resolveSettings(read({}))).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS.maxAudioMinutes).toBe(30);
    expect(DEFAULT_SETTINGS.gpuInstanceType).toBe('g4dn.xlarge');
  });

  it('parses -c strings and cdk.json values alike', () => {
    const fromStrings = resolveSettings(
      read({ maxWorkerTasks: '5', notifyEmails: 'a@x.io, b@x.io', sesCreateIdentity: 'false', workerMode: 'fargate' }),
    );
    const fromJson = resolveSettings(
      read({ maxWorkerTasks: 5, notifyEmails: ['a@x.io', 'b@x.io'], sesCreateIdentity: false, workerMode: 'fargate' }),
    );
    expect(fromStrings).toEqual(fromJson);
    expect(fromStrings).toMatchObject({
      maxWorkerTasks: 5,
      notifyEmails: ['a@x.io', 'b@x.io'],
      sesCreateIdentity: false,
      workerMode: 'fargate',
    });
  });

  it('collects every problem and throws once with INVALID_SETTINGS', () => {
    let caught: unknown;
    try {
      resolveSettings(
        read({
          workerMode: 'tpu',
          maxWorkerTasks: '0',
          ingestTimeoutSeconds: '901',
          notifyEmails: 'not-an-address',
          defaultWebhookUrl: 'ftp://x',
        }),
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NotescribeError);
    const error = caught as NotescribeError;
    expect(error.code).toBe('INVALID_SETTINGS');
    expect(error.context.problems).toEqual([
      'workerMode must be gpu or fargate, got tpu',
      'defaultWebhookUrl must be an http(s) URL, got ftp://x',
      'maxWorkerTasks must be an integer from 1 to 39, got "0"',
      'ingestTimeoutSeconds must be an integer from 10 to 900, got "901"',
      'notifyEmails: not-an-address is not an email address',
    ]);
  });

  it('checks the GPU instance type in gpu mode only', () => {
    expect(() => resolveSettings(read({ gpuInstanceType: 'p4d.24xlarge' }))).toThrow(
      'invalid deployment settings: gpuInstanceType p4d.24xlarge is not a single-GPU g4dn/g5/g6 size (xlarge, 2xlarge, 4xlarge, 8xlarge, 16xlarge)',
    );
    expect(resolveSettings(read({ workerMode: 'fargate', gpuInstanceType: 'm5.large' })).workerMode).toBe('fargate');
  });
});

describe('ingestMemoryForAudio', () => {
  it('is at least one vCPU (1769 MB) and grows by the bench peak of 368 MB per 600 s of audio', () => {
    expect(ingestMemoryForAudio(10)).toBe(1792);
    expect(ingestMemoryForAudio(30)).toBe(1792);
    expect(ingestMemoryForAudio(60)).toBe(2752);
    expect(DEFAULT_SETTINGS.ingestMemoryMb).toBe(1792);
  });

  it('follows maxAudioMinutes unless ingestMemoryMb is given, and refuses lengths Lambda cannot hold', () => {
    expect(resolveSettings(read({ maxAudioMinutes: '60' })).ingestMemoryMb).toBe(2752);
    expect(resolveSettings(read({ maxAudioMinutes: '60', ingestMemoryMb: '4096' })).ingestMemoryMb).toBe(4096);
    expect(() => resolveSettings(read({ maxAudioMinutes: '300' }))).toThrow(
      'invalid deployment settings: maxAudioMinutes 300 needs ~11584 MB in the ingest Lambda, over its 10240 MB',
    );
  });
});

describe('gpuTaskShape', () => {
  it('reserves the instance less 0.5 vCPU and 20 % of memory', () => {
    expect(gpuTaskShape('g4dn.xlarge')).toEqual({ cpu: 3584, memoryReservationMiB: 13107 });
    expect(gpuTaskShape('g5.2xlarge')).toEqual({ cpu: 7680, memoryReservationMiB: 26214 });
    expect(gpuTaskShape('g6.4xlarge')).toEqual({ cpu: 15872, memoryReservationMiB: 52428 });
  });

  it('refuses multi-GPU sizes and other families', () => {
    expect(() => gpuTaskShape('g4dn.12xlarge')).toThrow(/not a single-GPU/);
    expect(() => gpuTaskShape('p3.2xlarge')).toThrow(/not a single-GPU/);
  });
});

describe('queueTimings', () => {
  it('gives the ingest and notify queues six Lambda timeouts and the jobs queue the worker visibility', () => {
    expect(queueTimings(DEFAULT_SETTINGS)).toEqual({ ingestVisibilitySeconds: 1800, jobsVisibilitySeconds: 120, notifyVisibilitySeconds: 270 });
    expect(queueTimings({ ...DEFAULT_SETTINGS, ingestTimeoutSeconds: 300, workerVisibilitySeconds: 600, webhookDeadlineSeconds: 30 })).toEqual({
      ingestVisibilitySeconds: 1800,
      jobsVisibilitySeconds: 600,
      notifyVisibilitySeconds: 360,
    });
  });
});

describe('workerScalingSteps', () => {
  it('maps the backlog to exact task counts', () => {
    expect(workerScalingSteps({ ...DEFAULT_SETTINGS, maxWorkerTasks: 3, jobsPerWorker: 4 })).toEqual([
      { lowerBacklog: 0, tasks: 0 },
      { lowerBacklog: 1, tasks: 1 },
      { lowerBacklog: 5, tasks: 2 },
      { lowerBacklog: 9, tasks: 3 },
    ]);
    expect(workerScalingSteps({ ...DEFAULT_SETTINGS, maxWorkerTasks: 1 })).toEqual([
      { lowerBacklog: 0, tasks: 0 },
      { lowerBacklog: 1, tasks: 1 },
    ]);
  });
});
