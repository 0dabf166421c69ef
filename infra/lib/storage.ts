import { DEFAULT_KEY_LAYOUT } from '../../contract/keys';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

import { acknowledge } from './nag';

/** The key prefixes of the data bucket; each ends with '/'. Names match docs/pipeline.md's defaults. */
/** The bucket's prefixes: the pipeline's default key layout (contract/keys.ts), the one place they are written. */
export const PREFIXES = {
  uploads: DEFAULT_KEY_LAYOUT.uploadsPrefix,
  features: DEFAULT_KEY_LAYOUT.featuresPrefix,
  results: DEFAULT_KEY_LAYOUT.resultsPrefix,
  status: DEFAULT_KEY_LAYOUT.statusPrefix,
} as const;

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
