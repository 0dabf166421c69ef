import type { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

import { acknowledge, wildcardResourceFinding } from './nag';
import { QueueFunction } from './queue-function';
import { PREFIXES } from './storage';

export interface IngestFunctionProps {
  /** The handler file (exports `handler`). */
  readonly entry: string;
  /** Directory holding package-lock.json and the code the entry imports. */
  readonly projectRoot: string;
  readonly bucket: s3.IBucket;
  /** The queue S3 notifies of uploads; the function consumes it. */
  readonly ingestQueue: sqs.IQueue;
  /** The queue the function sends job messages to. */
  readonly jobsQueue: sqs.IQueue;
  /** The outbox it announces failed uploads to. */
  readonly notifyQueue: sqs.IQueue;
  readonly memoryMb: number;
  readonly timeout: Duration;
  /** undefined: no reserved concurrency. */
  readonly reservedConcurrency: number | undefined;
  /** Most concurrent ingest invocations the event source starts. */
  readonly maxConcurrency: number;
  /** The function's environment (pipeline/settings.ts `environmentFor('ingest', …)`). */
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * The ingest Lambda: decode → spectrogram → onsets → feature file in S3 → one job message, one upload per invocation.
 */
export class IngestFunction extends QueueFunction {
  constructor(scope: Construct, id: string, props: IngestFunctionProps) {
    super(scope, id, {
      entry: props.entry,
      projectRoot: props.projectRoot,
      description: 'notescribe ingest Lambda',
      queue: props.ingestQueue,
      batchSize: 1,
      memoryMb: props.memoryMb,
      timeout: props.timeout,
      reservedConcurrency: props.reservedConcurrency,
      maxConcurrency: props.maxConcurrency,
      environment: props.environment,
    });

    const objects = (prefix: string): string => props.bucket.arnForObjects(`${prefix}*`);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects(PREFIXES.uploads)] }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [objects(PREFIXES.features), objects(PREFIXES.status), objects(PREFIXES.results)],
      }),
    );
    // So a missing key reads as 404 rather than 403.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn] }),
    );
    props.jobsQueue.grantSendMessages(this.role);
    props.notifyQueue.grantSendMessages(this.role);

    acknowledge(
      this.role,
      'Object ARNs scoped to this bucket\'s uploads/, features/, status/ and results/ prefixes, as docs/pipeline.md asks.',
      ...Object.values(PREFIXES).map((prefix) => wildcardResourceFinding(this, props.bucket.bucketArn, `/${prefix}*`)),
    );
  }
}
