import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { CreateSecretCommand, ResourceExistsException } from '@aws-sdk/client-secrets-manager';
import { CreateEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../pipeline/aws';
import { MAX_RECEIVE_COUNT } from '../pipeline/settings';
import { isNotFound } from '../pipeline/status-store';

/** Names of the local stack's resources. */
export interface LocalNames {
  readonly bucket: string;
  readonly ingestQueue: string;
  readonly jobsQueue: string;
  /** The outbox the notification sender reads. */
  readonly notifyQueue: string;
  readonly topic: string;
  readonly uploadsPrefix: string;
  readonly emailFrom: string;
  readonly secretName: string;
  /** The webhook HMAC key stored in the secret. */
  readonly secretValue: string;
  /** Keep every version of every object (tests count versions to prove outputs are written once). */
  readonly versioning?: boolean;
  /** Receives before a message moves to its DLQ. @default 3 */
  readonly maxReceiveCount?: number;
  /** Visibility timeout of the jobs queue, seconds. @default 120 */
  readonly jobsVisibilitySeconds?: number;
}

/** What `ensureLocalResources` created or found. */
export interface LocalResources {
  readonly bucket: string;
  readonly ingestQueueUrl: string;
  readonly ingestDlqUrl: string;
  readonly jobsQueueUrl: string;
  readonly jobsDlqUrl: string;
  readonly notifyQueueUrl: string;
  readonly notifyDlqUrl: string;
  readonly topicArn: string;
  readonly secretId: string;
}

async function queueWithDlq(
  clients: AwsClients,
  name: string,
  maxReceiveCount: number,
  visibilitySeconds: number,
): Promise<{ url: string; dlqUrl: string }> {
  const dlq = await clients.sqs.send(
    new CreateQueueCommand({ QueueName: `${name}-dlq`, Attributes: { MessageRetentionPeriod: String(14 * 24 * 3600) } }),
  );
  const dlqUrl = dlq.QueueUrl ?? '';
  const attributes = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
  const queue = await clients.sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(visibilitySeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: attributes.Attributes?.['QueueArn'], maxReceiveCount }),
      },
    }),
  );
  return { url: queue.QueueUrl ?? '', dlqUrl };
}

/**
 * Creates, if absent, what the CDK stack creates in AWS: the bucket (with its ObjectCreated notification to the
 * ingest queue), the ingest, jobs and notify queues with DLQs, the topic, a verified SES sender and the webhook secret. Idempotent; works
 * against LocalStack and moto alike.
 */
export async function ensureLocalResources(clients: AwsClients, names: LocalNames): Promise<LocalResources> {
  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: names.bucket }));
  } catch (error) {
    if (!isNotFound(error) && (error as { name?: string }).name !== 'NoSuchBucket') throw error;
    await clients.s3.send(new CreateBucketCommand({ Bucket: names.bucket }));
  }
  if (names.versioning) {
    await clients.s3.send(
      new PutBucketVersioningCommand({ Bucket: names.bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  }
  const maxReceiveCount = names.maxReceiveCount ?? MAX_RECEIVE_COUNT;
  const ingest = await queueWithDlq(clients, names.ingestQueue, maxReceiveCount, 60);
  const jobs = await queueWithDlq(clients, names.jobsQueue, maxReceiveCount, names.jobsVisibilitySeconds ?? 120);
  const notify = await queueWithDlq(clients, names.notifyQueue, maxReceiveCount, 60);
  const ingestArn = (
    await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: ingest.url, AttributeNames: ['QueueArn'] }))
  ).Attributes?.['QueueArn'];
  await clients.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: names.bucket,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            QueueArn: ingestArn,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: names.uploadsPrefix }] } },
          },
        ],
      },
    }),
  );
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: names.topic }));
  await clients.ses.send(new CreateEmailIdentityCommand({ EmailIdentity: names.emailFrom })).catch((error: unknown) => {
    if ((error as { name?: string }).name !== 'AlreadyExistsException') throw error;
  });
  await clients.secrets
    .send(new CreateSecretCommand({ Name: names.secretName, SecretString: names.secretValue }))
    .catch((error: unknown) => {
      if (!(error instanceof ResourceExistsException) && (error as { name?: string }).name !== 'ResourceExistsException') throw error;
    });
  return {
    bucket: names.bucket,
    ingestQueueUrl: ingest.url,
    ingestDlqUrl: ingest.dlqUrl,
    jobsQueueUrl: jobs.url,
    jobsDlqUrl: jobs.dlqUrl,
    notifyQueueUrl: notify.url,
    notifyDlqUrl: notify.dlqUrl,
    topicArn: topic.TopicArn ?? '',
    secretId: names.secretName,
  };
}

/**
 * The environment the deployed Lambdas and worker would get, for these local resources: scripts and tests read their
 * configuration from it with the same `readPipelineConfig`, so the defaults stay in one place.
 */
export function localPipelineEnvironment(
  resources: LocalResources,
  target: { endpoint: string; region: string; emailFrom: string },
): Record<string, string> {
  return {
    NOTESCRIBE_BUCKET: resources.bucket,
    NOTESCRIBE_JOBS_QUEUE_URL: resources.jobsQueueUrl,
    NOTESCRIBE_NOTIFY_QUEUE_URL: resources.notifyQueueUrl,
    NOTESCRIBE_TOPIC_ARN: resources.topicArn,
    NOTESCRIBE_WEBHOOK_SECRET_ID: resources.secretId,
    NOTESCRIBE_EMAIL_FROM: target.emailFrom,
    NOTESCRIBE_AWS_ENDPOINT: target.endpoint,
    AWS_REGION: target.region,
  };
}
