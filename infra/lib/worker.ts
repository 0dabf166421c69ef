import { environmentFor, MAX_RECEIVE_COUNT, type SettingName } from '../../pipeline/settings';
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import { NotescribeError } from '../../core/errors';

import { acknowledge } from './nag';
import { type ScalingStep } from './settings';
import { grantPrefixAccess, PREFIXES } from './storage';

/** A file the worker touches while it is healthy (its poll loop); the container health check reads its age. */
export const HEARTBEAT_FILE = '/tmp/notescribe-heartbeat';
/** The health check fails when the heartbeat is older than this many minutes. */
export const HEARTBEAT_STALE_MINUTES = 5;

/**
 * The container health check, the same as gpu-task/Dockerfile's HEALTHCHECK: healthy while the heartbeat file is
 * fresh, or before the worker has written one (so a worker that does not write it is never killed for that).
 */
export const HEALTH_CHECK_COMMAND = `test ! -e ${HEARTBEAT_FILE} || test -n "$(find ${HEARTBEAT_FILE} -mmin -${HEARTBEAT_STALE_MINUTES})"`;

/** What every worker variant is given: the queues and bucket it works with, how far it scales, its environment. */
export interface QueueWorkerBaseProps {
  /** Repository root: the Docker build context (filtered by .dockerignore) of the default image. */
  readonly projectRoot: string;
  /**
   * The worker image.
   * @default the variant's target (`gpu` or `cpu`) of gpu-task/Dockerfile, built from `projectRoot` for linux/amd64
   */
  readonly image?: ecs.ContainerImage;
  readonly bucket: s3.IBucket;
  /** The queue of job messages the worker long-polls. */
  readonly jobsQueue: sqs.IQueue;
  /** The outbox the worker announces finished jobs to (the sender, not the worker, notifies). */
  readonly notifyQueue: sqs.IQueue;
  /** Most tasks running at once (in GPU mode also most instances: one GPU each). */
  readonly maxTasks: number;
  /** Exact-capacity steps on the backlog (queued + in-flight jobs); the first must be 0 jobs → 0 tasks. */
  readonly scalingSteps: readonly ScalingStep[];
  /** Minutes without any job before the service scales to zero. */
  readonly idleMinutesBeforeScaleIn: number;
  /** Worker environment beyond the execution-provider and health-check wiring done here. */
  readonly environment: Readonly<Partial<Record<SettingName, string>>>;
}

/** What a variant fixes about the container it runs. */
export interface WorkerRuntime {
  /** gpu-task/Dockerfile's build target for the default image. */
  readonly imageTarget: 'gpu' | 'cpu';
  /** ONNX Runtime execution providers, in order of preference (NOTESCRIBE_EXECUTION_PROVIDERS). */
  readonly executionProviders: string;
}

/**
 * What the worker variants share, as aws-ecs-patterns' `QueueProcessingServiceBase`: the network (no NAT gateway),
 * the cluster, the container's image, environment, logs and health check, the task role's grants and the step
 * scaling on the jobs backlog, down to zero when idle. A variant (`GpuQueueWorker`, `FargateQueueWorker`) adds its
 * task definition and service, then calls `configureQueueProcessing`.
 *
 * No NAT gateway: tasks and instances sit in public subnets with public IPs and a security group without inbound
 * rules, and reach S3 through a (free) gateway endpoint. A NAT gateway would cost ~$33/month per AZ even when idle.
 */
export abstract class QueueWorkerBase extends Construct {
  public readonly vpc: ec2.Vpc;
  public readonly cluster: ecs.Cluster;
  /** No inbound rules; outbound to AWS APIs and the image registry. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** Alarm on a backlog: scales out, exact capacity by backlog. */
  public readonly scaleOutAlarm: cloudwatch.Alarm;
  /** Alarm on an idle spell: scales to zero. */
  public readonly scaleInAlarm: cloudwatch.Alarm;
  public abstract readonly service: ecs.BaseService;
  public abstract readonly taskDefinition: ecs.TaskDefinition;
  public abstract readonly container: ecs.ContainerDefinition;

  /** The container's image, environment, logging, stop timeout and health check; a variant adds its sizing. */
  protected readonly containerOptions: ecs.ContainerDefinitionOptions;
  private readonly props: QueueWorkerBaseProps;

