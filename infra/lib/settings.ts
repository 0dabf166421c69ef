import { NotescribeError } from '../../core/errors';
import { DEFAULT_MAX_AUDIO_SECONDS } from '../../core/params';
import { defaultOf } from '../../pipeline/settings';

/** How the inference worker runs: on GPU instances (ECS on EC2) or on CPU (Fargate, for small, cheap deployments). */
export type WorkerMode = 'gpu' | 'fargate';

/**
 * Every deployment setting, read from CDK context (`cdk deploy -c name=value` or `cdk.json`). docs/deploy.md lists
 * them with their defaults; `DEFAULT_SETTINGS` is the single source of those defaults.
 */
export interface NotescribeSettings {
  /** `gpu` (ECS on EC2 with one GPU per task) or `fargate` (CPU only). @default 'gpu' */
  readonly workerMode: WorkerMode;
  /** EC2 instance type of the GPU workers: a single-GPU size of g4dn, g5 or g6. @default 'g4dn.xlarge' */
  readonly gpuInstanceType: string;
  /** Most worker tasks (and, in GPU mode, instances) running at once. @default 2 */
  readonly maxWorkerTasks: number;
  /** Queued-plus-running jobs per worker task before another task is started. @default 4 */
  readonly jobsPerWorker: number;
  /** Minutes without any job before the workers scale to zero (a GPU instance takes minutes to start). @default 15 */
  readonly idleMinutesBeforeScaleIn: number;
  /** Fargate task CPU units (1024 = 1 vCPU), fargate mode only. @default 4096 */
  readonly fargateCpu: number;
  /** Fargate task memory, MiB, fargate mode only. @default 8192 */
  readonly fargateMemoryMiB: number;
  /** The worker runs a batch once it holds this many onset windows. @default 512 */
  readonly batchWindows: number;
  /** … or this long (ms) after its first job arrived. @default 250 */
  readonly batchWaitMs: number;
  /** Visibility (s) the worker keeps extending while it holds a job; also the jobs queue's default. @default 120 */
  readonly workerVisibilitySeconds: number;
  /** Longest accepted upload, minutes. @default 30 (core/params DEFAULT_MAX_AUDIO_SECONDS) */
  readonly maxAudioMinutes: number;
  /** Ingest Lambda memory, MB. @default ingestMemoryForAudio(maxAudioMinutes): 1792 for 30 minutes */
  readonly ingestMemoryMb: number;
  /**
   * Ingest Lambda timeout, seconds (≤ 900). The bench decodes and analyses 43× faster than real time on one core
   * (`npm run bench -- --only dsp`): ~42 s for 30 minutes of audio; 300 s leaves room for a slower Lambda core and
   * the S3 transfers. @default 300
   */
  readonly ingestTimeoutSeconds: number;
  /** Reserved concurrency of the ingest Lambda; undefined reserves none. @default undefined */
  readonly ingestReservedConcurrency: number | undefined;
  /** Most concurrent ingest invocations the SQS event source starts (2…1000). @default 5 */
  readonly ingestMaxConcurrency: number;
  /** Addresses subscribed (by email) to the outcome topic; each must confirm. @default [] */
  readonly notifyEmails: readonly string[];
  /** Addresses subscribed (by email) to the alarm topic. @default [] */
  readonly alarmEmails: readonly string[];
  /** Webhook for uploads that carry no `webhook-url` metadata. @default undefined */
  readonly defaultWebhookUrl: string | undefined;
  /** Address that receives outcomes of uploads without `notify-email` metadata. @default undefined */
  readonly defaultNotifyEmail: string | undefined;
  /** SES sender address; without it no email is sent by the pipeline (SNS email subscriptions still work). @default undefined */
  readonly sesSender: string | undefined;
  /** Create (and so start verification of) an SES email identity for `sesSender`. @default true */
  readonly sesCreateIdentity: boolean;
  /** Days before intermediate feature files expire. @default 7 */
  readonly featureRetentionDays: number;
  /** Days a replaced or deleted object version is kept. @default 30 */
  readonly noncurrentVersionDays: number;
  /** Alarm when a queue's oldest message is older than this, seconds. @default 1800 */
  readonly oldestMessageAlarmSeconds: number;
  /**
   * Hosts an upload's `webhook-url` may name (`hooks.example.com`, or `*.example.com` for every name under it); `*`
   * lets uploaders name any host. Anyone who may upload chooses the target otherwise. @default [] (none: only
   * `defaultWebhookUrl`)
   */
  readonly allowedWebhookHosts: readonly string[];
  /** Domains an upload's `notify-email` may be in (same form); `*`: any. @default [] (none: only `defaultNotifyEmail`) */
  readonly allowedEmailDomains: readonly string[];
  /** Deadline of one webhook delivery, every retry included, seconds. @default 15 */
  readonly webhookDeadlineSeconds: number;
}

