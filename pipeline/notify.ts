import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { JobNotify } from '../contract/job-message';
import type { DeliveryRecord, NotificationsRecord, OutcomeNotification } from '../contract/status-record';
import type { AwsClients } from './aws';
import type { NotifyConfig } from './config';
import { emailDomain, isAllowed, urlHost } from './recipient-policy';
import { deliverWebhook } from './webhook';
import { idempotencyKeyFor } from '../contract/webhook-signature';

/** Presigned GET links for S3 keys, by name. */
export async function presignKeys(
  clients: AwsClients,
  bucket: string,
  keys: Readonly<Record<string, string | undefined>>,
  expiresIn: number,
): Promise<Record<string, string>> {
  const links: Record<string, string> = {};
  for (const [name, key] of Object.entries(keys)) {
    if (key === undefined) continue;
    links[name] = await getSignedUrl(clients.s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn });
  }
  return links;
}

/** Where one job's notifications go, and the per-upload targets the operator's allow-lists refused. */
export interface ResolvedTargets {
  readonly webhookUrl?: string;
  readonly email?: string;
  /** A refused per-upload target, recorded in the status record instead of being contacted. */
  readonly refused: NotificationsRecord;
}

/**
 * The upload's own targets if the operator's allow-lists admit them (see recipient-policy.ts), else the stack-wide
 * defaults, which the operator chose and are always allowed.
 */
export function resolveTargets(config: NotifyConfig, notify: JobNotify): ResolvedTargets {
  let webhookUrl = config.defaultWebhookUrl;
  let email = config.defaultEmail;
  const refused: { webhook?: DeliveryRecord; email?: DeliveryRecord } = {};
  if (notify.webhookUrl !== undefined) {
    const host = urlHost(notify.webhookUrl);
    if (isAllowed(config.allowedWebhookHosts, host)) webhookUrl = notify.webhookUrl;
    else refused.webhook = { ...failed(notify.webhookUrl, new Error(`refused: host ${host} is not in NOTESCRIBE_ALLOWED_WEBHOOK_HOSTS`)), attempts: 0 };
  }
  if (notify.email !== undefined) {
    if (isAllowed(config.allowedEmailDomains, emailDomain(notify.email))) email = notify.email;
    else refused.email = { ...failed(notify.email, new Error(`refused: domain ${emailDomain(notify.email)} is not in NOTESCRIBE_ALLOWED_EMAIL_DOMAINS`)), attempts: 0 };
  }
  return { ...(webhookUrl && !refused.webhook ? { webhookUrl } : {}), ...(email && !refused.email ? { email } : {}), refused };
}

function failed(target: string, error: unknown): DeliveryRecord {
  return { ok: false, attempts: 1, at: new Date().toISOString(), target, error: (error as Error).message ?? String(error) };
}

function succeeded(target: string): DeliveryRecord {
  return { ok: true, attempts: 1, at: new Date().toISOString(), target };
}

/** The plain-text email for an outcome. */
export function emailText(outcome: OutcomeNotification): { subject: string; text: string } {
  const lines =
    outcome.state === 'done'
      ? [
          `Your transcription of "${outcome.title}" is ready (${outcome.noteCount ?? 0} notes).`,
          '',
          ...Object.entries(outcome.links).map(([name, link]) => `${name}: ${link}`),
        ]
      : [
          `We could not transcribe "${outcome.title}".`,
          '',
          `${outcome.error?.code ?? 'INTERNAL'}: ${outcome.error?.message ?? ''}`,
        ];
  return {
    subject: `notescribe: ${outcome.title} ${outcome.state === 'done' ? 'transcribed' : 'failed'}`,
    text: [...lines, '', `upload: s3://${outcome.bucket}/${outcome.uploadKey}`, `job: ${outcome.jobId}`].join('\n'),
  };
}

