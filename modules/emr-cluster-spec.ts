/**
 * The one EMR cluster specification, and its two renderings:
 *
 * - `runJobFlowParameters(spec)`: the RunJobFlow request (the EMR API's PascalCase shape, typed
 *   with @aws-sdk/client-emr's own input type) that the pipeline's createCluster task sends;
 * - `renderTerraformCluster(scope, spec)`: aws_emr_cluster + aws_emr_instance_fleet (task) +
 *   aws_emr_managed_scaling_policy, for an environment that asks for a long-running cluster.
 *
 * Both read every field from the same spec, so a pipeline cluster and a long-running cluster
 * are the same cluster; a test renders one spec both ways and compares them field by field.
 *
 * Nearly every argument of aws_emr_cluster is ForceNew: release, applications, configurations,
 * roles, security configuration, EC2 attributes, log settings, fleet types and launch
 * specifications all replace the cluster (and lose HDFS). Only termination protection, step
 * concurrency, auto-termination, unhealthy-node replacement and tags change in place.
 */
import type { Configuration, InstanceFleetConfig, RunJobFlowCommandInput } from "@aws-sdk/client-emr";
import { EmrCluster, type EmrClusterCoreInstanceFleet } from "@cdktf/provider-aws/lib/emr-cluster";
import { EmrInstanceFleet } from "@cdktf/provider-aws/lib/emr-instance-fleet";
import { EmrManagedScalingPolicy } from "@cdktf/provider-aws/lib/emr-managed-scaling-policy";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import type { EmrConfiguration } from "./emr-configurations";

export interface InstanceTypeSpec {
  /** EC2 instance type, e.g. `m5.xlarge`. Required. */
  readonly instanceType: string;
  /** InstanceFleetUnits one instance counts for. Required. */
  readonly weightedCapacity: number;
}

export interface FleetSpec {
  /** At least one type; several types let EMR pick whatever has capacity. */
  readonly instanceTypes: readonly InstanceTypeSpec[];
  /** gp3 data volume per instance, in GiB. */
  readonly ebsVolumeSizeGiB: number;
  /** On-demand InstanceFleetUnits at launch. */
  readonly targetOnDemandCapacity: number;
  /** Spot InstanceFleetUnits at launch. */
  readonly targetSpotCapacity: number;
}

export interface TaskFleetSpec extends FleetSpec {
  readonly spotAllocationStrategy: "price-capacity-optimized" | "capacity-optimized";
  /** Minutes to wait for spot before switching to on-demand. */
  readonly spotTimeoutMinutes: number;
}

export interface ManagedScalingSpec {
  /** Fewest core + task InstanceFleetUnits. */
  readonly minimumCapacityUnits: number;
  /** Most core + task InstanceFleetUnits. */
  readonly maximumCapacityUnits: number;
  /** Most core units; the rest can only be task. */
  readonly maximumCoreCapacityUnits: number;
  /** Most on-demand units; anything above is spot. */
  readonly maximumOnDemandCapacityUnits: number;
}

/** How long a cluster lives. */
export type ClusterLifetime =
  /** The pipeline's: terminated by the state machine; auto-termination is the backstop. */
  | { readonly kind: "transient"; readonly idleTimeoutSeconds: number }
  /** Terraform's: stays up, no auto-termination (terraform-provider-aws #32248). */
  | { readonly kind: "long-running"; readonly terminationProtection: boolean };