/** Peak memory of decode → spectrogram → onsets per second of audio: 368 MB for a 600 s piece (bench `dsp`). */
export const INGEST_MB_PER_AUDIO_SECOND = 368 / 600;
/** Node.js runtime, the compressed upload, the feature file being written, S3 buffers. */
export const INGEST_BASE_MB = 512;
/** Lambda gives one full vCPU at 1769 MB; the DSP is single-threaded, so more CPU would not help, less would slow it. */
export const LAMBDA_ONE_VCPU_MB = 1769;

/**
 * Ingest Lambda memory for the longest accepted upload, MB: the bench's peak per audio second plus a base, at least
 * one full vCPU, rounded up to 64 MB.
 * @example ingestMemoryForAudio(30) // 1792; ingestMemoryForAudio(60) // 2752
 */
export function ingestMemoryForAudio(maxAudioMinutes: number): number {
  const needed = Math.max(LAMBDA_ONE_VCPU_MB, INGEST_MB_PER_AUDIO_SECOND * maxAudioMinutes * 60 + INGEST_BASE_MB);
  return Math.ceil(needed / 64) * 64;
}

/** The defaults of every setting. */
export const DEFAULT_SETTINGS: NotescribeSettings = {
  workerMode: 'gpu',
  gpuInstanceType: 'g4dn.xlarge',
  maxWorkerTasks: 2,
  jobsPerWorker: 4,
  idleMinutesBeforeScaleIn: 15,
  fargateCpu: 4096,
  fargateMemoryMiB: 8192,
  batchWindows: Number(defaultOf('NOTESCRIBE_BATCH_WINDOWS')),
  batchWaitMs: Number(defaultOf('NOTESCRIBE_BATCH_WAIT_MS')),
  workerVisibilitySeconds: Number(defaultOf('NOTESCRIBE_VISIBILITY_SECONDS')),
  maxAudioMinutes: DEFAULT_MAX_AUDIO_SECONDS / 60,
  ingestMemoryMb: ingestMemoryForAudio(DEFAULT_MAX_AUDIO_SECONDS / 60),
  ingestTimeoutSeconds: 300,
  ingestReservedConcurrency: undefined,
  ingestMaxConcurrency: 5,
  notifyEmails: [],
  alarmEmails: [],
  defaultWebhookUrl: undefined,
  defaultNotifyEmail: undefined,
  sesSender: undefined,
  sesCreateIdentity: true,
  featureRetentionDays: 7,
  noncurrentVersionDays: 30,
  oldestMessageAlarmSeconds: 1800,
  allowedWebhookHosts: [],
  allowedEmailDomains: [],
  webhookDeadlineSeconds: Number(defaultOf('NOTESCRIBE_WEBHOOK_DEADLINE_MS')) / 1000,
};

/** What the sender Lambda does besides waiting on a webhook: SNS, SES, reading and writing the status record. */
export const SENDER_OVERHEAD_SECONDS = 30;

/** The sender Lambda's timeout: one webhook deadline plus the rest of its work. */
export function senderTimeoutSeconds(settings: NotescribeSettings): number {
  return settings.webhookDeadlineSeconds + SENDER_OVERHEAD_SECONDS;
}

/** Single-GPU sizes of the supported families; their vCPU and memory are the same across g4dn, g5 and g6. */
const GPU_SIZES: Readonly<Record<string, { vcpus: number; memoryGiB: number }>> = {
  xlarge: { vcpus: 4, memoryGiB: 16 },
  '2xlarge': { vcpus: 8, memoryGiB: 32 },
  '4xlarge': { vcpus: 16, memoryGiB: 64 },
  '8xlarge': { vcpus: 32, memoryGiB: 128 },
  '16xlarge': { vcpus: 64, memoryGiB: 256 },
};
const GPU_FAMILIES = ['g4dn', 'g5', 'g6'] as const;

/** What one worker task on a GPU instance may reserve. */
export interface GpuTaskShape {
  /** CPU units (1024 per vCPU) reserved by the task. */
  readonly cpu: number;
  /** Soft memory reservation, MiB. */
  readonly memoryReservationMiB: number;
}

/**
 * The task shape for a single-GPU instance type: the whole instance less what the OS, the ECS agent and the NVIDIA
 * driver need (ECS registers roughly 94 % of physical memory; 80 % leaves a margin and still places the task).
 * @throws NotescribeError `INVALID_SETTINGS` for an unsupported type.
 * @example gpuTaskShape('g4dn.xlarge') // { cpu: 3584, memoryReservationMiB: 13107 }
 */
