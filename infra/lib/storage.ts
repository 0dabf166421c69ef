import { DEFAULT_KEY_LAYOUT } from '../../contract/keys';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';

import { acknowledge, wildcardResourceFinding } from './nag';

/** The bucket's prefixes: the pipeline's default key layout (contract/keys.ts), the one place they are written. */
export const PREFIXES = {
  uploads: DEFAULT_KEY_LAYOUT.uploadsPrefix,
  features: DEFAULT_KEY_LAYOUT.featuresPrefix,
  results: DEFAULT_KEY_LAYOUT.resultsPrefix,
  status: DEFAULT_KEY_LAYOUT.statusPrefix,
} as const;

/** A bucket prefix (a value of `PREFIXES`). */
export type Prefix = (typeof PREFIXES)[keyof typeof PREFIXES];

/** What a role may do with the objects under the bucket's prefixes. */
export interface PrefixAccess {
  /** Prefixes whose objects it reads (s3:GetObject). */
  readonly read: readonly Prefix[];
  /**
   * Prefixes whose objects it writes (s3:PutObject).
   * @default none
   */
  readonly write?: readonly Prefix[];
  /** Why it needs them: the reason the cdk-nag wildcard findings (`<bucket>/<prefix>*`) are acknowledged with. */
  readonly reason: string;
}

/**
 * Grants a role object access under some of the bucket's prefixes, and s3:ListBucket so that a missing key reads as
 * 404 rather than 403. Not `bucket.grantRead` / `grantPut`: those grant action wildcards (s3:GetObject*, s3:List*,
 * s3:Abort*) that the IAM audit and cdk-nag refuse, for more than docs/pipeline.md lists.
 * @param nagScope the construct whose policy holds the statements (cdk-nag reports the findings there).
 */
export function grantPrefixAccess(
  bucket: s3.IBucket,
  grantee: iam.IGrantable,
  access: PrefixAccess,
  nagScope: IConstruct,
): void {
  const objects = (prefixes: readonly Prefix[]): string[] => prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`));
  const write = access.write ?? [];
  iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: objects(access.read) });
  if (write.length > 0) iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: objects(write) });
  iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [bucket.bucketArn] });
  const prefixes = [...new Set([...access.read, ...write])];
  acknowledge(
    nagScope,
    access.reason,
    ...prefixes.map((prefix) => wildcardResourceFinding(nagScope, bucket.bucketArn, `/${prefix}*`)),
  );
}

export interface StorageProps {
  /** Days before intermediate feature files expire. */
  readonly featureRetentionDays: number;
  /** Days a noncurrent (replaced or deleted) object version is kept. */
  readonly noncurrentVersionDays: number;
  /**
   * What happens to the buckets when the stack is deleted.
   * @default RemovalPolicy.RETAIN (users' audio and results outlive the stack)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The data bucket (uploads, features, results, status, one bucket with prefixes) and its access-log bucket.
 *
 * Versioning is on for the whole bucket because S3 versions buckets, not prefixes: a re-run of the same upload
 * overwrites `results/…` and `status/…`, and a user's accidental delete or overwrite of an upload is recoverable;
 * noncurrent versions expire after `noncurrentVersionDays` so the history costs little.
 */
export class Storage extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly logBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    // S3 server access logs can only be delivered to an SSE-S3 bucket, and a log bucket logging to itself loops.
    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
      removalPolicy,
    });
    acknowledge(this.logBucket, 'This is the access-log bucket; logging it to itself would loop.', 'AwsSolutions-S1');

    // SSE-S3 rather than KMS: no per-request KMS cost, and presigned result links work without key grants.
    this.bucket = new s3.Bucket(this, 'Data', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.logBucket as s3.IBucket, // exactOptionalPropertyTypes vs CDK's classes
      serverAccessLogsPrefix: 'data-bucket/',
      lifecycleRules: [
        { id: 'expire-features', prefix: PREFIXES.features, expiration: Duration.days(props.featureRetentionDays) },
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays),
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      removalPolicy,
    });
  }
}