/** Everything an EMR cluster of the platform is launched with. */
export interface ClusterSpec {
  /** The cluster's name; a pipeline run appends its run date. */
  readonly name: string;
  readonly releaseLabel: string;
  readonly applications: readonly string[];
  readonly fleets: { readonly master: FleetSpec; readonly core: FleetSpec; readonly task: TaskFleetSpec };
  readonly managedScaling: ManagedScalingSpec;
  /** Name of the EMR security configuration. */
  readonly securityConfiguration: string;
  /** ARN of the EMR service role. */
  readonly serviceRole: string;
  /** Name of the EC2 instance profile. */
  readonly instanceProfile: string;
  /** Every private subnet: with fleets, EMR launches in the AZ that has the capacity. */
  readonly subnetIds: readonly string[];
  readonly securityGroups: { readonly master: string; readonly core: string; readonly serviceAccess: string };
  readonly logUri: string;
  /** EMR encrypts the log files it pushes to S3 with this key. */
  readonly logEncryptionKmsKeyId: string;
  readonly configurations: readonly EmrConfiguration[];
  readonly stepConcurrencyLevel: number;
  readonly lifetime: ClusterLifetime;
  /** Every tag, the environment's included: RunJobFlow clusters get no provider default_tags. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Replace unhealthy nodes; scale in only once running tasks finish (spot-heavy scale-down kills no containers). */
const UNHEALTHY_NODE_REPLACEMENT = true;
const SCALE_DOWN_BEHAVIOR = "TERMINATE_AT_TASK_COMPLETION";
const ON_DEMAND_ALLOCATION = "lowest-price";
const EBS_VOLUME_TYPE = "gp3";

/** Spot settings of a fleet: the task fleet's own, or the platform's for spot on master or core. */
function spotOf(fleet: FleetSpec): { allocationStrategy: string; timeoutMinutes: number } | undefined {
  if ("spotAllocationStrategy" in fleet) {
    const task = fleet as TaskFleetSpec;
    return { allocationStrategy: task.spotAllocationStrategy, timeoutMinutes: task.spotTimeoutMinutes };
  }
  return fleet.targetSpotCapacity > 0 ? { allocationStrategy: "price-capacity-optimized", timeoutMinutes: 10 } : undefined;
}

// --- RunJobFlow ---------------------------------------------------------------------------

function fleetRequest(type: "MASTER" | "CORE" | "TASK", name: string, fleet: FleetSpec): InstanceFleetConfig {
  const spot = spotOf(fleet);
  return {
    Name: name,
    InstanceFleetType: type,
    TargetOnDemandCapacity: fleet.targetOnDemandCapacity,
    TargetSpotCapacity: fleet.targetSpotCapacity,
    InstanceTypeConfigs: fleet.instanceTypes.map((t) => ({
      InstanceType: t.instanceType,
      WeightedCapacity: t.weightedCapacity,
      EbsConfiguration: {
        EbsBlockDeviceConfigs: [{ VolumeSpecification: { VolumeType: EBS_VOLUME_TYPE, SizeInGB: fleet.ebsVolumeSizeGiB }, VolumesPerInstance: 1 }],
      },
    })),
    LaunchSpecifications: {
      OnDemandSpecification: { AllocationStrategy: ON_DEMAND_ALLOCATION },
      ...(spot
        ? {
            SpotSpecification: {
              AllocationStrategy: spot.allocationStrategy as "price-capacity-optimized",
              // If spot does not arrive in time, run on-demand rather than run short.
              TimeoutAction: "SWITCH_TO_ON_DEMAND",
              TimeoutDurationMinutes: spot.timeoutMinutes,
            },
          }
        : {}),
    },
  };
}

function configurationRequest(c: EmrConfiguration): Configuration {
  return {
    Classification: c.Classification,
    ...(c.Properties ? { Properties: { ...c.Properties } } : {}),
    ...(c.Configurations ? { Configurations: c.Configurations.map(configurationRequest) } : {}),
  };
}

/** The RunJobFlow request of a spec, in the EMR API's own shape and types. */
export function runJobFlowParameters(spec: ClusterSpec): RunJobFlowCommandInput {
  const { master, core, task } = spec.fleets;
  const s = spec.managedScaling;
  return {
    Name: spec.name,
    ReleaseLabel: spec.releaseLabel,
    Applications: spec.applications.map((Name) => ({ Name })),
    Configurations: spec.configurations.map(configurationRequest),
    ServiceRole: spec.serviceRole,
    JobFlowRole: spec.instanceProfile,
    SecurityConfiguration: spec.securityConfiguration,
    LogUri: spec.logUri,
    LogEncryptionKmsKeyId: spec.logEncryptionKmsKeyId,
    Instances: {
      InstanceFleets: [fleetRequest("MASTER", "master", master), fleetRequest("CORE", "core", core), fleetRequest("TASK", "task", task)],
      Ec2SubnetIds: [...spec.subnetIds],
      EmrManagedMasterSecurityGroup: spec.securityGroups.master,
      EmrManagedSlaveSecurityGroup: spec.securityGroups.core,
      ServiceAccessSecurityGroup: spec.securityGroups.serviceAccess,
      // Step Functions' createCluster requires it: steps come one by one, then terminateCluster.
      KeepJobFlowAliveWhenNoSteps: true,
      TerminationProtected: spec.lifetime.kind === "long-running" && spec.lifetime.terminationProtection,
      UnhealthyNodeReplacement: UNHEALTHY_NODE_REPLACEMENT,
    },
    ManagedScalingPolicy: {
      ComputeLimits: {
        UnitType: "InstanceFleetUnits",
        MinimumCapacityUnits: s.minimumCapacityUnits,
        MaximumCapacityUnits: s.maximumCapacityUnits,
        MaximumCoreCapacityUnits: s.maximumCoreCapacityUnits,
        MaximumOnDemandCapacityUnits: s.maximumOnDemandCapacityUnits,
      },
    },
    ...(spec.lifetime.kind === "transient" ? { AutoTerminationPolicy: { IdleTimeout: spec.lifetime.idleTimeoutSeconds } } : {}),
    StepConcurrencyLevel: spec.stepConcurrencyLevel,
    ScaleDownBehavior: SCALE_DOWN_BEHAVIOR,
    VisibleToAllUsers: true,
    Tags: Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

// --- Terraform ----------------------------------------------------------------------------

function instanceTypeConfigs(fleet: FleetSpec): NonNullable<EmrClusterCoreInstanceFleet["instanceTypeConfigs"]> {
  return fleet.instanceTypes.map((t) => ({
    instanceType: t.instanceType,
    weightedCapacity: t.weightedCapacity,
    // EBS-only types need a data volume; encryption comes from the security configuration.
    ebsConfig: [{ size: fleet.ebsVolumeSizeGiB, type: EBS_VOLUME_TYPE, volumesPerInstance: 1 }],
  }));
}

function launchSpecifications(fleet: FleetSpec): NonNullable<EmrClusterCoreInstanceFleet["launchSpecifications"]> {
  const spot = spotOf(fleet);
  return {
    onDemandSpecification: [{ allocationStrategy: ON_DEMAND_ALLOCATION }],
    ...(spot
      ? { spotSpecification: [{ allocationStrategy: spot.allocationStrategy, timeoutAction: "SWITCH_TO_ON_DEMAND", timeoutDurationMinutes: spot.timeoutMinutes }] }
      : {}),
  };
}

function inlineFleet(name: string, fleet: FleetSpec): EmrClusterCoreInstanceFleet {
  return {
    name,
    targetOnDemandCapacity: fleet.targetOnDemandCapacity,
    targetSpotCapacity: fleet.targetSpotCapacity,
    instanceTypeConfigs: instanceTypeConfigs(fleet),
    launchSpecifications: launchSpecifications(fleet),
  };
}

export interface TerraformCluster {
  readonly cluster: EmrCluster;
  readonly taskFleet: EmrInstanceFleet;
  readonly scalingPolicy: EmrManagedScalingPolicy;
}

/**
 * The spec as Terraform resources, created directly in `scope` (ids `cluster`, `task-fleet`,
 * `scaling`). The cluster waits for `dependsOn`: EMR checks roles and groups at launch.
 */
export function renderTerraformCluster(scope: Construct, spec: ClusterSpec, dependsOn: ITerraformDependable[] = []): TerraformCluster {
  const { master, core, task } = spec.fleets;
  const s = spec.managedScaling;
  const cluster = new EmrCluster(scope, "cluster", {
    name: spec.name,
    releaseLabel: spec.releaseLabel,
    applications: [...spec.applications],
    serviceRole: spec.serviceRole,
    securityConfiguration: spec.securityConfiguration,
    ec2Attributes: {
      instanceProfile: spec.instanceProfile,
      subnetIds: [...spec.subnetIds],
      emrManagedMasterSecurityGroup: spec.securityGroups.master,
      emrManagedSlaveSecurityGroup: spec.securityGroups.core,
      serviceAccessSecurityGroup: spec.securityGroups.serviceAccess,
      // No key_name: nobody logs in with SSH; Session Manager is the way in.
    },
    masterInstanceFleet: inlineFleet("master", master),
    coreInstanceFleet: inlineFleet("core", core),
    logUri: spec.logUri,
    logEncryptionKmsKeyId: spec.logEncryptionKmsKeyId,
    configurationsJson: JSON.stringify(spec.configurations),
    ...(spec.lifetime.kind === "transient" ? { autoTerminationPolicy: { idleTimeout: spec.lifetime.idleTimeoutSeconds } } : {}),
    terminationProtection: spec.lifetime.kind === "long-running" && spec.lifetime.terminationProtection,
    unhealthyNodeReplacement: UNHEALTHY_NODE_REPLACEMENT,
    stepConcurrencyLevel: spec.stepConcurrencyLevel,
    keepJobFlowAliveWhenNoSteps: true,
    scaleDownBehavior: SCALE_DOWN_BEHAVIOR,
    tags: { ...spec.tags },
    dependsOn,
    lifecycle: {
      ignoreChanges: [
        // Managed scaling resizes the core fleet, and core fleet capacities are ForceNew on
        // aws_emr_cluster: without this, the first plan after a scale-out would replace the
        // whole cluster to put the launch-time numbers back.
        "core_instance_fleet[0].target_on_demand_capacity",
        "core_instance_fleet[0].target_spot_capacity",
        // Steps are submitted with `aws emr add-steps` (docs/operations.md); the attribute is
        // ForceNew, so listing them in state must never plan a replacement.
        "step",
      ],
    },
  });

  const taskFleet = new EmrInstanceFleet(scope, "task-fleet", {
    clusterId: cluster.id,
    name: "task",
    targetOnDemandCapacity: task.targetOnDemandCapacity,
    targetSpotCapacity: task.targetSpotCapacity,
    instanceTypeConfigs: instanceTypeConfigs(task),
    launchSpecifications: launchSpecifications(task),
    lifecycle: {
      // Managed scaling owns the task fleet's size after launch; applying the launch-time
      // numbers again would undo a scale-out in the middle of a job.
      ignoreChanges: ["target_on_demand_capacity", "target_spot_capacity"],
    },
  });

  const scalingPolicy = new EmrManagedScalingPolicy(scope, "scaling", {
    clusterId: cluster.id,
    computeLimits: [
      {
        unitType: "InstanceFleetUnits",
        minimumCapacityUnits: s.minimumCapacityUnits,
        maximumCapacityUnits: s.maximumCapacityUnits,
        maximumCoreCapacityUnits: s.maximumCoreCapacityUnits,
        maximumOndemandCapacityUnits: s.maximumOnDemandCapacityUnits,
      },
    ],
    // Attached after the task fleet exists, so its first decision sees all three fleets.
    dependsOn: [taskFleet],
  });

  return { cluster, taskFleet, scalingPolicy };
}

/** Fewest core nodes that can make up the core fleet's launch capacity (for an alarm). */
export function minimumCoreNodes(spec: ClusterSpec): number {
  const core = spec.fleets.core;
  const heaviest = Math.max(...core.instanceTypes.map((t) => t.weightedCapacity));
  return Math.max(1, Math.ceil((core.targetOnDemandCapacity + core.targetSpotCapacity) / heaviest));
}
