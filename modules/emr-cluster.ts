/**
 * EmrCluster: the environment's long-running EMR cluster on instance fleets.
 *
 * - Master and core fleets (on-demand by default, gp3 EBS) inside the cluster resource; task
 *   capacity in a separate aws_emr_instance_fleet on spot with a capacity-aware allocation
 *   strategy and a switch to on-demand when spot does not arrive in time.
 * - Managed scaling in InstanceFleetUnits, an auto-termination policy, unhealthy-node
 *   replacement and (configurable, on by default) termination protection.
 * - Logs to the log bucket, encrypted with the environment key; the security configuration,
 *   security groups and TLS certificate come from EmrSecurity (a child construct).
 * - Application configurations from the typed builder in emr-configurations.ts.
 *
 * Nearly every argument of aws_emr_cluster is ForceNew: release, applications, configurations,
 * roles, security configuration, EC2 attributes, log settings, fleet types and launch
 * specifications all replace the cluster (and lose HDFS). Only termination protection,
 * step concurrency, auto-termination, unhealthy-node replacement and tags change in place.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EmrCluster as EmrClusterResource, type EmrClusterCoreInstanceFleet } from "@cdktf/provider-aws/lib/emr-cluster";
import { EmrInstanceFleet } from "@cdktf/provider-aws/lib/emr-instance-fleet";
import { EmrManagedScalingPolicy } from "@cdktf/provider-aws/lib/emr-managed-scaling-policy";
import { Construct } from "constructs";
import { clusterConfigurations, type EmrConfiguration } from "./emr-configurations";
import type { EmrIam } from "./emr-iam";
import { EmrSecurity, type EmrSecurityProps } from "./emr-security";
import type { EncryptionKey } from "./encryption-key";
import type { LogBucket } from "./log-bucket";
import { EMR_MANAGED_TAG, type Network } from "./network";

export interface InstanceTypeSpec {
  /** EC2 instance type, e.g. `m5.xlarge`. Required. */
  readonly instanceType: string;
  /** InstanceFleetUnits one instance counts for. Default: 1. */
  readonly weightedCapacity?: number;
}

export interface FleetSpec {
  /** At least one type; several types let EMR pick whatever has capacity. */
  readonly instanceTypes: readonly InstanceTypeSpec[];
  /** gp3 data volume per instance, in GiB. Default: 64. */
  readonly ebsVolumeSizeGiB?: number;
  /** On-demand InstanceFleetUnits at launch. Default: 0 (task) or 1 (master, core). */
  readonly targetOnDemandCapacity?: number;
  /** Spot InstanceFleetUnits at launch. Default: 0. */
  readonly targetSpotCapacity?: number;
}

export interface TaskFleetSpec extends FleetSpec {
  /** Default: price-capacity-optimized. */
  readonly spotAllocationStrategy?: "price-capacity-optimized" | "capacity-optimized";
  /** Minutes to wait for spot before switching to on-demand. Default: 10. */
  readonly spotTimeoutMinutes?: number;
}

export interface ManagedScalingSpec {
  /** Fewest core + task InstanceFleetUnits. Required. */
  readonly minimumCapacityUnits: number;
  /** Most core + task InstanceFleetUnits. Required. */
  readonly maximumCapacityUnits: number;
  /** Default: maximumCapacityUnits. */
  readonly maximumCoreCapacityUnits?: number;
  /** Default: maximumCapacityUnits (no spot preference). */
  readonly maximumOnDemandCapacityUnits?: number;
}

