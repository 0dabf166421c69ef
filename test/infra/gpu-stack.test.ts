import { existsSync } from 'fs';
import { join } from 'path';

import { Match } from 'aws-cdk-lib/assertions';

import { auditIam } from './iam-audit';
import { dockerImages, stagedImageDirectory, expectCount, expectOutput, expectResource, synthesise, type Synthesis, use } from './synth';

/** The default deployment: GPU worker, default settings. */
let s: Synthesis;
beforeAll(() => {
  s = use(synthesise());
});
afterAll(() => s.dispose());

const BOOTSTRAP_REPOSITORY = /:repository\/cdk-[a-z0-9]+-container-assets-/;

function resourcesOfType(type: string): Array<[string, Record<string, unknown>]> {
  return Object.entries(s.json.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
}

/** The worker container's environment as an object. */
function workerEnvironment(): Record<string, unknown> {
  const [[, props] = ['', {}]] = resourcesOfType('AWS::ECS::TaskDefinition');
  const [container] = props.ContainerDefinitions as Array<{ Environment: Array<{ Name: string; Value: unknown }> }>;
  return Object.fromEntries((container?.Environment ?? []).map((e) => [e.Name, e.Value]));
}

function logicalId(type: string, props: Record<string, unknown>): string {
  const found = Object.keys(s.template.findResources(type, { Properties: props }));
  expect(found).toHaveLength(1);
  return found[0] as string;
}

describe('cdk-nag', () => {
  it('AwsSolutions reports no unacknowledged finding', () => {
    expect(s.violations).toEqual([]);
  });
});

describe('bucket', () => {
  it('is encrypted, private, versioned and logged to the access-log bucket', () => {
    const logBucket = logicalId('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ Id: 'expire-access-logs' })] },
    });
    expectResource('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: logBucket }, LogFilePrefix: 'data-bucket/' },
    });
  });

  it('expires features after 7 days and noncurrent versions after 30', () => {
    expectResource('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'expire-features', Prefix: 'features/', ExpirationInDays: 7, Status: 'Enabled' }),
          Match.objectLike({
            Id: 'expire-noncurrent-versions',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            ExpiredObjectDeleteMarker: true,
          }),
        ]),
      },
    });
  });

  it('both buckets refuse requests without TLS', () => {
    const policies = resourcesOfType('AWS::S3::BucketPolicy');
    expect(policies).toHaveLength(2);
    for (const [id, props] of policies) {
      const statements = (props.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
      const tls = statements.find(
        (st) =>
          st.Effect === 'Deny' &&
          JSON.stringify(st.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
      );
      expect({ id, tls: tls !== undefined }).toEqual({ id, tls: true });
    }
  });

  it('notifies the ingest queue of objects created under uploads/', () => {
    const ingestQueue = logicalId('AWS::SQS::Queue', { VisibilityTimeout: 1800 });
    const bucket = logicalId('AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
    expectResource('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: ingestQueue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Action: Match.arrayWith(['sqs:SendMessage']),
            Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucket, 'Arn'] } } },
          }),
        ]),
      },
    });
    expectResource('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
            QueueArn: { 'Fn::GetAtt': [ingestQueue, 'Arn'] },
          },
        ],
      },
    });
  });
});

