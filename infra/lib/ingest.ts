import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import { NEVER_LOADED_MODULES } from '../../core/audio/bundling';
import { acknowledge, wildcardResourceFinding } from './nag';

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
  readonly memoryMb: number;
  readonly timeout: Duration;
  /** undefined: no reserved concurrency. */
  readonly reservedConcurrency: number | undefined;
  /** Most concurrent invocations the event source starts. */
  readonly maxConcurrency: number;
  /** Environment beyond the queue and bucket wiring done here (topic, secret, limits). */
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * The ingest Lambda: decode → spectrogram → onsets → feature file in S3 → one job message. Bundled by esbuild (local,
 * no Docker), consuming the ingest queue with partial batch responses.
 */
export class IngestFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: IngestFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of AWSLambdaBasicExecutionRole, whose logs:* statements apply to every log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'notescribe ingest Lambda',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      runtime: lambda.Runtime.NODEJS_22_X,
      // The engine is plain JavaScript and WebAssembly, so Graviton runs it at ~20 % less per GB-second.
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: props.timeout,
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        NOTESCRIBE_BUCKET: props.bucket.bucketName,
        NOTESCRIBE_UPLOADS_PREFIX: PREFIXES.uploads,
        NOTESCRIBE_FEATURES_PREFIX: PREFIXES.features,
        NOTESCRIBE_RESULTS_PREFIX: PREFIXES.results,
        NOTESCRIBE_STATUS_PREFIX: PREFIXES.status,
        NOTESCRIBE_JOBS_QUEUE_URL: props.jobsQueue.queueUrl,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node22',
        // The Node.js 22 runtime ships AWS SDK v3; NEVER_LOADED_MODULES are optional imports the engine never takes.
        externalModules: ['@aws-sdk/*', ...NEVER_LOADED_MODULES],
        forceDockerBundling: false,
      },
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
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.jobsQueue.queueArn] }),
    );

    this.function.addEventSource(
      new SqsEventSource(props.ingestQueue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );

    acknowledge(
      this.role,
      'Object ARNs scoped to this bucket\'s uploads/, features/, status/ and results/ prefixes, as docs/pipeline.md asks.',
      ...Object.values(PREFIXES).map((prefix) => wildcardResourceFinding(this, props.bucket.bucketArn, `/${prefix}*`)),
    );
    acknowledge(
      this.function,
      'Node.js 22 is the engine\'s target (package.json engines, the worker image); move with it, not ahead of it.',
      'AwsSolutions-L1',
    );
  }
}