export interface EmrClusterProps {
  /** Cluster name (envs/naming.ts). Required; ForceNew. */
  readonly clusterName: string;
  /** The security configuration and groups, less what this construct wires itself. Required. */
  readonly security: Omit<EmrSecurityProps, "network" | "key">;
  /** EMR release label, e.g. `emr-7.13.0`. ForceNew. */
  readonly releaseLabel: string;
  /** EMR application names. Default: Hadoop, Spark. ForceNew. */
  readonly applications?: readonly string[];
  /** Service role, instance profile and their policies. Required. */
  readonly iam: EmrIam;
  /** Private subnets (all of them: fleets pick the AZ with capacity), VPC CIDR, S3 prefix list. Required. */
  readonly network: Network;
  /** The environment key: EMRFS, disks, logs. Required. */
  readonly key: EncryptionKey;
  /** Cluster logs go to s3://<log bucket>/<the prefix EmrIam grants>/. Required. */
  readonly logs: LogBucket;
  /** Master (one node), core and task fleets. Required; types and launch specs are ForceNew. */
  readonly fleets: { readonly master: FleetSpec; readonly core: FleetSpec; readonly task: TaskFleetSpec };
  /** Managed-scaling limits in InstanceFleetUnits. Required. */
  readonly managedScaling: ManagedScalingSpec;
  /** Auto-termination after this many idle seconds (60-604800). Default: 1800 (30 minutes). */
  readonly idleTimeoutSeconds?: number;
  /** Default: true. Must be switched off (and applied) before the cluster can be destroyed. */
  readonly terminationProtection?: boolean;
  /** Default: 1. */
  readonly stepConcurrencyLevel?: number;
  /** Spark/YARN settings for the configuration builder (profile plus overrides). Required. */
  readonly software: {
    readonly sparkDefaults: Readonly<Record<string, string>>;
    readonly yarnSite: Readonly<Record<string, string>>;
    readonly pysparkPython: string;
  };
  /** CloudWatch log group for job logs (KMS-encrypted); must fall under the key's log prefix. Required. */
  readonly jobLogGroup: { readonly name: string; readonly retentionDays: number };
}

const ON_DEMAND_ALLOCATION = "lowest-price";

export class EmrCluster extends Construct {
  readonly cluster: EmrClusterResource;
  readonly clusterId: string;
  readonly clusterName: string;
  readonly security: EmrSecurity;
  readonly taskFleet: EmrInstanceFleet;
  readonly scalingPolicy: EmrManagedScalingPolicy;
  readonly jobLogGroup: CloudwatchLogGroup;
  readonly configurations: EmrConfiguration[];
  /** Fewest core nodes that can make up the core fleet's target capacity (for alarms). */
  readonly minimumCoreNodes: number;