describe('queues', () => {
  it('are six (ingest, jobs, notify and their DLQs), all SSE-encrypted and TLS-only', () => {
    expectCount('AWS::SQS::Queue', 6);
    for (const [, props] of resourcesOfType('AWS::SQS::Queue')) expect(props.SqsManagedSseEnabled).toBe(true);
    const policies = resourcesOfType('AWS::SQS::QueuePolicy');
    const tlsDenied = policies.flatMap(([, p]) =>
      (p.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement.filter(
        (st) => st.Effect === 'Deny' && JSON.stringify(st.Condition).includes('aws:SecureTransport'),
      ).flatMap((st) => (p.Queues as unknown[]).map(() => st)),
    );
    expect(tlsDenied.length).toBeGreaterThanOrEqual(6);
  });

  it('redrive to their DLQ after 3 receives; visibility 6 × each Lambda timeout (300 s, 45 s) and 120 s for jobs', () => {
    const dlqs = Object.keys(s.template.findResources('AWS::SQS::Queue', { Properties: { MessageRetentionPeriod: 1209600 } }));
    expect(dlqs).toHaveLength(3);
    for (const visibility of [1800, 120, 270]) {
      expectResource('AWS::SQS::Queue', {
        VisibilityTimeout: visibility,
        RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } },
      });
    }
    const targets = resourcesOfType('AWS::SQS::Queue')
      .map(([, p]) => (p.RedrivePolicy as { deadLetterTargetArn?: { 'Fn::GetAtt': [string] } } | undefined))
      .filter((r) => r !== undefined)
      .map((r) => r?.deadLetterTargetArn?.['Fn::GetAtt'][0]);
    expect(targets.sort()).toEqual([...dlqs].sort());
  });

  it('alarm on any dead letter and on an old message, to the alarm topic', () => {
    const alarmTopic = logicalId('AWS::SNS::Topic', { DisplayName: 'notescribe alarms' });
    const dlqAlarms = s.template.findResources('AWS::CloudWatch::Alarm', {
      Properties: {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: alarmTopic }],
      },
    });
    expect(Object.keys(dlqAlarms)).toHaveLength(3);
    const ageAlarms = s.template.findResources('AWS::CloudWatch::Alarm', {
      Properties: {
        MetricName: 'ApproximateAgeOfOldestMessage',
        Threshold: 1800,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: alarmTopic }],
      },
    });
    expect(Object.keys(ageAlarms)).toHaveLength(3);
  });
});