export function gpuTaskShape(instanceType: string): GpuTaskShape {
  const [family, size] = instanceType.split('.');
  const shape = size === undefined ? undefined : GPU_SIZES[size];
  if (!GPU_FAMILIES.includes(family as (typeof GPU_FAMILIES)[number]) || shape === undefined) {
    throw new NotescribeError(
      'INVALID_SETTINGS',
      `gpuInstanceType ${instanceType} is not a single-GPU ${GPU_FAMILIES.join('/')} size (${Object.keys(GPU_SIZES).join(', ')})`,
      { context: { instanceType } },
    );
  }
  return { cpu: shape.vcpus * 1024 - 512, memoryReservationMiB: Math.floor(shape.memoryGiB * 1024 * 0.8) };
}

/** Queue timings derived from the settings. */
export interface QueueTimings {
  /** Ingest queue visibility: six Lambda timeouts, as AWS recommends for SQS event sources (retries, batching). */
  readonly ingestVisibilitySeconds: number;
  /** Jobs queue visibility: what the worker extends while it holds a job, so a crashed worker's job returns soon. */
  readonly jobsVisibilitySeconds: number;
  /** Notify queue visibility: six sender timeouts, like the ingest queue. */
  readonly notifyVisibilitySeconds: number;
}

/** Visibility timeouts of both queues, in seconds. */
export function queueTimings(settings: NotescribeSettings): QueueTimings {
  return {
    ingestVisibilitySeconds: 6 * settings.ingestTimeoutSeconds,
    jobsVisibilitySeconds: settings.workerVisibilitySeconds,
    notifyVisibilitySeconds: 6 * senderTimeoutSeconds(settings),
  };
}

/** One step of the worker's scaling: at least `lowerBacklog` jobs (queued + in flight) run `tasks` tasks. */
export interface ScalingStep {
  readonly lowerBacklog: number;
  readonly tasks: number;
}

/**
 * The worker's exact-capacity steps: no jobs → 0 tasks, then one more task per `jobsPerWorker` jobs up to
 * `maxWorkerTasks`.
 * @example workerScalingSteps({ ...DEFAULT_SETTINGS, maxWorkerTasks: 2, jobsPerWorker: 4 })
 *   // [{ lowerBacklog: 0, tasks: 0 }, { lowerBacklog: 1, tasks: 1 }, { lowerBacklog: 5, tasks: 2 }]
 */
export function workerScalingSteps(settings: NotescribeSettings): ScalingStep[] {
  const steps: ScalingStep[] = [{ lowerBacklog: 0, tasks: 0 }];
  for (let tasks = 1; tasks <= settings.maxWorkerTasks; tasks++) {
    steps.push({ lowerBacklog: (tasks - 1) * settings.jobsPerWorker + 1, tasks });
  }
  return steps;
}

/** Reads one context value: undefined when unset. */
export type ContextReader = (key: string) => unknown;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Reads the settings from CDK context (strings from `-c`, or JSON values from cdk.json), checks every one and throws
 * once listing every problem.
 * @throws NotescribeError `INVALID_SETTINGS` with `context.problems`.
 */
