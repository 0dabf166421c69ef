import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import { NEVER_LOADED_MODULES } from '../../core/audio/bundling';
import { acknowledge } from './nag';

export interface QueueFunctionProps {
  /** The handler file (exports `handler`). */
  readonly entry: string;
  /** Directory holding package-lock.json and the code the entry imports. */
  readonly projectRoot: string;
  /** What the function is, for its role's description. */
  readonly description: string;
  /** The queue the function consumes (partial batch failures reported). */
  readonly queue: sqs.IQueue;
  /** Messages per invocation. */
  readonly batchSize: number;
  readonly memoryMb: number;
  readonly timeout: Duration;
  /** undefined: no reserved concurrency. @default undefined */
  readonly reservedConcurrency?: number | undefined;
  /** Most concurrent invocations the event source starts (2…1000). */
  readonly maxConcurrency: number;
  /** The function's environment (built from pipeline/settings.ts by the stack). */
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * A Lambda function fed by an SQS queue, the shape both the ingest and the notification sender have: bundled by
 * esbuild (local, no Docker), Node.js 22 on Graviton, its own log group and a role that may write only to it, and an
 * SQS event source with `reportBatchItemFailures`. Variants add their grants to `role`.
 */
export class QueueFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: QueueFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of AWSLambdaBasicExecutionRole, whose logs:* statements apply to every log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup.grantWrite(this.role);

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
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node22',
        // The Node.js 22 runtime ships AWS SDK v3; NEVER_LOADED_MODULES are optional imports the engine never takes.
        externalModules: ['@aws-sdk/*', ...NEVER_LOADED_MODULES],
        forceDockerBundling: false,
      },
    });
    this.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: props.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );
    acknowledge(
      this.function,
      'Node.js 22 is the engine\'s target (package.json engines, the worker image); move with it, not ahead of it.',
      'AwsSolutions-L1',
    );
  }
}