describe('ingest Lambda', () => {
  it('runs Node.js 22 with the documented memory and timeout, wired to bucket and queues, and no notification secrets', () => {
    const jobsQueue = logicalId('AWS::SQS::Queue', { VisibilityTimeout: 120 });
    const notifyQueue = logicalId('AWS::SQS::Queue', { VisibilityTimeout: 270 });
    expectResource('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      MemorySize: 1792,
      Timeout: 300,
      Environment: {
        Variables: Match.objectLike({
          NOTESCRIBE_BUCKET: { Ref: Match.stringLikeRegexp('^StorageData') },
          NOTESCRIBE_UPLOADS_PREFIX: 'uploads/',
          NOTESCRIBE_FEATURES_PREFIX: 'features/',
          NOTESCRIBE_RESULTS_PREFIX: 'results/',
          NOTESCRIBE_STATUS_PREFIX: 'status/',
          NOTESCRIBE_JOBS_QUEUE_URL: { Ref: jobsQueue },
          NOTESCRIBE_NOTIFY_QUEUE_URL: { Ref: notifyQueue },
          NOTESCRIBE_MAX_AUDIO_SECONDS: '1800',
          NOTESCRIBE_TOPIC_ARN: Match.absent(),
          NOTESCRIBE_WEBHOOK_SECRET_ID: Match.absent(),
        }),
      },
    });
  });

  it('has a notification sender that alone holds the topic, the webhook secret and the allow-lists', () => {
    const notifyQueue = logicalId('AWS::SQS::Queue', { VisibilityTimeout: 270 });
    expectResource('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      MemorySize: 256,
      Timeout: 45,
      Environment: {
        Variables: Match.objectLike({
          // its queue arrives through the event source; it sends to none
          NOTESCRIBE_NOTIFY_QUEUE_URL: Match.absent(),
          NOTESCRIBE_JOBS_QUEUE_URL: Match.absent(),
          NOTESCRIBE_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^NotificationsOutcomes') },
          NOTESCRIBE_WEBHOOK_SECRET_ID: { Ref: Match.stringLikeRegexp('^NotificationsWebhookSecret') },
          NOTESCRIBE_WEBHOOK_DEADLINE_MS: '15000',
          NOTESCRIBE_ALLOWED_WEBHOOK_HOSTS: '',
          NOTESCRIBE_ALLOWED_EMAIL_DOMAINS: '',
        }),
      },
    });
    expectResource('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [notifyQueue, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
  });

  it('has no reserved concurrency by default and consumes the ingest queue with partial batch failures', () => {
    const fn = resourcesOfType('AWS::Lambda::Function').find(([, p]) => p.Runtime === 'nodejs22.x' && p.MemorySize === 1792);
    expect(fn?.[1].ReservedConcurrentExecutions).toBeUndefined();
    const ingestQueue = logicalId('AWS::SQS::Queue', { VisibilityTimeout: 1800 });
    expectResource('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [ingestQueue, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });
});

describe('GPU worker', () => {
  it('runs on an Auto Scaling group from 0 to 2 g4dn.xlarge with the ECS GPU AMI, public IPs and no NAT', () => {
    expectResource('AWS::AutoScaling::AutoScalingGroup', { MinSize: '0', MaxSize: '2' });
    // No DesiredCapacity: a deploy must not reset what the capacity provider has scaled to.
    for (const [, asg] of resourcesOfType('AWS::AutoScaling::AutoScalingGroup')) expect(asg.DesiredCapacity).toBeUndefined();
    expectResource('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        InstanceType: 'g4dn.xlarge',
        ImageId: { Ref: Match.stringLikeRegexp('amazonlinux2023gpu') },
        NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: true })],
        MetadataOptions: Match.objectLike({ HttpTokens: 'required' }),
      }),
    });
    expectCount('AWS::EC2::NatGateway', 0);
    expectCount('AWS::EC2::SecurityGroupIngress', 0);
    for (const [, sg] of resourcesOfType('AWS::EC2::SecurityGroup')) expect(sg.SecurityGroupIngress).toBeUndefined();
  });

  it('registers a capacity provider with managed scaling and termination protection, before the service', () => {
    const association = logicalId('AWS::ECS::ClusterCapacityProviderAssociations', {});
    const service = Object.values(s.template.findResources('AWS::ECS::Service'))[0] as { DependsOn?: string[] };
    expect(service.DependsOn).toContain(association);
    expectResource('AWS::AutoScaling::AutoScalingGroup', { NewInstancesProtectedFromScaleIn: true });
    expectResource('AWS::ECS::CapacityProvider', {
      AutoScalingGroupProvider: {
        ManagedScaling: Match.objectLike({ Status: 'ENABLED', TargetCapacity: 100 }),
        ManagedTerminationProtection: 'ENABLED',
      },
    });
  });

  it('asks for one GPU and wires the worker environment', () => {
    const jobsQueue = logicalId('AWS::SQS::Queue', { VisibilityTimeout: 120 });
    expectResource('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['EC2'],
      ContainerDefinitions: [
        Match.objectLike({
          ResourceRequirements: [{ Type: 'GPU', Value: '1' }],
          Cpu: 3584,
          MemoryReservation: 13107,
          StopTimeout: 120,
          HealthCheck: Match.objectLike({ Command: ['CMD-SHELL', Match.stringLikeRegexp('notescribe-heartbeat')] }),
        }),
      ],
    });
    expect(workerEnvironment()).toEqual(
      expect.objectContaining({
        AWS_REGION: { Ref: 'AWS::Region' },
        NOTESCRIBE_BUCKET: { Ref: expect.stringMatching(/^StorageData/) },
        NOTESCRIBE_UPLOADS_PREFIX: 'uploads/',
        NOTESCRIBE_FEATURES_PREFIX: 'features/',
        NOTESCRIBE_RESULTS_PREFIX: 'results/',
        NOTESCRIBE_STATUS_PREFIX: 'status/',
        NOTESCRIBE_JOBS_QUEUE_URL: { Ref: jobsQueue },
        NOTESCRIBE_EXECUTION_PROVIDERS: 'cuda,cpu',
        NOTESCRIBE_MAX_RECEIVES: '3',
        NOTESCRIBE_BATCH_WINDOWS: '512',
        NOTESCRIBE_BATCH_WAIT_MS: '250',
        NOTESCRIBE_VISIBILITY_SECONDS: '120',
        NOTESCRIBE_NOTIFY_QUEUE_URL: { Ref: logicalId('AWS::SQS::Queue', { VisibilityTimeout: 270 }) },
      }),
    );
    // the worker never notifies anyone itself: the sender does, off its path
    for (const name of ['NOTESCRIBE_EMAIL_FROM', 'NOTESCRIBE_TOPIC_ARN', 'NOTESCRIBE_WEBHOOK_SECRET_ID']) {
      expect(workerEnvironment()).not.toHaveProperty(name);
    }
  });

  it('uses the image staged from gpu-task/Dockerfile, target gpu, without building it or copying node_modules', () => {
    expect(dockerImages(s)).toEqual([
      { dockerFile: 'gpu-task/Dockerfile', dockerBuildTarget: 'gpu', platform: 'linux/amd64' },
    ]);
    const staged = stagedImageDirectory(s);
    expect(existsSync(join(staged, 'gpu-task', 'Dockerfile'))).toBe(true);
    expect(existsSync(join(staged, 'package-lock.json'))).toBe(true);
    expect(existsSync(join(staged, '.npmrc'))).toBe(true);
    expect(existsSync(join(staged, 'node_modules'))).toBe(false);
    expect(existsSync(join(staged, 'training'))).toBe(false);
    expect(existsSync(join(staged, 'infra'))).toBe(false);
  });
});

