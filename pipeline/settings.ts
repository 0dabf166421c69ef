import { DEFAULT_KEY_LAYOUT } from '../contract/keys';
import { DEFAULT_MAX_AUDIO_SECONDS, DEFAULT_MAX_INPUT_BYTES } from '../core/params';

/**
 * Every environment variable the pipeline reads, declared once: its name, who reads it, whether it is required, its
 * default and what it means. `pipeline/config.ts` parses with these names and defaults, infra builds each
 * deployable's environment through `environmentFor` (which refuses a variable its reader does not read), and
 * docs/pipeline.md's table is checked against this list by test/pipeline/settings.test.ts.
 */

/** Who reads a setting: the three deployables, and the CLI's `status` command. */
export type Reader = 'ingest' | 'worker' | 'sender' | 'cli';

export interface SettingDeclaration {
  readonly readers: readonly Reader[];
  /** Required: a missing one is a configuration error at start-up. */
  readonly required: boolean;
  /** The default, as the environment would spell it; undefined: none (the feature is off without it). */
  readonly default?: string;
  /** What it means (docs/pipeline.md's table says the same, in its own words). */
  readonly meaning: string;
  /** Set by something other than infra's environment (the worker image's ENV), so infra need not give it. */
  readonly providedBy?: string;
}

/**
 * Receives before a message moves to its dead-letter queue: the queues' redrive policy (infra, `npm run local`) and
 * the worker's NOTESCRIBE_MAX_RECEIVES (on the last receive a transient failure becomes a failed job) are both this.
 */
export const MAX_RECEIVE_COUNT = 3;

const ALL: readonly Reader[] = ['ingest', 'worker', 'sender'];

