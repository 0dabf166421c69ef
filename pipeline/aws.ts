import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';

/** Where the clients talk to: AWS (no endpoint), LocalStack or moto (an endpoint such as http://localhost:4566). */
export interface AwsTarget {
  readonly region?: string;
  readonly endpoint?: string;
}

/** Every AWS client the pipeline uses. */
export interface AwsClients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly ses: SESv2Client;
  readonly secrets: SecretsManagerClient;
  readonly ssm: SSMClient;
  readonly target: AwsTarget;
}

/**
 * The one factory for AWS SDK v3 clients. AWS, LocalStack and moto differ only by `endpoint`; with an endpoint, S3
 * uses path-style addressing (emulators on localhost serve no virtual-host buckets) and, when no credentials are
 * configured, dummy ones (emulators accept any).
 */
export function createAwsClients(target: AwsTarget = {}): AwsClients {
  const base: { region?: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } } =
    {};
  const region = target.region ?? 'us-east-1';
  base.region = region;
  if (target.endpoint) {
    base.endpoint = target.endpoint;
    if (!process.env['AWS_ACCESS_KEY_ID'] && !process.env['AWS_PROFILE']) {
      base.credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
    }
  }
  return {
    s3: new S3Client({ ...base, forcePathStyle: Boolean(target.endpoint) }),
    sqs: new SQSClient(base),
    sns: new SNSClient(base),
    ses: new SESv2Client(base),
    secrets: new SecretsManagerClient(base),
    ssm: new SSMClient(base),
    target: { region, ...(target.endpoint ? { endpoint: target.endpoint } : {}) },
  };
}

/** Closes the clients' sockets (tests, scripts). */
export function destroyAwsClients(clients: AwsClients): void {
  for (const client of [clients.s3, clients.sqs, clients.sns, clients.ses, clients.secrets, clients.ssm]) {
    client.destroy();
  }
}