describe('worker scaling', () => {
  it('starts at 0 tasks and may scale from 0 to 2', () => {
    expectResource('AWS::ECS::Service', { DesiredCount: 0 });
    expectResource('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 0,
      MaxCapacity: 2,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
  });

  it('scales out to exact capacity on the backlog within a minute: ≥1 job → 1 task, ≥5 → 2', () => {
    const policy = logicalId('AWS::ApplicationAutoScaling::ScalingPolicy', {
      StepScalingPolicyConfiguration: Match.objectLike({
        AdjustmentType: 'ExactCapacity',
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 4, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 4, ScalingAdjustment: 2 },
        ],
      }),
    });
    expectResource('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      AlarmActions: [{ Ref: policy }],
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'visible + inFlight' }),
        Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ApproximateNumberOfMessagesVisible' }) }) }),
        Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ApproximateNumberOfMessagesNotVisible' }) }) }),
      ]),
    });
  });

  it('scales to zero after 15 idle minutes', () => {
    const policy = logicalId('AWS::ApplicationAutoScaling::ScalingPolicy', {
      StepScalingPolicyConfiguration: Match.objectLike({
        AdjustmentType: 'ExactCapacity',
        StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: 0 }],
      }),
    });
    expectResource('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 15,
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: policy }],
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'visible + inFlight' })]),
    });
  });
});

describe('notifications', () => {
  it('encrypts both topics with the rotated key, TLS-only, and generates the webhook secret', () => {
    const key = logicalId('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const [, topic] of resourcesOfType('AWS::SNS::Topic')) {
      expect(topic.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [key, 'Arn'] });
    }
    expectCount('AWS::SNS::Topic', 2);
    for (const [, policy] of resourcesOfType('AWS::SNS::TopicPolicy')) {
      expect(JSON.stringify(policy.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
    expectCount('AWS::SNS::TopicPolicy', 2);
    expectResource('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: Match.arrayWith(['kms:Decrypt']),
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
    expectResource('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
    expectCount('AWS::SNS::Subscription', 0);
    expectCount('AWS::SES::EmailIdentity', 0);
  });

  it('outputs the bucket, prefix, topic and an upload command', () => {
    expectOutput('BucketName', { Value: { Ref: Match.stringLikeRegexp('^StorageData') } });
    expectOutput('UploadPrefix', { Value: 'uploads/' });
    expectOutput('TopicArn', { Value: { Ref: Match.stringLikeRegexp('^NotificationsOutcomes') } });
    const command = JSON.stringify(s.json.Outputs?.UploadCommand?.Value);
    expect(command).toMatch(/aws s3 cp song\.mp3 s3:\/\/".*"\/uploads\/ --metadata webhook-url=/);
  });
});

describe('IAM', () => {
  it('grants no wildcard action and scopes every resource to this stack', () => {
    expect(auditIam(s.json, { allowedExternalResources: [BOOTSTRAP_REPOSITORY] })).toEqual([]);
  });

  it('gives the worker task role exactly the queue and object access docs/pipeline.md lists', () => {
    const role = Object.entries(s.json.Resources).find(
      ([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('WorkerGpuTaskTaskRoleDefaultPolicy'),
    );
    const statements = (role?.[1].Properties?.PolicyDocument as { Statement: Array<{ Action: unknown }> }).Statement;
    expect(statements.map((st) => st.Action)).toEqual([
      's3:GetObject',
      's3:PutObject',
      's3:ListBucket',
      // queue.grantConsumeMessages and grantSendMessages
      ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
      ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
    ]);
  });
});
