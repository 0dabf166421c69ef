import { environmentFor, type SettingName } from '../../pipeline/settings';
import { Aspects, Aws, type CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import { NotescribeError } from '../../core/errors';

import { acknowledge, wildcardResourceFinding } from './nag';

import { type GpuTaskShape, type ScalingStep } from './settings';
import { PREFIXES } from './storage';
import { MAX_RECEIVE_COUNT } from './work-queue';

/** A file the worker touches while it is healthy (its poll loop); the container health check reads its age. */
export const HEARTBEAT_FILE = '/tmp/notescribe-heartbeat';
/** The health check fails when the heartbeat is older than this many minutes. */
export const HEARTBEAT_STALE_MINUTES = 5;

/**
 * The container health check, the same as gpu-task/Dockerfile's HEALTHCHECK: healthy while the heartbeat file is
 * fresh, or before the worker has written one (so a worker that does not write it is never killed for that).
 */
export const HEALTH_CHECK_COMMAND = `test ! -e ${HEARTBEAT_FILE} || test -n "$(find ${HEARTBEAT_FILE} -mmin -${HEARTBEAT_STALE_MINUTES})"`;

/** Where the worker runs. */
export type WorkerPlacement =
  | { readonly mode: 'gpu'; readonly instanceType: string; readonly shape: GpuTaskShape }
  | { readonly mode: 'fargate'; readonly cpu: number; readonly memoryMiB: number };

export interface WorkerProps {
  readonly placement: WorkerPlacement;
  /** Repository root: the Docker build context (filtered by .dockerignore). */
  readonly projectRoot: string;
  readonly bucket: s3.IBucket;
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

/**
 * The inference worker: an ECS service that long-polls the jobs queue, on GPU instances (an Auto Scaling group from
 * zero behind a capacity provider with managed scaling) or on Fargate (CPU). The service's desired count follows the
 * backlog through step scaling, down to zero when idle; in GPU mode the capacity provider then drains the instances.
 *
 * No NAT gateway: tasks and instances sit in public subnets with public IPs and a security group without inbound
 * rules, and reach S3 through a (free) gateway endpoint. A NAT gateway would cost ~$33/month per AZ even when idle.
 */
export class Worker extends Construct {
  public readonly vpc: ec2.Vpc;
  public readonly cluster: ecs.Cluster;
  public readonly service: ecs.BaseService;
  public readonly taskDefinition: ecs.TaskDefinition;
  public readonly container: ecs.ContainerDefinition;
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup | undefined;
  public readonly scaleOutAlarm: cloudwatch.Alarm;
  public readonly scaleInAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: WorkerProps) {
    super(scope, id);
    const placement = props.placement;
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
    const securityGroup = new ec2.SecurityGroup(this, 'NoInbound', {
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
    const image = ecs.ContainerImage.fromAsset(props.projectRoot, {
      file: 'gpu-task/Dockerfile',
      target: placement.mode === 'gpu' ? 'gpu' : 'cpu',
      platform: Platform.LINUX_AMD64,
    });
    const environment = environmentFor('worker', {
      AWS_REGION: Aws.REGION,
      NOTESCRIBE_MAX_RECEIVES: String(MAX_RECEIVE_COUNT),
      NOTESCRIBE_EXECUTION_PROVIDERS: placement.mode === 'gpu' ? 'cuda,cpu' : 'cpu',
      NOTESCRIBE_HEARTBEAT_FILE: HEARTBEAT_FILE,
      ...props.environment,
    });
    const containerOptions: ecs.ContainerDefinitionOptions = {
      image,
      environment,
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

    if (placement.mode === 'gpu') {
      const instanceRole = this.containerInstanceRole();
      const launchTemplate = new ec2.LaunchTemplate(this, 'GpuLaunchTemplate', {
        instanceType: new ec2.InstanceType(placement.instanceType),
        machineImage: ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.GPU),
        userData: ec2.UserData.forLinux(),
        // Immutable view: CDK's capacity-provider wiring would add its own agent policy (with ecs:Submit* and
        // logs on *); containerInstanceRole() already holds the narrower one.
        role: iam.Role.fromRoleArn(this, 'InstanceRoleRef', instanceRole.roleArn, { mutable: false }),
        securityGroup,
        associatePublicIpAddress: true,
        requireImdsv2: true,
        // Room for the CUDA image (several GB) and its unpacked layers.
        blockDevices: [
          {
            deviceName: '/dev/xvda',
            volume: ec2.BlockDeviceVolume.ebs(100, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
          },
        ],
      });
      const asg = new autoscaling.AutoScalingGroup(this, 'GpuInstances', {
        vpc: this.vpc as ec2.IVpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        launchTemplate,
        minCapacity: 0,
        maxCapacity: props.maxTasks,
      });
      this.autoScalingGroup = asg;
      const capacityProvider = new ecs.AsgCapacityProvider(this, 'GpuCapacity', {
        autoScalingGroup: asg,
        enableManagedScaling: true,
        targetCapacityPercent: 100,
        enableManagedTerminationProtection: true,
      });
      this.cluster.addAsgCapacityProvider(capacityProvider);

      const taskDefinition = new ecs.Ec2TaskDefinition(this, 'GpuTask');
      this.container = taskDefinition.addContainer('Worker', {
        ...containerOptions,
        gpuCount: 1,
        cpu: placement.shape.cpu,
        memoryReservationMiB: placement.shape.memoryReservationMiB,
      });
      this.taskDefinition = taskDefinition;
      this.service = new ecs.Ec2Service(this, 'Service', {
        cluster: this.cluster as ecs.ICluster,
        taskDefinition,
        // Created idle; scaling sets it. A deploy resets it to 0 and the next alarm evaluation restores it.
        desiredCount: 0,
        minHealthyPercent: 0,
        maxHealthyPercent: 100,
        capacityProviderStrategies: [{ capacityProvider: capacityProvider.capacityProviderName, weight: 1 }],
        circuitBreaker: { rollback: true },
      });
      // CloudFormation would otherwise create the service in parallel with the cluster's capacity-provider
      // association and fail: "capacity provider … is not associated with the cluster".
      // The cluster creates that association in an aspect during synthesis, so look for it then (the cluster comes
      // before the service in the tree, so its aspect has run when this one visits the service).
      const service = this.service;
      const cluster = this.cluster;
      Aspects.of(service).add({
        visit(node) {
          if (node !== service) return;
          const association = cluster.node.children.find((c) => c instanceof ecs.CfnClusterCapacityProviderAssociations);
          if (association !== undefined) service.node.addDependency(association);
        },
      });
      acknowledge(
        asg,
        'Scale events are routine (every burst of jobs); the queue alarms report real trouble.',
        'AwsSolutions-AS3',
      );
      acknowledge(
        instanceRole,
        'ecs:DiscoverPollEndpoint supports no resource-level permission; ecs:Poll is limited to this cluster\'s ' +
          'container instances.',
        'AwsSolutions-IAM5[Resource::*]',
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:container-instance/<${Stack.of(this).getLogicalId(this.cluster.node.defaultChild as CfnElement)}>/*]`,
      );
    } else {
      const taskDefinition = new ecs.FargateTaskDefinition(this, 'CpuTask', {
        cpu: placement.cpu,
        memoryLimitMiB: placement.memoryMiB,
        runtimePlatform: {
          cpuArchitecture: ecs.CpuArchitecture.X86_64,
          operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        },
      });
      this.container = taskDefinition.addContainer('Worker', containerOptions);
      this.taskDefinition = taskDefinition;
      this.autoScalingGroup = undefined;
      this.service = new ecs.FargateService(this, 'Service', {
        cluster: this.cluster as ecs.ICluster,
        taskDefinition,
        desiredCount: 0,
        minHealthyPercent: 0,
        maxHealthyPercent: 100,
        assignPublicIp: true,
        securityGroups: [securityGroup],
        vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        circuitBreaker: { rollback: true },
      });
    }

    this.grantJobs(props);
    acknowledge(
      this.taskDefinition,
      'The environment holds names and limits only (bucket, queue URL, prefixes, batch sizes); the webhook key is ' +
        'read from Secrets Manager at run time by ARN.',
      'AwsSolutions-ECS2',
    );
    acknowledge(
      this.taskDefinition,
      'Task role: objects under this bucket\'s features/, status/ and results/ prefixes (docs/pipeline.md). ' +
        'Execution role: ecr:GetAuthorizationToken supports no resource-level permission.',
      ...[PREFIXES.features, PREFIXES.status, PREFIXES.results].map((prefix) =>
        wildcardResourceFinding(this, props.bucket.bucketArn, `/${prefix}*`),
      ),
      'AwsSolutions-IAM5[Resource::*]',
    );

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
    const taskCount = this.service.autoScaleTaskCount({ minCapacity: 0, maxCapacity: props.maxTasks });
    const target = taskCount.node.findChild('Target') as appscaling.ScalableTarget;

    // Two actions with their own alarms, so scale-out reacts within a minute while scale-in waits out an idle spell
    // (a GPU instance takes minutes to start; a short pause between uploads should not pay that again).
    const scaleOut = new appscaling.StepScalingAction(this, 'ScaleOut', {
      scalingTarget: target,
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
      cooldown: Duration.minutes(1),
    });
    const firstBusy = steps[1]?.lowerBacklog ?? 1;
    steps.slice(1).forEach((step, i) => {
      const next = steps[i + 2];
      scaleOut.addAdjustment({
        adjustment: step.tasks,
        lowerBound: step.lowerBacklog - firstBusy,
        ...(next === undefined ? {} : { upperBound: next.lowerBacklog - firstBusy }),
      });
    });
    this.scaleOutAlarm = new cloudwatch.Alarm(this, 'BacklogAlarm', {
      alarmDescription: 'Jobs waiting or running: the worker service scales out (exact capacity by backlog).',
      metric: backlog,
      threshold: firstBusy,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
    this.scaleOutAlarm.addAlarmAction({ bind: () => ({ alarmActionArn: scaleOut.scalingPolicyArn }) });

    const scaleIn = new appscaling.StepScalingAction(this, 'ScaleToZero', {
      scalingTarget: target,
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
    });
    scaleIn.addAdjustment({ adjustment: 0, upperBound: 0 });
    this.scaleInAlarm = new cloudwatch.Alarm(this, 'IdleAlarm', {
      alarmDescription: `No job for ${props.idleMinutesBeforeScaleIn} minutes: the worker service scales to zero.`,
      metric: backlog,
      threshold: firstBusy,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: props.idleMinutesBeforeScaleIn,
      // SQS stops reporting a queue that has been idle for hours: missing data is idle.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.scaleInAlarm.addAlarmAction({ bind: () => ({ alarmActionArn: scaleIn.scalingPolicyArn }) });
  }

  /**
   * The container instances' role: only what the ECS agent needs to join this cluster and run its tasks. Image pulls
   * and logs use the task execution role, so unlike CDK's default agent policy it grants no ECR or logs access.
   */
  private containerInstanceRole(): iam.Role {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'notescribe GPU container instances (ECS agent)',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'ecs:RegisterContainerInstance',
          'ecs:DeregisterContainerInstance',
          'ecs:SubmitAttachmentStateChanges',
          'ecs:SubmitContainerStateChange',
          'ecs:SubmitTaskStateChange',
        ],
        resources: [this.cluster.clusterArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:Poll', 'ecs:StartTelemetrySession'],
        resources: [
          stack.formatArn({ service: 'ecs', resource: 'container-instance', resourceName: `${this.cluster.clusterName}/*` }),
        ],
        conditions: { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } },
      }),
    );
    // DiscoverPollEndpoint supports no resource-level permissions.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecs:DiscoverPollEndpoint'], resources: ['*'] }));
    return role;
  }

  /** The task role's access, as docs/pipeline.md lists it; no more. */
  private grantJobs(props: WorkerProps): void {
    const role = this.taskDefinition.taskRole;
    const objects = (prefix: string): string => props.bucket.arnForObjects(`${prefix}*`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [objects(PREFIXES.features), objects(PREFIXES.status), objects(PREFIXES.results)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [objects(PREFIXES.status), objects(PREFIXES.results)],
      }),
    );
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
        resources: [props.jobsQueue.queueArn],
      }),
    );
    props.notifyQueue.grantSendMessages(role);
  }
}
