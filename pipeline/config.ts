import { DEFAULT_MAX_AUDIO_SECONDS, DEFAULT_MAX_INPUT_BYTES } from '../core/params';
import { DEFAULT_KEY_LAYOUT, type KeyLayout } from '../contract/keys';
import { NotescribeError } from '../core/errors';
import { parseOutputFormats, type OutputFormat } from '../core/output-formats';
import { parseAllowList, type AllowList } from './recipient-policy';

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
}

type Env = Readonly<Record<string, string | undefined>>;

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function required(env: Env, name: string, problems: string[]): string {
  const value = optional(env, name);
  if (value === undefined) problems.push(`${name} is not set`);
  return value ?? '';
}

function integer(env: Env, name: string, fallback: number, problems: string[], min = 0): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) problems.push(`${name} must be an integer ≥ ${min}, got '${raw}'`);
  return value;
}

function prefix(env: Env, name: string, fallback: string): string {
  const value = optional(env, name) ?? fallback;
  return value.endsWith('/') ? value : `${value}/`;
}

function withOptional<T extends object>(target: T, values: Record<string, string | undefined>): T {
  for (const [k, v] of Object.entries(values)) if (v !== undefined) (target as Record<string, unknown>)[k] = v;
  return target;
}

function fail(problems: string[]): never {
  throw new NotescribeError('INTERNAL', `configuration: ${problems.join('; ')}`, { context: { problems } });
}

/**
 * Reads the pipeline's configuration from environment variables, collecting every problem before it throws once.
 * @throws NotescribeError `INTERNAL` naming each missing or malformed variable.
 */
export function readPipelineConfig(env: Env = process.env): PipelineConfig {
  const problems: string[] = [];
  const notify = withOptional(
    {
      allowPrivateWebhooks: optional(env, 'NOTESCRIBE_ALLOW_PRIVATE_WEBHOOKS') === 'true',
      webhookAttempts: integer(env, 'NOTESCRIBE_WEBHOOK_ATTEMPTS', 4, problems, 1),
      webhookMinBackoffMs: integer(env, 'NOTESCRIBE_WEBHOOK_MIN_BACKOFF_MS', 500, problems),
      webhookDeadlineMs: integer(env, 'NOTESCRIBE_WEBHOOK_DEADLINE_MS', 15_000, problems, 1),
      allowedWebhookHosts: parseAllowList(optional(env, 'NOTESCRIBE_ALLOWED_WEBHOOK_HOSTS')),
      allowedEmailDomains: parseAllowList(optional(env, 'NOTESCRIBE_ALLOWED_EMAIL_DOMAINS')),
      presignSeconds: integer(env, 'NOTESCRIBE_PRESIGN_SECONDS', 7 * 24 * 3600, problems, 1),
    } as NotifyConfig,
    {
      topicArn: optional(env, 'NOTESCRIBE_TOPIC_ARN'),
      defaultWebhookUrl: optional(env, 'NOTESCRIBE_DEFAULT_WEBHOOK_URL'),
      defaultEmail: optional(env, 'NOTESCRIBE_DEFAULT_NOTIFY_EMAIL'),
      emailFrom: optional(env, 'NOTESCRIBE_EMAIL_FROM'),
      webhookSecretId: optional(env, 'NOTESCRIBE_WEBHOOK_SECRET_ID'),
      webhookSecretParameter: optional(env, 'NOTESCRIBE_WEBHOOK_SECRET_PARAMETER'),
    },
  );
  const config = withOptional(
    {
      bucket: required(env, 'NOTESCRIBE_BUCKET', problems),
      jobsQueueUrl: required(env, 'NOTESCRIBE_JOBS_QUEUE_URL', problems),
      notifyQueueUrl: required(env, 'NOTESCRIBE_NOTIFY_QUEUE_URL', problems),
      layout: {
        uploadsPrefix: prefix(env, 'NOTESCRIBE_UPLOADS_PREFIX', DEFAULT_KEY_LAYOUT.uploadsPrefix),
        featuresPrefix: prefix(env, 'NOTESCRIBE_FEATURES_PREFIX', DEFAULT_KEY_LAYOUT.featuresPrefix),
        resultsPrefix: prefix(env, 'NOTESCRIBE_RESULTS_PREFIX', DEFAULT_KEY_LAYOUT.resultsPrefix),
        statusPrefix: prefix(env, 'NOTESCRIBE_STATUS_PREFIX', DEFAULT_KEY_LAYOUT.statusPrefix),
      },
      notify,
      maxAudioSeconds: integer(env, 'NOTESCRIBE_MAX_AUDIO_SECONDS', DEFAULT_MAX_AUDIO_SECONDS, problems, 1),
      maxInputBytes: integer(env, 'NOTESCRIBE_MAX_INPUT_BYTES', DEFAULT_MAX_INPUT_BYTES, problems, 1),
    } as PipelineConfig,
    { region: optional(env, 'AWS_REGION') ?? optional(env, 'AWS_DEFAULT_REGION'), endpoint: optional(env, 'NOTESCRIBE_AWS_ENDPOINT') },
  );
  if (problems.length > 0) fail(problems);
  return config;
}

/**
 * Reads the worker's own settings.
 * @throws NotescribeError `INTERNAL` naming each missing or malformed variable.
 */
export function readWorkerConfig(env: Env = process.env): WorkerConfig {
  const problems: string[] = [];
  const modelPath = required(env, 'NOTESCRIBE_MODEL_PATH', problems);
  const config: WorkerConfig = {
    modelPath,
    modelCardPath: optional(env, 'NOTESCRIBE_MODEL_CARD_PATH') ?? modelPath.replace(/\.onnx$/, '') + '.card.json',
    executionProviders: (optional(env, 'NOTESCRIBE_EXECUTION_PROVIDERS') ?? 'cuda,cpu').split(',').map((s) => s.trim()),
    batchWindows: integer(env, 'NOTESCRIBE_BATCH_WINDOWS', 512, problems, 1),
    batchWaitMs: integer(env, 'NOTESCRIBE_BATCH_WAIT_MS', 250, problems),
    visibilitySeconds: integer(env, 'NOTESCRIBE_VISIBILITY_SECONDS', 120, problems, 3),
    maxReceives: integer(env, 'NOTESCRIBE_MAX_RECEIVES', 3, problems, 1),
    formats: [],
  };
  try {
    (config as { formats: OutputFormat[] }).formats = parseOutputFormats(optional(env, 'NOTESCRIBE_OUTPUT_FORMATS') ?? 'musicxml,mxl,midi,json');
  } catch (error) {
    problems.push(`NOTESCRIBE_OUTPUT_FORMATS: ${(error as Error).message}`);
  }
  if (problems.length > 0) fail(problems);
  return config;
}
