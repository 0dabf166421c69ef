import * as path from 'path';

import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';

import { IngestFunction } from './ingest';
import { acknowledge } from './nag';
import { Notifications } from './notifications';
import { SenderFunction } from './sender';
import { gpuTaskShape, type NotescribeSettings, queueTimings, senderTimeoutSeconds, workerScalingSteps } from './settings';
import { environmentFor } from '../../pipeline/settings';
import { PREFIXES, Storage } from './storage';
import { FargateQueueWorker } from './fargate-worker';
import { GpuQueueWorker } from './gpu-worker';
import type { QueueWorkerBase, QueueWorkerBaseProps } from './worker';
import { WorkQueue } from './work-queue';

/** The repository root: Docker build context of the worker and esbuild project root of the Lambda. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/** The ingest handler (docs/pipeline.md). */
export const INGEST_ENTRY = path.join(PROJECT_ROOT, 'lambdas', 'ingest', 'handler.ts');
/** The notification sender's handler. */
export const SENDER_ENTRY = path.join(PROJECT_ROOT, 'lambdas', 'notify', 'handler.ts');

export interface NotescribeStackProps extends StackProps {
  readonly settings: NotescribeSettings;
  /**
   * The ingest handler file.
   * @default INGEST_ENTRY
   */
  readonly ingestEntry?: string;
  /**
   * The notification sender's handler file.
   * @default SENDER_ENTRY
   */
  readonly senderEntry?: string;
}

/**
 * The whole pipeline: bucket → (S3 notification) → ingest queue → ingest Lambda → jobs queue → worker service →
 * results + notify queue (the outbox) → sender Lambda → outcome topic, webhook and email. See docs/deploy.md.
 */
export class NotescribeStack extends Stack {
  public readonly storage: Storage;
  public readonly notifications: Notifications;
  public readonly ingestQueue: WorkQueue;
  public readonly jobsQueue: WorkQueue;
  public readonly notifyQueue: WorkQueue;
  public readonly ingest: IngestFunction;
  public readonly sender: SenderFunction;
  public readonly worker: QueueWorkerBase;

  constructor(scope: Construct, id: string, props: NotescribeStackProps) {
    super(scope, id, props);
    const settings = props.settings;
    const timings = queueTimings(settings);

    this.storage = new Storage(this, 'Storage', {
      featureRetentionDays: settings.featureRetentionDays,
      noncurrentVersionDays: settings.noncurrentVersionDays,
    });
    // exactOptionalPropertyTypes: CDK's classes declare optional fields their interfaces do not, so view them as
    // the interfaces CDK's props ask for.
    const bucket = this.storage.bucket as s3.IBucket;

    this.notifications = new Notifications(this, 'Notifications', {
      notifyEmails: settings.notifyEmails,
      alarmEmails: settings.alarmEmails,
      sesSender: settings.sesSender,
      sesCreateIdentity: settings.sesCreateIdentity,
    });
    const alarmAge = Duration.seconds(settings.oldestMessageAlarmSeconds);
    this.ingestQueue = new WorkQueue(this, 'IngestQueue', {
      visibilityTimeout: Duration.seconds(timings.ingestVisibilitySeconds),
      alarmTopic: this.notifications.alarmTopic,
      oldestMessageAlarmAge: alarmAge,
    });
    this.jobsQueue = new WorkQueue(this, 'JobsQueue', {
      visibilityTimeout: Duration.seconds(timings.jobsVisibilitySeconds),
      alarmTopic: this.notifications.alarmTopic,
      oldestMessageAlarmAge: alarmAge,
    });
    this.notifyQueue = new WorkQueue(this, 'NotifyQueue', {
      visibilityTimeout: Duration.seconds(timings.notifyVisibilitySeconds),
      alarmTopic: this.notifications.alarmTopic,
      oldestMessageAlarmAge: alarmAge,
    });
    bucket.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3n.SqsDestination(this.ingestQueue.queue),
      { prefix: PREFIXES.uploads },
    );

