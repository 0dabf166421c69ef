import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

import { acknowledge } from './nag';

export interface NotificationsProps {
  /** Addresses subscribed to job outcomes (each confirms by email). */
  readonly notifyEmails: readonly string[];
  /** Addresses subscribed to alarms. */
  readonly alarmEmails: readonly string[];
  /** SES sender address; undefined: the pipeline sends no email of its own. */
  readonly sesSender: string | undefined;
  /** Create an SES email identity for `sesSender` (starts its verification). */
  readonly sesCreateIdentity: boolean;
}

/**
 * Where outcomes and alarms go: a KMS key (rotated) encrypting both topics, the outcome topic, the alarm topic, the
 * webhook signing secret (generated) and, optionally, an SES sender identity.
 */
export class Notifications extends Construct {
  public readonly key: kms.Key;
  public readonly topic: sns.Topic;
  public readonly alarmTopic: sns.Topic;
  public readonly webhookSecret: secretsmanager.Secret;
  /** SES identity ARNs `ses:SendEmail` is granted on; empty without a sender. */
  public readonly sesIdentityArns: readonly string[];
  public readonly sesSender: string | undefined;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    // A customer managed key, because CloudWatch alarms can publish to an encrypted topic only when the key policy
    // lets cloudwatch.amazonaws.com use the key; the AWS managed aws/sns key cannot be changed to allow that.
    this.key = new kms.Key(this, 'TopicKey', {
      description: 'notescribe: encrypts the outcome and alarm SNS topics',
      enableKeyRotation: true,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );

    this.topic = new sns.Topic(this, 'Outcomes', {
      displayName: 'notescribe transcription outcomes',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.notifyEmails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));

    this.alarmTopic = new sns.Topic(this, 'Alarms', {
      displayName: 'notescribe alarms',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.alarmEmails) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(email));

    this.webhookSecret = new secretsmanager.Secret(this, 'WebhookSecret', {
      description: 'notescribe: HMAC key signing webhook deliveries (X-Notescribe-Signature)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledge(
      this.webhookSecret,
      'Webhook receivers verify signatures with this key; automatic rotation would break them without notice. ' +
        'Rotate by hand (docs/deploy.md) and tell receivers.',
      'AwsSolutions-SMG4',
    );

    this.sesSender = props.sesSender;
    if (props.sesSender === undefined) {
      this.sesIdentityArns = [];
    } else {
      if (props.sesCreateIdentity) {
        new ses.EmailIdentity(this, 'Sender', { identity: ses.Identity.email(props.sesSender) });
      }
      // The sender may be verified as an address or through its domain; SES checks whichever identity it used.
      const domain = props.sesSender.split('@')[1] ?? props.sesSender;
      const stack = Stack.of(this);
      this.sesIdentityArns = [props.sesSender, domain].map((identity) =>
        stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
      );
    }
  }

  /** Lets `grantee` publish outcomes (sns:Publish plus the key use SNS needs for an encrypted topic). */
  grantPublishOutcome(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.key.keyArn] }),
    );
  }

  /** Lets `grantee` read the webhook secret and, when a sender is set, send email as it. */
  grantNotify(grantee: iam.IGrantable): void {
    this.grantPublishOutcome(grantee);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.webhookSecret.secretArn] }),
    );
    if (this.sesIdentityArns.length > 0) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['ses:SendEmail'], resources: [...this.sesIdentityArns] }),
      );
    }
  }
}