export function resolveSettings(read: ContextReader): NotescribeSettings {
  const problems: string[] = [];
  const d = DEFAULT_SETTINGS;

  const text = (key: string): string | undefined => {
    const value = read(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'string') return value.trim();
    problems.push(`${key} must be a string`);
    return undefined;
  };
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const raw = read(key);
    if (raw === undefined || raw === null || raw === '') return fallback;
    const value = typeof raw === 'number' ? raw : Number(String(raw).trim());
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return value;
  };
  const optionalInteger = (key: string, min: number, max: number): number | undefined => {
    const raw = read(key);
    if (raw === undefined || raw === null || raw === '') return undefined;
    return integer(key, min, min, max);
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const raw = read(key);
    if (raw === undefined || raw === null || raw === '') return fallback;
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    problems.push(`${key} must be true or false, got ${JSON.stringify(raw)}`);
    return fallback;
  };
  const emails = (key: string): string[] => {
    const raw = read(key);
    if (raw === undefined || raw === null || raw === '') return [];
    const list = Array.isArray(raw) ? raw : String(raw).split(',');
    const addresses = list.map((a) => String(a).trim()).filter((a) => a !== '');
    for (const a of addresses) if (!EMAIL.test(a)) problems.push(`${key}: ${a} is not an email address`);
    return addresses;
  };
  const hosts = (key: string): string[] => {
    const raw = read(key);
    if (raw === undefined || raw === null || raw === '') return [];
    const list = (Array.isArray(raw) ? raw : String(raw).split(',')).map((h) => String(h).trim().toLowerCase()).filter((h) => h !== '');
    for (const h of list) if (h !== '*' && !/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(h)) problems.push(`${key}: ${h} is not a host name, *.domain or *`);
    return list;
  };
  const email = (key: string): string | undefined => {
    const value = text(key);
    if (value !== undefined && !EMAIL.test(value)) problems.push(`${key}: ${value} is not an email address`);
    return value;
  };

  const mode = text('workerMode') ?? d.workerMode;
  if (mode !== 'gpu' && mode !== 'fargate') problems.push(`workerMode must be gpu or fargate, got ${mode}`);
  const gpuInstanceType = text('gpuInstanceType') ?? d.gpuInstanceType;
  if (mode === 'gpu') {
    try {
      gpuTaskShape(gpuInstanceType);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const defaultWebhookUrl = text('defaultWebhookUrl');
  if (defaultWebhookUrl !== undefined && !/^https?:\/\/\S+$/.test(defaultWebhookUrl)) {
    problems.push(`defaultWebhookUrl must be an http(s) URL, got ${defaultWebhookUrl}`);
  }

  const maxAudioMinutes = integer('maxAudioMinutes', d.maxAudioMinutes, 1, 24 * 60);
  const settings: NotescribeSettings = {
    workerMode: mode === 'fargate' ? 'fargate' : 'gpu',
    gpuInstanceType,
    // Step scaling allows 40 steps; one is the zero step.
    maxWorkerTasks: integer('maxWorkerTasks', d.maxWorkerTasks, 1, 39),
    jobsPerWorker: integer('jobsPerWorker', d.jobsPerWorker, 1, 1000),
    idleMinutesBeforeScaleIn: integer('idleMinutesBeforeScaleIn', d.idleMinutesBeforeScaleIn, 1, 1440),
    fargateCpu: integer('fargateCpu', d.fargateCpu, 256, 16384),
    fargateMemoryMiB: integer('fargateMemoryMiB', d.fargateMemoryMiB, 512, 122880),
    batchWindows: integer('batchWindows', d.batchWindows, 1, 65536),
    batchWaitMs: integer('batchWaitMs', d.batchWaitMs, 0, 60000),
    // SQS allows up to 12 hours; the worker extends every third of it, so below 30 s it would mostly extend.
    workerVisibilitySeconds: integer('workerVisibilitySeconds', d.workerVisibilitySeconds, 30, 43200),
    maxAudioMinutes,
    // Lambda's range.
    ingestMemoryMb: integer('ingestMemoryMb', ingestMemoryForAudio(maxAudioMinutes), 128, 10240),
    // 7200 s × 6 would pass SQS's 12-hour visibility limit, Lambda stops at 900 s anyway.
    ingestTimeoutSeconds: integer('ingestTimeoutSeconds', d.ingestTimeoutSeconds, 10, 900),
    ingestReservedConcurrency: optionalInteger('ingestReservedConcurrency', 1, 1000),
    ingestMaxConcurrency: integer('ingestMaxConcurrency', d.ingestMaxConcurrency, 2, 1000),
    notifyEmails: emails('notifyEmails'),
    alarmEmails: emails('alarmEmails'),
    defaultWebhookUrl,
    defaultNotifyEmail: email('defaultNotifyEmail'),
    sesSender: email('sesSender'),
    sesCreateIdentity: bool('sesCreateIdentity', d.sesCreateIdentity),
    featureRetentionDays: integer('featureRetentionDays', d.featureRetentionDays, 1, 3650),
    noncurrentVersionDays: integer('noncurrentVersionDays', d.noncurrentVersionDays, 1, 3650),
    oldestMessageAlarmSeconds: integer('oldestMessageAlarmSeconds', d.oldestMessageAlarmSeconds, 60, 1209600),
    allowedWebhookHosts: hosts('allowedWebhookHosts'),
    allowedEmailDomains: hosts('allowedEmailDomains'),
    // a Lambda stops at 900 s, and SQS's visibility (6 × the timeout) at 12 hours
    webhookDeadlineSeconds: integer('webhookDeadlineSeconds', d.webhookDeadlineSeconds, 1, 900 - SENDER_OVERHEAD_SECONDS),
  };
  if (settings.ingestMemoryMb > 10240) {
    problems.push(
      `maxAudioMinutes ${maxAudioMinutes} needs ~${settings.ingestMemoryMb} MB in the ingest Lambda, over its 10240 MB`,
    );
  }
  if (settings.workerMode === 'fargate' && settings.fargateMemoryMiB < settings.fargateCpu / 2) {
    problems.push(`fargateMemoryMiB ${settings.fargateMemoryMiB} is too small for fargateCpu ${settings.fargateCpu}`);
  }
  if (problems.length > 0) {
    throw new NotescribeError('INVALID_SETTINGS', `invalid deployment settings: ${problems.join('; ')}`, {
      context: { problems },
    });
  }
  return settings;
}