    // Environments are checked against pipeline/settings.ts: a variable its reader does not read, or a required one
    // missing, fails synthesis. What every part reads: where things are.
    const storageEnvironment = {
      NOTESCRIBE_BUCKET: bucket.bucketName,
      NOTESCRIBE_UPLOADS_PREFIX: PREFIXES.uploads,
      NOTESCRIBE_FEATURES_PREFIX: PREFIXES.features,
      NOTESCRIBE_RESULTS_PREFIX: PREFIXES.results,
      NOTESCRIBE_STATUS_PREFIX: PREFIXES.status,
    };
    const queueEnvironment = {
      NOTESCRIBE_JOBS_QUEUE_URL: this.jobsQueue.queue.queueUrl,
      NOTESCRIBE_NOTIFY_QUEUE_URL: this.notifyQueue.queue.queueUrl,
    };
    const senderEnvironment = environmentFor('sender', {
      ...storageEnvironment,
      NOTESCRIBE_TOPIC_ARN: this.notifications.topic.topicArn,
      NOTESCRIBE_WEBHOOK_SECRET_ID: this.notifications.webhookSecret.secretArn,
      NOTESCRIBE_WEBHOOK_DEADLINE_MS: String(settings.webhookDeadlineSeconds * 1000),
      NOTESCRIBE_ALLOWED_WEBHOOK_HOSTS: settings.allowedWebhookHosts.join(','),
      NOTESCRIBE_ALLOWED_EMAIL_DOMAINS: settings.allowedEmailDomains.join(','),
      ...(settings.defaultWebhookUrl === undefined ? {} : { NOTESCRIBE_DEFAULT_WEBHOOK_URL: settings.defaultWebhookUrl }),
      ...(settings.defaultNotifyEmail === undefined ? {} : { NOTESCRIBE_DEFAULT_NOTIFY_EMAIL: settings.defaultNotifyEmail }),
      ...(settings.sesSender === undefined ? {} : { NOTESCRIBE_EMAIL_FROM: settings.sesSender }),
    });

    this.ingest = new IngestFunction(this, 'Ingest', {
      entry: props.ingestEntry ?? INGEST_ENTRY,
      projectRoot: PROJECT_ROOT,
      bucket,
      ingestQueue: this.ingestQueue.queue,
      jobsQueue: this.jobsQueue.queue,
      notifyQueue: this.notifyQueue.queue,
      memoryMb: settings.ingestMemoryMb,
      timeout: Duration.seconds(settings.ingestTimeoutSeconds),
      reservedConcurrency: settings.ingestReservedConcurrency,
      maxConcurrency: settings.ingestMaxConcurrency,
      environment: environmentFor('ingest', {
        ...storageEnvironment,
        ...queueEnvironment,
        NOTESCRIBE_MAX_AUDIO_SECONDS: String(settings.maxAudioMinutes * 60),
      }),
    });

    this.sender = new SenderFunction(this, 'Sender', {
      entry: props.senderEntry ?? SENDER_ENTRY,
      projectRoot: PROJECT_ROOT,
      bucket,
      notifyQueue: this.notifyQueue.queue,
      notifications: this.notifications,
      timeout: Duration.seconds(senderTimeoutSeconds(settings)),
      environment: senderEnvironment,
    });

    const worker: QueueWorkerBaseProps = {
      projectRoot: PROJECT_ROOT,
      bucket,
      jobsQueue: this.jobsQueue.queue,
      notifyQueue: this.notifyQueue.queue,
      maxTasks: settings.maxWorkerTasks,
      scalingSteps: workerScalingSteps(settings),
      idleMinutesBeforeScaleIn: settings.idleMinutesBeforeScaleIn,
      environment: {
        ...storageEnvironment,
        ...queueEnvironment,
        NOTESCRIBE_BATCH_WINDOWS: String(settings.batchWindows),
        NOTESCRIBE_BATCH_WAIT_MS: String(settings.batchWaitMs),
        NOTESCRIBE_VISIBILITY_SECONDS: String(settings.workerVisibilitySeconds),
      },
    };
    this.worker =
      settings.workerMode === 'gpu'
        ? new GpuQueueWorker(this, 'Worker', {
            ...worker,
            instanceType: settings.gpuInstanceType,
            shape: gpuTaskShape(settings.gpuInstanceType),
          })
        : new FargateQueueWorker(this, 'Worker', {
            ...worker,
            cpu: settings.fargateCpu,
            memoryMiB: settings.fargateMemoryMiB,
          });

    new CfnOutput(this, 'BucketName', { value: bucket.bucketName, description: 'Upload here, read results here' });
    new CfnOutput(this, 'UploadPrefix', { value: PREFIXES.uploads });
    new CfnOutput(this, 'ResultsPrefix', { value: PREFIXES.results });
    new CfnOutput(this, 'TopicArn', { value: this.notifications.topic.topicArn, description: 'Job outcomes' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.notifications.alarmTopic.topicArn });
    new CfnOutput(this, 'WebhookSecretArn', {
      value: this.notifications.webhookSecret.secretArn,
      description: 'HMAC key of webhook signatures: aws secretsmanager get-secret-value --secret-id <arn>',
    });
    new CfnOutput(this, 'UploadCommand', {
      description: 'Example upload; the webhook and email metadata are optional',
      value: `aws s3 cp song.mp3 s3://${bucket.bucketName}/${PREFIXES.uploads} --metadata webhook-url=https://example.com/hook,notify-email=me@example.com`,
    });

    // CDK's singleton that writes the bucket notification configuration; CDK scopes its own policy to this bucket.
    const notificationsHandler = this.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (notificationsHandler !== undefined) {
      acknowledge(
        notificationsHandler,
        'CDK\'s bucket-notification custom resource logs through AWSLambdaBasicExecutionRole; it runs only on deploy.',
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      );
    }
  }
}
