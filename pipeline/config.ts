import type { KeyLayout } from '../contract/keys';
import { NotescribeError } from '../core/errors';
import { parseOutputFormats, type OutputFormat } from '../core/output-formats';
import { parseAllowList, type AllowList } from './recipient-policy';
import { defaultOf, SETTINGS, type Reader, type SettingDeclaration, type SettingName } from './settings';

/** Settings of the notification channels. */
export interface NotifyConfig {
  readonly topicArn?: string;
  readonly defaultWebhookUrl?: string;
  readonly defaultEmail?: string;
  readonly emailFrom?: string;
  readonly webhookSecretId?: string;
  readonly webhookSecretParameter?: string;
  /** Lets webhooks reach loopback/private addresses. Only for tests and local runs. */
  readonly allowPrivateWebhooks: boolean;
  readonly webhookAttempts: number;
  readonly webhookMinBackoffMs: number;
  /** Deadline of one webhook delivery, every attempt and backoff included, ms. */
  readonly webhookDeadlineMs: number;
  /** Hosts a per-upload webhook URL may name (see recipient-policy.ts; empty: none, `*`: any). */
  readonly allowedWebhookHosts: AllowList;
  /** Domains a per-upload notify-email may be in (see recipient-policy.ts; empty: none, `*`: any). */
  readonly allowedEmailDomains: AllowList;
  /** Lifetime of presigned links, seconds. */
  readonly presignSeconds: number;
}

/** Everything the ingest handler and the worker read from their environment (see docs/pipeline.md). */
export interface PipelineConfig {
  readonly bucket: string;
  readonly layout: KeyLayout;
  readonly jobsQueueUrl: string;
  /** The outbox: finished jobs are announced here, and the notification sender reads it. */
  readonly notifyQueueUrl: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly notify: NotifyConfig;
  readonly maxAudioSeconds: number;
  /** Uploads larger than this are refused (INPUT_TOO_LARGE) from their size in S3, before any byte is read. */
  readonly maxInputBytes: number;
}

/** Worker-only settings. */
export interface WorkerConfig {
  readonly modelPath: string;
  readonly modelCardPath: string;
  readonly executionProviders: string[];
  readonly batchWindows: number;
  readonly batchWaitMs: number;
  readonly visibilitySeconds: number;
  readonly maxReceives: number;
  readonly formats: OutputFormat[];
  /** Touched on every turn of the poll loop; the container health check reads its age. */
  readonly heartbeatFile?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads declared settings (pipeline/settings.ts) for some readers: a required setting is required only of a reader
 * that reads it, and every default comes from the declaration. Problems are collected, not thrown one by one.
 */
class SettingsReader {
  readonly problems: string[] = [];

  constructor(
    private readonly env: Env,
    private readonly readers: readonly Reader[],
  ) {}

  private reads(name: SettingName): boolean {
    const declared: SettingDeclaration = SETTINGS[name];
    return declared.readers.some((r) => this.readers.includes(r));
  }

  optional(name: SettingName): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  /** A required setting; '' (never used) when none of the readers reads it. */
  required(name: SettingName): string {
    const value = this.optional(name);
    const declared: SettingDeclaration = SETTINGS[name];
    if (value === undefined && declared.required && this.reads(name)) this.problems.push(`${name} is not set`);
    return value ?? '';
  }

  text(name: SettingName): string {
    return this.optional(name) ?? defaultOf(name);
  }

  integer(name: SettingName, min = 0): number {
    const raw = this.text(name);
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) this.problems.push(`${name} must be an integer ≥ ${min}, got '${raw}'`);
    return value;
  }

  prefix(name: SettingName): string {
    const value = this.text(name);
    return value.endsWith('/') ? value : `${value}/`;
  }

  fail(): void {
    if (this.problems.length > 0) {
      throw new NotescribeError('INTERNAL', `configuration: ${this.problems.join('; ')}`, { context: { problems: this.problems } });
    }
  }
}

function withOptional<T extends object>(target: T, values: Record<string, string | undefined>): T {
  for (const [k, v] of Object.entries(values)) if (v !== undefined) (target as Record<string, unknown>)[k] = v;
  return target;
}

/**
 * Reads the pipeline's configuration from environment variables for the given readers (a deployable, or all three
 * for `npm run local` and the tests), collecting every problem before it throws once.
 * @throws NotescribeError `INTERNAL` naming each missing or malformed variable.
 */
