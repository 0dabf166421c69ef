import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';

import { FargateQueueWorker } from '../../infra/lib/fargate-worker';
import { GpuQueueWorker } from '../../infra/lib/gpu-worker';
import { gpuTaskShape } from '../../infra/lib/settings';
import { PROJECT_ROOT } from '../../infra/lib/stack';
import { Storage } from '../../infra/lib/storage';
import { type QueueWorkerBase, type QueueWorkerBaseProps } from '../../infra/lib/worker';
import { WorkQueue } from '../../infra/lib/work-queue';

/**
 * Each worker variant on its own, in a stack holding only what it consumes, under cdk-nag: the base's shared parts
 * and each variant's own are there, and neither needs the whole pipeline (nor a Docker build) to synthesise.
 */
const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface Built {
  readonly template: Template;
  readonly worker: QueueWorkerBase;
  readonly violations: unknown[];
}

function build(variant: (stack: Stack, props: QueueWorkerBaseProps) => QueueWorkerBase): Built {
  const outdir = mkdtempSync(join(tmpdir(), 'notescribe-worker-'));
  outdirs.push(outdir);
  // cdk.json's feature flags, as `cdk deploy` has them (the storage construct relies on them)
  const { context } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const app = new App({ outdir, ...(context === undefined ? {} : { context }) });
  const stack = new Stack(app, 'WorkerOnly');
  const storage = new Storage(stack, 'Storage', { featureRetentionDays: 7, noncurrentVersionDays: 30 });
  const alarmTopic = sns.Topic.fromTopicArn(stack, 'Alarms', 'arn:aws:sns:eu-west-1:123456789012:alarms');
  const queue = (id: string): WorkQueue =>
    new WorkQueue(stack, id, { visibilityTimeout: Duration.minutes(15), alarmTopic, oldestMessageAlarmAge: Duration.hours(1) });
  const worker = variant(stack, {
    projectRoot: '/nonexistent',
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/example/notescribe-worker:test'),
    bucket: storage.bucket as s3.IBucket,
    jobsQueue: queue('Jobs').queue,
    notifyQueue: queue('Notify').queue,
    maxTasks: 2,
    scalingSteps: [
      { lowerBacklog: 0, tasks: 0 },
      { lowerBacklog: 1, tasks: 1 },
      { lowerBacklog: 5, tasks: 2 },
    ],
    idleMinutesBeforeScaleIn: 15,
    environment: { NOTESCRIBE_BUCKET: 'bucket', NOTESCRIBE_JOBS_QUEUE_URL: 'https://sqs/jobs', NOTESCRIBE_NOTIFY_QUEUE_URL: 'https://sqs/notify' },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: Array<{ violations?: unknown[] }>;
  };
  return {
    template: Template.fromStack(stack),
    worker,
    violations: report.pluginReports.flatMap((r) => r.violations ?? []),
  };
}

function containerEnvironment(template: Template): Record<string, unknown> {
  const [definition] = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as Array<{
    Properties: { ContainerDefinitions: Array<{ Environment: Array<{ Name: string; Value: unknown }> }> };
  }>;
  const environment = definition?.Properties.ContainerDefinitions[0]?.Environment ?? [];
  return Object.fromEntries(environment.map((e) => [e.Name, e.Value]));
}

/** What both variants get from the base. */
function expectQueueProcessing(template: Template): void {
  template.resourceCountIs('AWS::EC2::NatGateway', 0);
  template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
  template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 0, MaxCapacity: 2 });
  template.hasResourceProperties('AWS::ECS::TaskDefinition', {
    ContainerDefinitions: [Match.objectLike({ StopTimeout: 120, HealthCheck: Match.objectLike({ Retries: 3 }) })],
  });
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      // in the order the task role's grants are made (arrayWith matches in order; CDK sorts each statement's actions)
      Statement: Match.arrayWith([
        Match.objectLike({ Action: 's3:PutObject' }),
        Match.objectLike({ Action: Match.arrayWith(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ReceiveMessage']) }),
        Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']) }),
      ]),
    },
  });
}

describe('GpuQueueWorker', () => {
  let built: Built;
  beforeAll(() => {
    built = build((stack, props) => new GpuQueueWorker(stack, 'Worker', { ...props, instanceType: 'g5.xlarge', shape: gpuTaskShape('g5.xlarge') }));
  });

  it('synthesises alone with no cdk-nag finding', () => {
    expect(built.violations).toEqual([]);
  });

  it('runs one GPU task per instance from an Auto Scaling group that starts at zero, CUDA first', () => {
    expectQueueProcessing(built.template);
    built.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '0', MaxSize: '2' });
    built.template.resourceCountIs('AWS::ECS::CapacityProvider', 1);
    built.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['EC2'],
      ContainerDefinitions: [Match.objectLike({ ResourceRequirements: [{ Type: 'GPU', Value: '1' }] })],
    });
    expect(containerEnvironment(built.template)).toMatchObject({ NOTESCRIBE_EXECUTION_PROVIDERS: 'cuda,cpu' });
    expect(built.worker).toBeInstanceOf(GpuQueueWorker);
  });
});

describe('FargateQueueWorker', () => {
  let built: Built;
  beforeAll(() => {
    built = build((stack, props) => new FargateQueueWorker(stack, 'Worker', { ...props, cpu: 4096, memoryMiB: 8192 }));
  });

  it('synthesises alone with no cdk-nag finding', () => {
    expect(built.violations).toEqual([]);
  });

  it('runs CPU tasks on Fargate with public IPs and no instances', () => {
    expectQueueProcessing(built.template);
    built.template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 0);
    built.template.hasResourceProperties('AWS::ECS::TaskDefinition', { RequiresCompatibilities: ['FARGATE'], Cpu: '4096', Memory: '8192' });
    built.template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }) },
    });
    expect(containerEnvironment(built.template)).toMatchObject({ NOTESCRIBE_EXECUTION_PROVIDERS: 'cpu' });
  });

  it('refuses scaling steps that do not start at no jobs → no tasks', () => {
    expect(() =>
      build((stack, props) =>
        new FargateQueueWorker(stack, 'Worker', { ...props, scalingSteps: [{ lowerBacklog: 1, tasks: 1 }], cpu: 1024, memoryMiB: 2048 }),
      ),
    ).toThrow(/scalingSteps must start with/);
  });
});
