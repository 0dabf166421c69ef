import { auditIam } from './iam-audit';

/** A tiny template: a bucket, a queue, and one policy holding `statements`. */
function template(statements: unknown[], roleExtras: Record<string, unknown> = {}) {
  return {
    Resources: {
      Data: { Type: 'AWS::S3::Bucket' },
      Jobs: { Type: 'AWS::SQS::Queue' },
      WorkerRole: { Type: 'AWS::IAM::Role', Properties: { ...roleExtras } },
      WorkerPolicy: { Type: 'AWS::IAM::Policy', Properties: { PolicyDocument: { Statement: statements } } },
    },
  };
}
const objects = (suffix: string): unknown => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Data', 'Arn'] }, suffix]] });

describe('auditIam', () => {
  it('accepts exact actions on this stack\'s queue and bucket prefixes', () => {
    const t = template([
      { Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'], Resource: { 'Fn::GetAtt': ['Jobs', 'Arn'] } },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: [objects('/features/*'), objects('/status/*')] },
      { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      { Effect: 'Deny', Action: '*', Resource: '*' },
    ]);
    expect(auditIam(t)).toEqual([]);
  });

  it('names each offending statement: wildcard actions, "*" resources, whole-bucket objects, foreign ARNs', () => {
    const t = template([
      { Effect: 'Allow', Action: 's3:*', Resource: objects('/results/*') },
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: '*' },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: objects('/*') },
      { Effect: 'Allow', Action: 'sns:Publish', Resource: 'arn:aws:sns:eu-west-1:123456789012:someone-elses-topic' },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['Elsewhere', 'Arn'] } },
    ]);
    expect(auditIam(t)).toEqual([
      'WorkerPolicy statement 0 (s3:*): wildcard action s3:*',
      'WorkerPolicy statement 1 (sqs:SendMessage): Resource "*" for actions that support resource-level permissions',
      "WorkerPolicy statement 2 (s3:GetObject): objects /* are not one of the pipeline's prefixes",
      'WorkerPolicy statement 3 (sns:Publish): resource "arn:aws:sns:eu-west-1:123456789012:someone-elses-topic" refers to nothing in this stack',
      'WorkerPolicy statement 4 (sqs:SendMessage): resource refers to Elsewhere, which is not in this stack',
    ]);
  });

  it('flags "*" as an action and AWS managed policies on roles', () => {
    const t = template([{ Effect: 'Allow', Action: '*', Resource: { 'Fn::GetAtt': ['Jobs', 'Arn'] } }], {
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AdministratorAccess']] }],
    });
    expect(auditIam(t)).toEqual([
      'WorkerRole: AWS managed policy arn::iam::aws:policy/AdministratorAccess',
      'WorkerPolicy statement 0 (*): wildcard action *',
    ]);
  });

  it('accepts an external resource only when the caller allows its pattern', () => {
    const repo = 'arn:aws:ecr:eu-west-1:123456789012:repository/cdk-hnb659fds-container-assets-123456789012-eu-west-1';
    const t = template([{ Effect: 'Allow', Action: 'ecr:BatchGetImage', Resource: repo }]);
    expect(auditIam(t)).toHaveLength(1);
    expect(auditIam(t, { allowedExternalResources: [/:repository\/cdk-[a-z0-9]+-container-assets-/] })).toEqual([]);
  });
});
