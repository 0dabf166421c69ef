import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';

import { QueueWorkerBase, type QueueWorkerBaseProps } from './worker';

export interface FargateQueueWorkerProps extends QueueWorkerBaseProps {
  /** CPU units of each task (1024 per vCPU; one of Fargate's sizes). */
  readonly cpu: number;
  /** Memory of each task, MiB (one Fargate allows with `cpu`). */
  readonly memoryMiB: number;
}

/**
 * The worker on Fargate, CPU only: no instances to manage, the `cpu` image with ONNX Runtime's CPU provider. Cheaper
 * to keep and slower per job than `GpuQueueWorker`; tasks get public IPs in the public subnets (no NAT gateway).
 */
export class FargateQueueWorker extends QueueWorkerBase {
  public readonly service: ecs.FargateService;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly container: ecs.ContainerDefinition;

  constructor(scope: Construct, id: string, props: FargateQueueWorkerProps) {
    super(scope, id, props, { imageTarget: 'cpu', executionProviders: 'cpu' });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'CpuTask', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.container = this.taskDefinition.addContainer('Worker', this.containerOptions);
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster as ecs.ICluster,
      taskDefinition: this.taskDefinition,
      // Created idle; scaling sets it.
      desiredCount: 0,
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      assignPublicIp: true,
      securityGroups: [this.securityGroup],
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      circuitBreaker: { rollback: true },
    });
    this.configureQueueProcessing(this.service, this.taskDefinition);
  }
}