/**
 * Sends one outcome to every channel configured for it: the SNS topic (always, if set), the webhook (signed) and
 * email (SES). A failing channel never stops the others; each one's fate is returned for the status record. Channels
 * `delivered` already (by an earlier, interrupted attempt) are not sent again.
 */
export class Notifier {
  private secret: Promise<string | undefined> | undefined;

  constructor(
    private readonly clients: AwsClients,
    private readonly config: NotifyConfig,
  ) {}

  async notify(outcome: OutcomeNotification, notify: JobNotify, delivered: NotificationsRecord = {}): Promise<NotificationsRecord> {
    const body = JSON.stringify(outcome);
    const targets = resolveTargets(this.config, notify);
    const pending = (channel: keyof NotificationsRecord): boolean => delivered[channel]?.ok !== true;
    const [sns, webhook, email] = await Promise.all([
      this.config.topicArn && pending('sns') ? this.publish(this.config.topicArn, outcome, body) : delivered.sns,
      targets.webhookUrl && pending('webhook') ? this.webhook(targets.webhookUrl, body, idempotencyKeyFor(outcome.jobId, outcome.state)) : (targets.refused.webhook ?? delivered.webhook),
      targets.email && pending('email') ? this.email(targets.email, outcome) : (targets.refused.email ?? delivered.email),
    ]);
    return { ...(sns ? { sns } : {}), ...(webhook ? { webhook } : {}), ...(email ? { email } : {}) };
  }

  private async publish(topicArn: string, outcome: OutcomeNotification, body: string): Promise<DeliveryRecord> {
    try {
      await this.clients.sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: emailText(outcome).subject.slice(0, 99),
          Message: body,
          MessageAttributes: {
            event: { DataType: 'String', StringValue: outcome.event },
            state: { DataType: 'String', StringValue: outcome.state },
          },
        }),
      );
      return succeeded(topicArn);
    } catch (error) {
      return failed(topicArn, error);
    }
  }

  private async webhook(url: string, body: string, idempotencyKey: string): Promise<DeliveryRecord> {
    let secret: string | undefined;
    try {
      secret = await this.webhookSecret();
    } catch (error) {
      return failed(url, new Error(`webhook secret unavailable: ${(error as Error).message}`));
    }
    if (secret === undefined) return failed(url, new Error('no webhook secret configured'));
    return deliverWebhook({
      url,
      body,
      secret,
      allowPrivate: this.config.allowPrivateWebhooks,
      attempts: this.config.webhookAttempts,
      minBackoffMs: this.config.webhookMinBackoffMs,
      deadlineMs: this.config.webhookDeadlineMs,
      idempotencyKey,
    });
  }

  private async email(address: string, outcome: OutcomeNotification): Promise<DeliveryRecord> {
    if (!this.config.emailFrom) return failed(address, new Error('NOTESCRIBE_EMAIL_FROM is not set'));
    const { subject, text } = emailText(outcome);
    try {
      await this.clients.ses.send(
        new SendEmailCommand({
          FromEmailAddress: this.config.emailFrom,
          Destination: { ToAddresses: [address] },
          Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text } } } },
        }),
      );
      return succeeded(address);
    } catch (error) {
      return failed(address, error);
    }
  }

  /** The HMAC key, fetched once per process (Secrets Manager first, else SSM). */
  private webhookSecret(): Promise<string | undefined> {
    this.secret ??= (async () => {
      if (this.config.webhookSecretId) {
        const r = await this.clients.secrets.send(new GetSecretValueCommand({ SecretId: this.config.webhookSecretId }));
        return r.SecretString;
      }
      if (this.config.webhookSecretParameter) {
        const r = await this.clients.ssm.send(
          new GetParameterCommand({ Name: this.config.webhookSecretParameter, WithDecryption: true }),
        );
        return r.Parameter?.Value;
      }
      return undefined;
    })();
    // a failed fetch is not cached, so the next job tries again
    this.secret.catch(() => (this.secret = undefined));
    return this.secret;
  }
}
