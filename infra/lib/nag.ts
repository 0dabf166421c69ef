import { Stack, Validations } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';

import { NotescribeError } from '../../core/errors';

/**
 * Acknowledges cdk-nag findings on `scope` and its children, all for one reason. Each id is a rule
 * (`AwsSolutions-S1`) or one finding of a rule (`AwsSolutions-IAM5[Resource::…]`): cdk-nag v3 has no prefix match,
 * so every wildcard is named where it is allowed.
 */
export function acknowledge(scope: IConstruct, reason: string, ...ids: string[]): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The cdk-nag finding id of a wildcard resource `<arn><suffix>`, e.g. the objects under a bucket prefix:
 * `AwsSolutions-IAM5[Resource::<DataBucketLogicalId.Arn>/uploads/*]`.
 * @param arn an `Fn::GetAtt … Arn` token of a resource in this stack (bucket.bucketArn).
 */
export function wildcardResourceFinding(scope: IConstruct, arn: string, suffix: string): string {
  const resolved = Stack.of(scope).resolve(arn) as { 'Fn::GetAtt'?: [string, string] };
  const getAtt = resolved['Fn::GetAtt'];
  if (getAtt === undefined) {
    throw new NotescribeError('INTERNAL', `wildcardResourceFinding: ${JSON.stringify(resolved)} is not an Fn::GetAtt`);
  }
  return `AwsSolutions-IAM5[Resource::<${getAtt[0]}.${getAtt[1]}>${suffix}]`;
}