/** The declaration. Keys are the variable names. */
export const SETTINGS = {
  NOTESCRIBE_BUCKET: { readers: [...ALL, 'cli'], required: true, meaning: 'the one bucket: uploads, features, results, status records' },
  NOTESCRIBE_UPLOADS_PREFIX: { readers: ALL, required: false, default: DEFAULT_KEY_LAYOUT.uploadsPrefix, meaning: 'where users upload' },
  NOTESCRIBE_FEATURES_PREFIX: { readers: ALL, required: false, default: DEFAULT_KEY_LAYOUT.featuresPrefix, meaning: 'feature files' },
  NOTESCRIBE_RESULTS_PREFIX: { readers: ALL, required: false, default: DEFAULT_KEY_LAYOUT.resultsPrefix, meaning: 'outputs and error records' },
  NOTESCRIBE_STATUS_PREFIX: { readers: [...ALL, 'cli'], required: false, default: DEFAULT_KEY_LAYOUT.statusPrefix, meaning: 'status records' },
  NOTESCRIBE_JOBS_QUEUE_URL: { readers: ['ingest', 'worker'], required: true, meaning: 'the jobs queue' },
  NOTESCRIBE_NOTIFY_QUEUE_URL: { readers: ['ingest', 'worker'], required: true, meaning: 'the notify queue (the outbox)' },
  NOTESCRIBE_TOPIC_ARN: { readers: ['sender'], required: false, meaning: 'SNS topic receiving every outcome' },
  NOTESCRIBE_DEFAULT_WEBHOOK_URL: { readers: ['sender'], required: false, meaning: 'webhook for uploads without their own' },
  NOTESCRIBE_DEFAULT_NOTIFY_EMAIL: { readers: ['sender'], required: false, meaning: 'address for uploads without their own' },
  NOTESCRIBE_EMAIL_FROM: { readers: ['sender'], required: false, meaning: 'SES sender identity; without it no email' },
  NOTESCRIBE_WEBHOOK_SECRET_ID: { readers: ['sender'], required: false, meaning: 'Secrets Manager secret of the HMAC key' },
  NOTESCRIBE_WEBHOOK_SECRET_PARAMETER: { readers: ['sender'], required: false, meaning: 'or an SSM SecureString parameter' },
  NOTESCRIBE_ALLOW_PRIVATE_WEBHOOKS: { readers: ['sender'], required: false, default: 'false', meaning: 'tests and local runs only' },
  NOTESCRIBE_WEBHOOK_ATTEMPTS: { readers: ['sender'], required: false, default: '4', meaning: 'webhook attempts' },
  NOTESCRIBE_WEBHOOK_MIN_BACKOFF_MS: { readers: ['sender'], required: false, default: '500', meaning: 'first backoff' },
  NOTESCRIBE_WEBHOOK_DEADLINE_MS: { readers: ['sender'], required: false, default: '15000', meaning: 'one delivery ends by then' },
  NOTESCRIBE_ALLOWED_WEBHOOK_HOSTS: { readers: ['sender'], required: false, meaning: 'hosts an upload may name (none without it)' },
  NOTESCRIBE_ALLOWED_EMAIL_DOMAINS: { readers: ['sender'], required: false, meaning: 'email domains an upload may name (none without it)' },
  NOTESCRIBE_PRESIGN_SECONDS: { readers: ['sender'], required: false, default: String(7 * 24 * 3600), meaning: 'lifetime of links' },
  NOTESCRIBE_AWS_ENDPOINT: { readers: [...ALL, 'cli'], required: false, meaning: 'endpoint override (LocalStack, moto)' },
  AWS_REGION: { readers: [...ALL, 'cli'], required: false, meaning: 'region (set by Lambda and ECS)' },
  NOTESCRIBE_MAX_AUDIO_SECONDS: { readers: ['ingest'], required: false, default: String(DEFAULT_MAX_AUDIO_SECONDS), meaning: 'longer uploads fail' },
  NOTESCRIBE_MAX_INPUT_BYTES: { readers: ['ingest'], required: false, default: String(DEFAULT_MAX_INPUT_BYTES), meaning: 'larger uploads fail' },
  NOTESCRIBE_MODEL_PATH: { readers: ['worker'], required: true, meaning: 'the ONNX model file', providedBy: 'gpu-task/Dockerfile' },
  NOTESCRIBE_MODEL_CARD_PATH: { readers: ['worker'], required: false, meaning: 'its card (default: beside it)' },
  NOTESCRIBE_EXECUTION_PROVIDERS: { readers: ['worker'], required: false, default: 'cuda,cpu', meaning: 'ONNX Runtime providers' },
  NOTESCRIBE_BATCH_WINDOWS: { readers: ['worker'], required: false, default: '512', meaning: 'a batch runs at this many windows' },
  NOTESCRIBE_BATCH_WAIT_MS: { readers: ['worker'], required: false, default: '250', meaning: 'or this long after its first job' },
  NOTESCRIBE_VISIBILITY_SECONDS: { readers: ['worker'], required: false, default: '120', meaning: 'visibility kept while held' },
  NOTESCRIBE_MAX_RECEIVES: { readers: ['worker'], required: false, default: String(MAX_RECEIVE_COUNT), meaning: "the DLQ's maxReceiveCount" },
  NOTESCRIBE_HEARTBEAT_FILE: { readers: ['worker'], required: false, meaning: 'touched every poll turn' },
  NOTESCRIBE_OUTPUT_FORMATS: { readers: ['worker'], required: false, default: 'musicxml,mxl,midi,json', meaning: 'outputs per job' },
} as const satisfies Readonly<Record<string, SettingDeclaration>>;

/** The name of a declared setting. */
export type SettingName = keyof typeof SETTINGS;

/** A setting's default as the environment spells it. @throws Error if it has none (a declaration error). */
export function defaultOf(name: SettingName): string {
  const declared: SettingDeclaration = SETTINGS[name];
  if (declared.default === undefined) throw new Error(`${name} has no default`);
  return declared.default;
}

/**
 * One deployable's environment, checked against the declaration: every variable must be one `reader` reads, and
 * every variable it requires must be given. Infra builds each Lambda's and container's environment with it.
 * @throws Error naming each stray or missing variable.
 */
export function environmentFor(reader: Reader, values: Partial<Record<SettingName, string>>): Record<string, string> {
  const problems: string[] = [];
  for (const name of Object.keys(values) as SettingName[]) {
    const declared: SettingDeclaration | undefined = SETTINGS[name];
    if (declared === undefined) problems.push(`${name} is not a declared setting`);
    else if (!declared.readers.includes(reader)) problems.push(`${name} is not read by the ${reader}`);
  }
  for (const [name, declared] of Object.entries(SETTINGS) as [SettingName, SettingDeclaration][]) {
    if (declared.required && declared.providedBy === undefined && declared.readers.includes(reader) && values[name] === undefined) {
      problems.push(`${name} is required by the ${reader}`);
    }
  }
  if (problems.length > 0) throw new Error(`environment of the ${reader}: ${problems.join('; ')}`);
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
