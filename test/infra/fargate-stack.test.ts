import { Match } from 'aws-cdk-lib/assertions';

import { auditIam } from './iam-audit';
import { dockerImages, expectCount, expectResource, synthesise, type Synthesis, use } from './synth';

/** The cheap CPU deployment, with every notification setting given as `cdk deploy -c` strings. */
let s: Synthesis;
beforeAll(() => {
  s = use(synthesise({
    workerMode: 'fargate',
    maxWorkerTasks: '3',
    jobsPerWorker: '2',
    notifyEmails: 'a@example.com, b@example.com',
    alarmEmails: 'ops@example.com',
    sesSender: 'notescribe@example.org',
    defaultWebhookUrl: 'https://hooks.example.com/notescribe',
    ingestReservedConcurrency: '4',
    ingestMemoryMb: '4096',
    maxAudioMinutes: '10',
  }));
});
afterAll(() => s.dispose());

function resourcesOfType(type: string): Array<Record<string, unknown>> {
  return Object.values(s.json.Resources)
    .filter((r) => r.Type === type)
    .map((r) => r.Properties ?? {});
}

describe('fargate mode', () => {
  it('synthesises with no cdk-nag finding', () => {
    expect(s.violations).toEqual([]);
  });

  it('runs the cpu image target on Fargate with a public IP, no GPU, no instances', () => {
    expectCount('AWS::AutoScaling::AutoScalingGroup', 0);
    expectCount('AWS::ECS::CapacityProvider', 0);
    expectCount('AWS::EC2::NatGateway', 0);
    expectResource('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      Cpu: '4096',
      Memory: '8192',
      ContainerDefinitions: [Match.objectLike({ ResourceRequirements: Match.absent() })],
    });
    expectResource('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 0,
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }) },
    });
    expect(dockerImages(s)).toEqual([
      { dockerFile: 'gpu-task/Dockerfile', dockerBuildTarget: 'cpu', platform: 'linux/amd64' },
    ]);
    const [task] = resourcesOfType('AWS::ECS::TaskDefinition');
    const [container] = task?.ContainerDefinitions as Array<{ Environment: Array<{ Name: string; Value: unknown }> }>;
    const env = Object.fromEntries((container?.Environment ?? []).map((e) => [e.Name, e.Value]));
    expect(env).toEqual(expect.objectContaining({ NOTESCRIBE_EXECUTION_PROVIDERS: 'cpu' }));
    expect(env).not.toHaveProperty('NOTESCRIBE_EMAIL_FROM');
  });

  it('scales 0 → 3 tasks: ≥1 job → 1, ≥3 → 2, ≥5 → 3', () => {
    expectResource('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 0, MaxCapacity: 3 });
    expectResource('AWS::ApplicationAutoScaling::ScalingPolicy', {
      StepScalingPolicyConfiguration: Match.objectLike({
        AdjustmentType: 'ExactCapacity',
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 2, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 2, MetricIntervalUpperBound: 4, ScalingAdjustment: 2 },
          { MetricIntervalLowerBound: 4, ScalingAdjustment: 3 },
        ],
      }),
    });
  });

  it('applies the Lambda settings: limits to ingest, notification targets to the sender', () => {
    expectResource('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      MemorySize: 4096,
      ReservedConcurrentExecutions: 4,
      Environment: { Variables: Match.objectLike({ NOTESCRIBE_MAX_AUDIO_SECONDS: '600' }) },
    });
    expectResource('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      MemorySize: 256,
      Environment: {
        Variables: Match.objectLike({
          NOTESCRIBE_EMAIL_FROM: 'notescribe@example.org',
          NOTESCRIBE_DEFAULT_WEBHOOK_URL: 'https://hooks.example.com/notescribe',
        }),
      },
    });
  });

  it('subscribes the emails, creates the SES identity and lets only the sender send as it', () => {
    const subscriptions = resourcesOfType('AWS::SNS::Subscription').map((p) => p.Endpoint).sort();
    expect(subscriptions).toEqual(['a@example.com', 'b@example.com', 'ops@example.com']);
    expectResource('AWS::SES::EmailIdentity', { EmailIdentity: 'notescribe@example.org' });
    const sesStatements = resourcesOfType('AWS::IAM::Policy').flatMap((p) =>
      (p.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> }).Statement.filter(
        (st) => st.Action === 'ses:SendEmail',
      ),
    );
    expect(sesStatements).toHaveLength(1);
    for (const st of sesStatements) {
      expect(JSON.stringify(st.Resource)).toContain(':identity/notescribe@example.org');
      expect(JSON.stringify(st.Resource)).toContain(':identity/example.org');
    }
  });

  it('passes the IAM audit (SES identities of the configured sender allowed)', () => {
    const allowed = [/:repository\/cdk-[a-z0-9]+-container-assets-/, /:identity\/(notescribe@)?example\.org$/];
    expect(auditIam(s.json, { allowedExternalResources: allowed })).toEqual([]);
  });
});
