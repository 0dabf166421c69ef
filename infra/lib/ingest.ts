import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

import { QueueFunction, type QueueFunctionProps } from './queue-function';
import { grantPrefixAccess, PREFIXES } from './storage';

/** The ingest function's props: the queue function's own (handler, sizing, environment) and what it reads and writes. */
export interface IngestFunctionProps
  extends Pick<QueueFunctionProps, 'entry' | 'projectRoot' | 'memoryMb' | 'timeout' | 'reservedConcurrency' | 'maxConcurrency' | 'environment'> {
  readonly bucket: s3.IBucket;
  /** The queue S3 notifies of uploads; the function consumes it. */
  readonly ingestQueue: sqs.IQueue;
  /** The queue the function sends job messages to. */
  readonly jobsQueue: sqs.IQueue;
  /** The outbox it announces failed uploads to. */
  readonly notifyQueue: sqs.IQueue;
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
      // one upload per invocation: its decode and spectrogram use the whole memory size
      batchSize: 1,
      memoryMb: props.memoryMb,
      timeout: props.timeout,
      reservedConcurrency: props.reservedConcurrency,
      maxConcurrency: props.maxConcurrency,
      environment: props.environment,
    });

    grantPrefixAccess(
      props.bucket,
      this.role,
      {
        read: [PREFIXES.uploads, PREFIXES.features, PREFIXES.status, PREFIXES.results],
        write: [PREFIXES.features, PREFIXES.status, PREFIXES.results],
        reason: 'Object ARNs scoped to this bucket\'s uploads/, features/, status/ and results/ prefixes, as docs/pipeline.md asks.',
      },
      this.role,
    );
    props.jobsQueue.grantSendMessages(this.role);
    props.notifyQueue.grantSendMessages(this.role);
  }
}
