import { Aspects, type CfnElement, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

import { acknowledge } from './nag';
import { type GpuTaskShape } from './settings';
import { QueueWorkerBase, type QueueWorkerBaseProps } from './worker';

export interface GpuQueueWorkerProps extends QueueWorkerBaseProps {
  /** A single-GPU EC2 instance type (`g5.xlarge`); one task per instance. */
  readonly instanceType: string;
  /** CPU and memory the task reserves on that instance type (infra/lib/settings.ts `gpuTaskShape`). */
  readonly shape: GpuTaskShape;
  /**
   * Root volume of each instance, GiB: room for the CUDA image (several GB) and its unpacked layers.
   * @default 100
   */
  readonly rootVolumeGiB?: number;
}

/**
 * The worker on GPU instances: an Auto Scaling group from zero behind a capacity provider with managed scaling, an
 * EC2 service whose tasks each hold one GPU and run the `gpu` image with CUDA first. When the service scales to zero
 * the capacity provider drains and stops the instances.
 */
export class GpuQueueWorker extends QueueWorkerBase {
  public readonly service: ecs.Ec2Service;
  public readonly taskDefinition: ecs.Ec2TaskDefinition;
  public readonly container: ecs.ContainerDefinition;
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;

  constructor(scope: Construct, id: string, props: GpuQueueWorkerProps) {
    super(scope, id, props, { imageTarget: 'gpu', executionProviders: 'cuda,cpu' });
    const instanceRole = this.containerInstanceRole();
    const launchTemplate = new ec2.LaunchTemplate(this, 'GpuLaunchTemplate', {
      instanceType: new ec2.InstanceType(props.instanceType),
      machineImage: ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.GPU),
      userData: ec2.UserData.forLinux(),
      // Immutable view: CDK's capacity-provider wiring would add its own agent policy (with ecs:Submit* and
      // logs on *); containerInstanceRole() already holds the narrower one.
      role: iam.Role.fromRoleArn(this, 'InstanceRoleRef', instanceRole.roleArn, { mutable: false }),
      securityGroup: this.securityGroup,
      associatePublicIpAddress: true,
      requireImdsv2: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(props.rootVolumeGiB ?? 100, {
            encrypted: true,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
          }),
        },
      ],
    });
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'GpuInstances', {
      vpc: this.vpc as ec2.IVpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      launchTemplate,
      minCapacity: 0,
      maxCapacity: props.maxTasks,
    });
    const capacityProvider = new ecs.AsgCapacityProvider(this, 'GpuCapacity', {
      autoScalingGroup: this.autoScalingGroup,
      enableManagedScaling: true,
      targetCapacityPercent: 100,
      enableManagedTerminationProtection: true,
    });
    this.cluster.addAsgCapacityProvider(capacityProvider);

    this.taskDefinition = new ecs.Ec2TaskDefinition(this, 'GpuTask');
    this.container = this.taskDefinition.addContainer('Worker', {
      ...this.containerOptions,
      gpuCount: 1,
      cpu: props.shape.cpu,
      memoryReservationMiB: props.shape.memoryReservationMiB,
    });
    this.service = new ecs.Ec2Service(this, 'Service', {
      cluster: this.cluster as ecs.ICluster,
      taskDefinition: this.taskDefinition,
      // Created idle; scaling sets it. A deploy resets it to 0 and the next alarm evaluation restores it.
      desiredCount: 0,
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      capacityProviderStrategies: [{ capacityProvider: capacityProvider.capacityProviderName, weight: 1 }],
      circuitBreaker: { rollback: true },
    });
    this.dependOnCapacityProviderAssociation();
    this.configureQueueProcessing(this.service, this.taskDefinition);

    acknowledge(
      this.autoScalingGroup,
      'Scale events are routine (every burst of jobs); the queue alarms report real trouble.',
      'AwsSolutions-AS3',
    );
    acknowledge(
      instanceRole,
      'ecs:DiscoverPollEndpoint supports no resource-level permission; ecs:Poll is limited to this cluster\'s ' +
        'container instances.',
      'AwsSolutions-IAM5[Resource::*]',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:container-instance/<${Stack.of(this).getLogicalId(this.cluster.node.defaultChild as CfnElement)}>/*]`,
    );
  }

  /**
   * CloudFormation would otherwise create the service in parallel with the cluster's capacity-provider association
   * and fail: "capacity provider … is not associated with the cluster". The cluster creates that association in an
   * aspect during synthesis, so look for it then (the cluster comes before the service in the tree, so its aspect has
   * run when this one visits the service).
   */
  private dependOnCapacityProviderAssociation(): void {
    const service = this.service;
    const cluster = this.cluster;
    Aspects.of(service).add({
      visit(node) {
        if (node !== service) return;
        const association = cluster.node.children.find((c) => c instanceof ecs.CfnClusterCapacityProviderAssociations);
        if (association !== undefined) service.node.addDependency(association);
      },
    });
  }

  /**
   * The container instances' role: only what the ECS agent needs to join this cluster and run its tasks. Image pulls
   * and logs use the task execution role, so unlike CDK's default agent policy it grants no ECR or logs access.
   * Written out because no construct offers a grant for the agent's actions.
   */
  private containerInstanceRole(): iam.Role {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'notescribe GPU container instances (ECS agent)',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'ecs:RegisterContainerInstance',
          'ecs:DeregisterContainerInstance',
          'ecs:SubmitAttachmentStateChanges',
          'ecs:SubmitContainerStateChange',
          'ecs:SubmitTaskStateChange',
        ],
        resources: [this.cluster.clusterArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:Poll', 'ecs:StartTelemetrySession'],
        resources: [
          stack.formatArn({ service: 'ecs', resource: 'container-instance', resourceName: `${this.cluster.clusterName}/*` }),
        ],
        conditions: { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } },
      }),
    );
    // DiscoverPollEndpoint supports no resource-level permissions.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecs:DiscoverPollEndpoint'], resources: ['*'] }));
    return role;
  }
}
