import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

import type { Notifications } from './notifications';
import { QueueFunction, type QueueFunctionProps } from './queue-function';
import { grantPrefixAccess, PREFIXES } from './storage';

/** The sender's props: the queue function's handler, timeout and environment, and what it reads and sends with. */
export interface SenderFunctionProps extends Pick<QueueFunctionProps, 'entry' | 'projectRoot' | 'timeout' | 'environment'> {
  readonly bucket: s3.IBucket;
  /** The outbox the worker and ingest write; the function consumes it. */
  readonly notifyQueue: sqs.IQueue;
  /** Topic, webhook secret and SES identity it sends with. */
  readonly notifications: Notifications;
  /**
   * Most concurrent invocations: how many slow receivers may be waited on at once.
   * @default 10
   */
  readonly maxConcurrency?: number;
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
    grantPrefixAccess(
      props.bucket,
      this.role,
      {
        // the status record is read and updated; results are read so the presigned links it signs are valid
        read: [PREFIXES.status, PREFIXES.results],
        write: [PREFIXES.status],
        reason: 'Object ARNs scoped to this bucket\'s status/ and results/ prefixes: records it updates, outputs it links to.',
      },
      this.role,
    );
    props.notifications.grantNotify(this.role);
  }
}
