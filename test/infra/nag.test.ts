import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';

import { acknowledge } from '../../infra/lib/nag';

/** A stack with one queue that breaks AwsSolutions-SQS3 (no DLQ) and SQS4 (TLS not enforced). */
const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function appWithBareQueue(): { app: App; queue: sqs.Queue } {
  const outdir = mkdtempSync(join(tmpdir(), 'notescribe-nag-'));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bare');
  const queue = new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.SQS_MANAGED });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, queue };
}

describe('cdk-nag in synthesis', () => {
  it('fails synthesis on an unacknowledged finding, naming the rule', () => {
    const { app } = appWithBareQueue();
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3[\s\S]*AwsSolutions-SQS4/);
  });

  it('passes once every finding is acknowledged through infra/lib/nag', () => {
    const { app, queue } = appWithBareQueue();
    acknowledge(queue, 'test: this queue is its own dead-letter target', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4');
    expect(() => app.synth()).not.toThrow();
  });
});