  protected constructor(scope: Construct, id: string, props: QueueWorkerBaseProps, runtime: WorkerRuntime) {
    super(scope, id);
    this.props = props;
    const steps = props.scalingSteps;
    if (steps[0]?.lowerBacklog !== 0 || steps[0].tasks !== 0 || steps.length < 2) {
      throw new NotescribeError(
        'INVALID_SETTINGS',
        'scalingSteps must start with { lowerBacklog: 0, tasks: 0 } and have a step with tasks',
      );
    }

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'NoInbound', {
      vpc: this.vpc as ec2.IVpc,
      description: 'notescribe worker: no inbound; outbound HTTPS to AWS APIs and the image registry',
      allowAllOutbound: true,
    });
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc as ec2.IVpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.containerOptions = {
      image:
        props.image ??
        ecs.ContainerImage.fromAsset(props.projectRoot, {
          file: 'gpu-task/Dockerfile',
          target: runtime.imageTarget,
          platform: Platform.LINUX_AMD64,
        }),
      environment: environmentFor('worker', {
        AWS_REGION: Aws.REGION,
        NOTESCRIBE_MAX_RECEIVES: String(MAX_RECEIVE_COUNT),
        NOTESCRIBE_EXECUTION_PROVIDERS: runtime.executionProviders,
        NOTESCRIBE_HEARTBEAT_FILE: HEARTBEAT_FILE,
        ...props.environment,
      }),
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'worker', logGroup }),
      // ECS's longest grace after SIGTERM: the worker finishes the batch it holds, then exits 0.
      stopTimeout: Duration.seconds(120),
      healthCheck: {
        command: ['CMD-SHELL', HEALTH_CHECK_COMMAND],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(120),
      },
    };

    // Backlog = queued + in flight: scaling on the visible count alone would stop a task in the middle of the job it
    // holds (its message is invisible then), and the job would run again.
    const backlog = new cloudwatch.MathExpression({
      expression: 'visible + inFlight',
      label: 'jobs queued or running',
      period: Duration.minutes(1),
      usingMetrics: {
        visible: props.jobsQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        inFlight: props.jobsQueue.metricApproximateNumberOfMessagesNotVisible({
          period: Duration.minutes(1),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
      },
    });
    // Two alarms with their own actions, so scale-out reacts within a minute while scale-in waits out an idle spell
    // (a GPU instance takes minutes to start; a short pause between uploads should not pay that again).
    this.scaleOutAlarm = new cloudwatch.Alarm(this, 'BacklogAlarm', {
      alarmDescription: 'Jobs waiting or running: the worker service scales out (exact capacity by backlog).',
      metric: backlog,
      threshold: this.firstBusyBacklog,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
    this.scaleInAlarm = new cloudwatch.Alarm(this, 'IdleAlarm', {
      alarmDescription: `No job for ${props.idleMinutesBeforeScaleIn} minutes: the worker service scales to zero.`,
      metric: backlog,
      threshold: this.firstBusyBacklog,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: props.idleMinutesBeforeScaleIn,
      // SQS stops reporting a queue that has been idle for hours: missing data is idle.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }

  /** The smallest backlog that wants a task. */
  private get firstBusyBacklog(): number {
    return this.props.scalingSteps[1]?.lowerBacklog ?? 1;
  }

  /**
   * Gives the variant's task role its access (as docs/pipeline.md lists it; no more) and points the alarms at step
   * scaling of its service. Call once, at the end of the variant's constructor.
   */
  protected configureQueueProcessing(service: ecs.BaseService, taskDefinition: ecs.TaskDefinition): void {
    const props = this.props;
    const taskRole = taskDefinition.taskRole;
    grantPrefixAccess(
      props.bucket,
      taskRole,
      {
        read: [PREFIXES.features, PREFIXES.status, PREFIXES.results],
        write: [PREFIXES.status, PREFIXES.results],
        reason: 'Task role: objects under this bucket\'s features/, status/ and results/ prefixes (docs/pipeline.md).',
      },
      taskDefinition,
    );
    props.jobsQueue.grantConsumeMessages(taskRole);
    props.notifyQueue.grantSendMessages(taskRole);
    acknowledge(
      taskDefinition,
      'The environment holds names and limits only (bucket, queue URL, prefixes, batch sizes); the webhook key is ' +
        'read from Secrets Manager at run time by ARN.',
      'AwsSolutions-ECS2',
    );
    acknowledge(
      taskDefinition,
      'Execution role: ecr:GetAuthorizationToken supports no resource-level permission.',
      'AwsSolutions-IAM5[Resource::*]',
    );

    const taskCount = service.autoScaleTaskCount({ minCapacity: 0, maxCapacity: props.maxTasks });
    const target = taskCount.node.findChild('Target') as appscaling.ScalableTarget;
    const steps = props.scalingSteps;
    const firstBusy = this.firstBusyBacklog;
    const scaleOut = new appscaling.StepScalingAction(this, 'ScaleOut', {
      scalingTarget: target,
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
      cooldown: Duration.minutes(1),
    });
    steps.slice(1).forEach((step, i) => {
      const next = steps[i + 2];
      scaleOut.addAdjustment({
        adjustment: step.tasks,
        lowerBound: step.lowerBacklog - firstBusy,
        ...(next === undefined ? {} : { upperBound: next.lowerBacklog - firstBusy }),
      });
    });
    this.scaleOutAlarm.addAlarmAction({ bind: () => ({ alarmActionArn: scaleOut.scalingPolicyArn }) });

    const scaleIn = new appscaling.StepScalingAction(this, 'ScaleToZero', {
      scalingTarget: target,
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
    });
    scaleIn.addAdjustment({ adjustment: 0, upperBound: 0 });
    this.scaleInAlarm.addAlarmAction({ bind: () => ({ alarmActionArn: scaleIn.scalingPolicyArn }) });
  }
}
