import type { Command } from 'commander';
import { DEFAULT_KEY_LAYOUT, statusKeyFor } from '../../contract/keys';
import type { StatusRecord } from '../../contract/status-record';
import { NotescribeError } from '../../core/errors';

/** Where `notescribe status` looks. */
export interface StatusLookup {
  readonly bucket: string;
  readonly uploadKey: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly uploadsPrefix?: string;
  readonly statusPrefix?: string;
}

/**
 * Reads the status record of one upload (`status/<key without uploads/>.json`).
 * @throws NotescribeError `INPUT_NOT_FOUND` if the upload has no status record (yet).
 */
export async function readUploadStatus(lookup: StatusLookup): Promise<StatusRecord> {
  // The AWS SDK is loaded only here: parsing it costs every other command a noticeable part of its start-up.
  const [{ createAwsClients, destroyAwsClients }, { StatusStore }] = await Promise.all([
    import('../../pipeline/aws'),
    import('../../pipeline/status-store'),
  ]);
  const clients = createAwsClients({
    ...(lookup.region ? { region: lookup.region } : {}),
    ...(lookup.endpoint ? { endpoint: lookup.endpoint } : {}),
  });
  const layout = {
    ...DEFAULT_KEY_LAYOUT,
    ...(lookup.uploadsPrefix ? { uploadsPrefix: lookup.uploadsPrefix } : {}),
    ...(lookup.statusPrefix ? { statusPrefix: lookup.statusPrefix } : {}),
  };
  const key = statusKeyFor(layout, lookup.uploadKey);
  try {
    const found = await new StatusStore(clients.s3, lookup.bucket).read(key);
    if (!found) {
      throw new NotescribeError('INPUT_NOT_FOUND', `no status record at s3://${lookup.bucket}/${key}: not uploaded yet, or not under ${layout.uploadsPrefix}`, {
        context: { bucket: lookup.bucket, key },
      });
    }
    return found.record;
  } finally {
    destroyAwsClients(clients);
  }
}

/** The record as a few human lines. */
export function formatStatus(record: StatusRecord): string {
  const lines = [`${record.uploadKey}: ${record.state}`, `  job ${record.jobId}`];
  for (const state of ['queued', 'processing', 'done', 'failed'] as const) {
    const at = record.times[state];
    if (at) lines.push(`  ${state.padEnd(10)} ${at}`);
  }
  if (record.durationSeconds !== undefined) lines.push(`  audio      ${record.durationSeconds.toFixed(1)} s, ${record.windowCount ?? 0} onsets`);
  if (record.noteCount !== undefined) lines.push(`  notes      ${record.noteCount}`);
  for (const [format, key] of Object.entries(record.outputs ?? {})) lines.push(`  ${format.padEnd(10)} s3://${record.bucket}/${key}`);
  if (record.error) lines.push(`  error      ${record.error.code}: ${record.error.message}`, `  record     s3://${record.bucket}/${record.errorKey ?? ''}`);
  for (const [channel, delivery] of Object.entries(record.notifications ?? {})) {
    if (!delivery) continue;
    const d = delivery as { ok: boolean; target: string; attempts: number; error?: string };
    lines.push(`  ${channel.padEnd(10)} ${d.ok ? 'sent' : 'FAILED'} to ${d.target} (${d.attempts} attempt${d.attempts === 1 ? '' : 's'})${d.error ? `: ${d.error}` : ''}`);
  }
  return lines.join('\n');
}

/**
 * `notescribe status <upload key>`: prints a job's state, times, outputs, error and notification results.
 * Bucket and endpoint come from options or NOTESCRIBE_BUCKET / NOTESCRIBE_AWS_ENDPOINT (region: AWS_REGION).
 */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('Show the pipeline status of an upload (reads its status record in S3)')
    .argument('<upload-key>', 'the uploaded object key, e.g. uploads/song.mp3 (the uploads/ prefix may be left out)')
    .option('--bucket <name>', 'pipeline bucket (default: $NOTESCRIBE_BUCKET)')
    .option('--endpoint <url>', 'S3 endpoint for LocalStack or moto (default: $NOTESCRIBE_AWS_ENDPOINT)')
    .option('--region <region>', 'AWS region (default: $AWS_REGION or us-east-1)')
    .option('--uploads-prefix <prefix>', 'uploads prefix (default: $NOTESCRIBE_UPLOADS_PREFIX or uploads/)')
    .option('--status-prefix <prefix>', 'status prefix (default: $NOTESCRIBE_STATUS_PREFIX or status/)')
    .option('--json', 'print the status record as JSON')
    .action(async (uploadKey: string, options: Record<string, string | boolean | undefined>) => {
      const pick = (option: string, env: string): string | undefined => {
        const value = options[option];
        return typeof value === 'string' && value ? value : process.env[env] || undefined;
      };
      const bucket = pick('bucket', 'NOTESCRIBE_BUCKET');
      if (!bucket) throw new NotescribeError('INVALID_SETTINGS', 'no bucket: pass --bucket or set NOTESCRIBE_BUCKET');
      const endpoint = pick('endpoint', 'NOTESCRIBE_AWS_ENDPOINT');
      const region = pick('region', 'AWS_REGION');
      const uploadsPrefix = pick('uploadsPrefix', 'NOTESCRIBE_UPLOADS_PREFIX');
      const statusPrefix = pick('statusPrefix', 'NOTESCRIBE_STATUS_PREFIX');
      const record = await readUploadStatus({
        bucket,
        uploadKey,
        ...(endpoint ? { endpoint } : {}),
        ...(region ? { region } : {}),
        ...(uploadsPrefix ? { uploadsPrefix } : {}),
        ...(statusPrefix ? { statusPrefix } : {}),
      });
      process.stdout.write(`${options['json'] ? JSON.stringify(record, null, 2) : formatStatus(record)}\n`);
    });
}