  constructor(scope: Construct, id: string, props: EmrClusterProps) {
    super(scope, id);
    const applications = [...(props.applications ?? ["Hadoop", "Spark"])];
    const { master, core, task } = props.fleets;
    for (const [fleet, spec] of Object.entries(props.fleets)) {
      if (spec.instanceTypes.length === 0) throw new Error(`EmrCluster: the ${fleet} fleet needs at least one instance type`);
    }

    this.security = new EmrSecurity(this, "security", { ...props.security, network: props.network, key: props.key });

    this.jobLogGroup = new CloudwatchLogGroup(this, "job-logs", {
      name: props.jobLogGroup.name,
      retentionInDays: props.jobLogGroup.retentionDays,
      kmsKeyId: props.key.keyArn,
    });

    this.configurations = clusterConfigurations({
      applications,
      sparkDefaults: props.software.sparkDefaults,
      yarnSite: props.software.yarnSite,
      pysparkPython: props.software.pysparkPython,
    });

    const coreUnits = (core.targetOnDemandCapacity ?? 1) + (core.targetSpotCapacity ?? 0);
    const heaviest = Math.max(...core.instanceTypes.map((t) => t.weightedCapacity ?? 1));
    this.minimumCoreNodes = Math.max(1, Math.ceil(coreUnits / heaviest));

    this.cluster = new EmrClusterResource(this, "cluster", {
      name: props.clusterName,
      releaseLabel: props.releaseLabel,
      applications,
      serviceRole: props.iam.serviceRoleArn,
      securityConfiguration: this.security.securityConfigurationName,
      ec2Attributes: {
        instanceProfile: props.iam.instanceProfileArn,
        // Every private subnet: with fleets, EMR launches in the AZ that has the capacity.
        subnetIds: props.network.subnetIds,
        emrManagedMasterSecurityGroup: this.security.masterSecurityGroup.id,
        emrManagedSlaveSecurityGroup: this.security.coreSecurityGroup.id,
        serviceAccessSecurityGroup: this.security.serviceAccessSecurityGroup.id,
        // No key_name: nobody logs in with SSH; Session Manager is the way in.
      },
      masterInstanceFleet: fleetConfig("master", master),
      coreInstanceFleet: fleetConfig("core", core),
      logUri: props.logs.logUri(props.iam.logPrefix),
      // EMR encrypts the log files it pushes to S3 with this key (SSE-KMS on top of the bucket's).
      logEncryptionKmsKeyId: props.key.keyArn,
      configurationsJson: JSON.stringify(this.configurations),
      autoTerminationPolicy: { idleTimeout: props.idleTimeoutSeconds ?? 1800 },
      terminationProtection: props.terminationProtection ?? true,
      unhealthyNodeReplacement: true,
      stepConcurrencyLevel: props.stepConcurrencyLevel ?? 1,
      keepJobFlowAliveWhenNoSteps: true,
      // Scale-in waits for running tasks, so spot-heavy scale-down does not kill containers.
      scaleDownBehavior: "TERMINATE_AT_TASK_COMPLETION",
      tags: { Name: props.clusterName, ...EMR_MANAGED_TAG },
      // EMR checks the roles and groups at launch: wait for the policies and rules, not just
      // the bare roles and groups the arguments reference.
      dependsOn: [...props.iam.policies, ...this.security.rules],
      lifecycle: {
        ignoreChanges: [
          // Managed scaling resizes the core fleet, and core fleet capacities are ForceNew on
          // aws_emr_cluster: without this, the first plan after a scale-out would replace the
          // whole cluster to put the launch-time numbers back.
          "core_instance_fleet[0].target_on_demand_capacity",
          "core_instance_fleet[0].target_spot_capacity",
          // Steps are submitted with `aws emr add-steps` (docs/operations.md); the
          // attribute is ForceNew, so listing them in state must never plan a replacement.
          "step",
        ],
      },
    });
    this.clusterId = this.cluster.id;
    this.clusterName = this.cluster.name;

    this.taskFleet = new EmrInstanceFleet(this, "task-fleet", {
      clusterId: this.cluster.id,
      name: "task",
      targetOnDemandCapacity: task.targetOnDemandCapacity ?? 0,
      targetSpotCapacity: task.targetSpotCapacity ?? 0,
      instanceTypeConfigs: instanceTypeConfigs(task),
      launchSpecifications: {
        spotSpecification: [
          {
            allocationStrategy: task.spotAllocationStrategy ?? "price-capacity-optimized",
            // If spot does not arrive in time, run on-demand rather than run short.
            timeoutAction: "SWITCH_TO_ON_DEMAND",
            timeoutDurationMinutes: task.spotTimeoutMinutes ?? 10,
          },
        ],
        onDemandSpecification: [{ allocationStrategy: ON_DEMAND_ALLOCATION }],
      },
      lifecycle: {
        // Managed scaling owns the task fleet's size after launch; applying the launch-time
        // numbers again would undo a scale-out in the middle of a job.
        ignoreChanges: ["target_on_demand_capacity", "target_spot_capacity"],
      },
    });

    this.scalingPolicy = new EmrManagedScalingPolicy(this, "scaling", {
      clusterId: this.cluster.id,
      computeLimits: [
        {
          unitType: "InstanceFleetUnits",
          minimumCapacityUnits: props.managedScaling.minimumCapacityUnits,
          maximumCapacityUnits: props.managedScaling.maximumCapacityUnits,
          maximumCoreCapacityUnits: props.managedScaling.maximumCoreCapacityUnits ?? props.managedScaling.maximumCapacityUnits,
          maximumOndemandCapacityUnits:
            props.managedScaling.maximumOnDemandCapacityUnits ?? props.managedScaling.maximumCapacityUnits,
        },
      ],
      // Attached after the task fleet exists, so its first decision sees all three fleets.
      dependsOn: [this.taskFleet],
    });
  }
}

function instanceTypeConfigs(fleet: FleetSpec): NonNullable<EmrClusterCoreInstanceFleet["instanceTypeConfigs"]> {
  return fleet.instanceTypes.map((t) => ({
    instanceType: t.instanceType,
    weightedCapacity: t.weightedCapacity ?? 1,
    // EBS-only types need a data volume; encryption comes from the security configuration.
    ebsConfig: [{ size: fleet.ebsVolumeSizeGiB ?? 64, type: "gp3", volumesPerInstance: 1 }],
  }));
}

/** Master/core fleet block; the spot specification only appears when spot capacity is asked for. */
function fleetConfig(name: string, fleet: FleetSpec): EmrClusterCoreInstanceFleet {
  const spot = fleet.targetSpotCapacity ?? 0;
  return {
    name,
    targetOnDemandCapacity: fleet.targetOnDemandCapacity ?? 1,
    targetSpotCapacity: spot,
    instanceTypeConfigs: instanceTypeConfigs(fleet),
    launchSpecifications: {
      onDemandSpecification: [{ allocationStrategy: ON_DEMAND_ALLOCATION }],
      ...(spot > 0
        ? {
            spotSpecification: [
              { allocationStrategy: "price-capacity-optimized", timeoutAction: "SWITCH_TO_ON_DEMAND", timeoutDurationMinutes: 10 },
            ],
          }
        : {}),
    },
  };
}