export function readPipelineConfig(env: Env = process.env, readers: Reader | readonly Reader[] = ['ingest', 'worker', 'sender']): PipelineConfig {
  const read = new SettingsReader(env, typeof readers === 'string' ? [readers] : readers);
  const notify = withOptional(
    {
      allowPrivateWebhooks: read.text('NOTESCRIBE_ALLOW_PRIVATE_WEBHOOKS') === 'true',
      webhookAttempts: read.integer('NOTESCRIBE_WEBHOOK_ATTEMPTS', 1),
      webhookMinBackoffMs: read.integer('NOTESCRIBE_WEBHOOK_MIN_BACKOFF_MS'),
      webhookDeadlineMs: read.integer('NOTESCRIBE_WEBHOOK_DEADLINE_MS', 1),
      allowedWebhookHosts: parseAllowList(read.optional('NOTESCRIBE_ALLOWED_WEBHOOK_HOSTS')),
      allowedEmailDomains: parseAllowList(read.optional('NOTESCRIBE_ALLOWED_EMAIL_DOMAINS')),
      presignSeconds: read.integer('NOTESCRIBE_PRESIGN_SECONDS', 1),
    } as NotifyConfig,
    {
      topicArn: read.optional('NOTESCRIBE_TOPIC_ARN'),
      defaultWebhookUrl: read.optional('NOTESCRIBE_DEFAULT_WEBHOOK_URL'),
      defaultEmail: read.optional('NOTESCRIBE_DEFAULT_NOTIFY_EMAIL'),
      emailFrom: read.optional('NOTESCRIBE_EMAIL_FROM'),
      webhookSecretId: read.optional('NOTESCRIBE_WEBHOOK_SECRET_ID'),
      webhookSecretParameter: read.optional('NOTESCRIBE_WEBHOOK_SECRET_PARAMETER'),
    },
  );
  const config = withOptional(
    {
      bucket: read.required('NOTESCRIBE_BUCKET'),
      jobsQueueUrl: read.required('NOTESCRIBE_JOBS_QUEUE_URL'),
      notifyQueueUrl: read.required('NOTESCRIBE_NOTIFY_QUEUE_URL'),
      layout: {
        uploadsPrefix: read.prefix('NOTESCRIBE_UPLOADS_PREFIX'),
        featuresPrefix: read.prefix('NOTESCRIBE_FEATURES_PREFIX'),
        resultsPrefix: read.prefix('NOTESCRIBE_RESULTS_PREFIX'),
        statusPrefix: read.prefix('NOTESCRIBE_STATUS_PREFIX'),
      },
      notify,
      maxAudioSeconds: read.integer('NOTESCRIBE_MAX_AUDIO_SECONDS', 1),
      maxInputBytes: read.integer('NOTESCRIBE_MAX_INPUT_BYTES', 1),
    } as PipelineConfig,
    { region: read.optional('AWS_REGION') ?? env['AWS_DEFAULT_REGION']?.trim(), endpoint: read.optional('NOTESCRIBE_AWS_ENDPOINT') },
  );
  read.fail();
  return config;
}

/**
 * Reads the worker's own settings.
 * @throws NotescribeError `INTERNAL` naming each missing or malformed variable.
 */
export function readWorkerConfig(env: Env = process.env): WorkerConfig {
  const read = new SettingsReader(env, ['worker']);
  const modelPath = read.required('NOTESCRIBE_MODEL_PATH');
  const config: WorkerConfig = {
    modelPath,
    modelCardPath: read.optional('NOTESCRIBE_MODEL_CARD_PATH') ?? modelPath.replace(/\.onnx$/, '') + '.card.json',
    executionProviders: read.text('NOTESCRIBE_EXECUTION_PROVIDERS').split(',').map((s) => s.trim()),
    batchWindows: read.integer('NOTESCRIBE_BATCH_WINDOWS', 1),
    batchWaitMs: read.integer('NOTESCRIBE_BATCH_WAIT_MS'),
    visibilitySeconds: read.integer('NOTESCRIBE_VISIBILITY_SECONDS', 3),
    maxReceives: read.integer('NOTESCRIBE_MAX_RECEIVES', 1),
    formats: [],
  };
  const heartbeatFile = read.optional('NOTESCRIBE_HEARTBEAT_FILE');
  if (heartbeatFile !== undefined) (config as { heartbeatFile?: string }).heartbeatFile = heartbeatFile;
  try {
    (config as { formats: OutputFormat[] }).formats = parseOutputFormats(read.text('NOTESCRIBE_OUTPUT_FORMATS'));
  } catch (error) {
    read.problems.push(`NOTESCRIBE_OUTPUT_FORMATS: ${(error as Error).message}`);
  }
  read.fail();
  return config;
}
