import type { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

import { acknowledge, wildcardResourceFinding } from './nag';
import type { Notifications } from './notifications';
import { QueueFunction } from './queue-function';
import { PREFIXES } from './storage';

export interface SenderFunctionProps {
  /** The handler file (lambdas/notify/handler.ts). */
  readonly entry: string;
  /** Directory holding package-lock.json and the code the entry imports. */
  readonly projectRoot: string;
  readonly bucket: s3.IBucket;
  /** The outbox the worker and ingest write; the function consumes it. */
  readonly notifyQueue: sqs.IQueue;
  /** Topic, webhook secret and SES identity it sends with. */
  readonly notifications: Notifications;
  /** Covers one webhook deadline plus SNS, SES and the status record's round trips. */
  readonly timeout: Duration;
  /**
   * Most concurrent invocations: how many slow receivers may be waited on at once.
   * @default 10
   */
  readonly maxConcurrency?: number;
  /** The function's environment. */
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * The notification sender: reads outcome messages from the notify queue (the outbox), delivers SNS, the signed webhook
 * and SES email, and records each channel's result in the job's status record. It is the only part of the pipeline
 * that talks to uploader-chosen hosts, so only it holds the webhook secret and the SES grant.
 */
export class SenderFunction extends QueueFunction {
  constructor(scope: Construct, id: string, props: SenderFunctionProps) {
    super(scope, id, {
      entry: props.entry,
      projectRoot: props.projectRoot,
      description: 'notescribe notification sender Lambda',
      queue: props.notifyQueue,
      // each message waits on its own receiver, in parallel within the batch
      batchSize: 10,
      // no DSP here: the smallest size with a comfortable heap for the SDK clients
      memoryMb: 256,
      timeout: props.timeout,
      maxConcurrency: props.maxConcurrency ?? 10,
      environment: props.environment,
    });
    const objects = (prefix: string): string => props.bucket.arnForObjects(`${prefix}*`);
    // the status record is read and updated; results are read so the presigned links it signs are valid
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [objects(PREFIXES.status)] }),
    );
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects(PREFIXES.results)] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn] }));
    props.notifications.grantNotify(this.role);
    acknowledge(
      this.role,
      'Object ARNs scoped to this bucket\'s status/ and results/ prefixes: records it updates, outputs it links to.',
      ...[PREFIXES.status, PREFIXES.results].map((prefix) => wildcardResourceFinding(this, props.bucket.bucketArn, `/${prefix}*`)),
    );
  }
}
