/**
 * One cluster specification, two renderings: the RunJobFlow request the pipeline sends and
 * the Terraform resources of a long-running cluster. Rendering the same spec both ways must
 * describe the same cluster, field by field.
 */
import type { RunJobFlowCommandInput } from "@aws-sdk/client-emr";
import { describe, expect, it } from "vitest";
import { minimumCoreNodes, renderTerraformCluster, runJobFlowParameters, type ClusterSpec } from "../../modules/emr-cluster-spec";
import { clusterConfigurations } from "../../modules/emr-configurations";
import { bareStack, synthBare } from "../support/bare-stack";
import { resource } from "../support/terraform-json";

const t = (instanceType: string, weightedCapacity = 1) => ({ instanceType, weightedCapacity });

function spec(overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    name: "test-cluster",
    releaseLabel: "emr-7.13.0",
    applications: ["Hadoop", "Spark"],
    fleets: {
      master: { instanceTypes: [t("m5.xlarge"), t("m6i.xlarge")], ebsVolumeSizeGiB: 64, targetOnDemandCapacity: 1, targetSpotCapacity: 0 },
      core: { instanceTypes: [t("m5.2xlarge", 2), t("m6i.2xlarge", 2)], ebsVolumeSizeGiB: 256, targetOnDemandCapacity: 4, targetSpotCapacity: 2 },
      task: {
        instanceTypes: [t("m5.xlarge"), t("r5.xlarge"), t("c5.2xlarge", 2)],
        ebsVolumeSizeGiB: 32,
        targetOnDemandCapacity: 0,
        targetSpotCapacity: 3,
        spotAllocationStrategy: "capacity-optimized",
        spotTimeoutMinutes: 15,
      },
    },
    managedScaling: { minimumCapacityUnits: 4, maximumCapacityUnits: 20, maximumCoreCapacityUnits: 8, maximumOnDemandCapacityUnits: 10 },
    securityConfiguration: "sec-config",
    serviceRole: "arn:aws:iam::123456789012:role/emr-service",
    instanceProfile: "emr-instance",
    subnetIds: ["subnet-a", "subnet-b"],
    securityGroups: { master: "sg-master", core: "sg-core", serviceAccess: "sg-service" },
    logUri: "s3://logs/emr/",
    logEncryptionKmsKeyId: "arn:aws:kms:eu-central-1:123456789012:key/abc",
    configurations: clusterConfigurations({ applications: ["Hadoop", "Spark"], sparkDefaults: { "spark.executor.cores": "4" }, pysparkPython: "/usr/bin/python3.11" }),
    stepConcurrencyLevel: 2,
    lifetime: { kind: "transient", idleTimeoutSeconds: 1200 },
    tags: { environment: "test", Name: "test-cluster", "for-use-with-amazon-emr-managed-policies": "true" },
    ...overrides,
  };
}

/** Both renderings of one spec: the RunJobFlow request and the synthesized Terraform resources. */
function render(s: ClusterSpec) {
  const stack = bareStack();
  renderTerraformCluster(stack, s);
  const { tf, snapshot } = synthBare(stack);
  return {
    api: runJobFlowParameters(s),
    cluster: resource(tf, "aws_emr_cluster", "cluster"),
    taskFleet: resource(tf, "aws_emr_instance_fleet", "task-fleet"),
    scaling: resource(tf, "aws_emr_managed_scaling_policy", "scaling"),
    snapshot,
  };
}

/** The fleet as both renderings say it: comparable plain data. */
const fromApi = (f: NonNullable<NonNullable<RunJobFlowCommandInput["Instances"]>["InstanceFleets"]>[number]) => ({
  onDemand: f.TargetOnDemandCapacity,
  spot: f.TargetSpotCapacity,
  types: f.InstanceTypeConfigs!.map((c) => ({
    type: c.InstanceType,
    weight: c.WeightedCapacity,
    ebs: c.EbsConfiguration!.EbsBlockDeviceConfigs!.map((d) => ({ size: d.VolumeSpecification!.SizeInGB, type: d.VolumeSpecification!.VolumeType, count: d.VolumesPerInstance })),
  })),
  onDemandStrategy: f.LaunchSpecifications?.OnDemandSpecification?.AllocationStrategy,
  spotSpec: f.LaunchSpecifications?.SpotSpecification
    ? {
        strategy: f.LaunchSpecifications.SpotSpecification.AllocationStrategy,
        action: f.LaunchSpecifications.SpotSpecification.TimeoutAction,
        minutes: f.LaunchSpecifications.SpotSpecification.TimeoutDurationMinutes,
      }
    : undefined,
});
const fromTerraform = (f: any) => ({
  onDemand: f.target_on_demand_capacity,
  spot: f.target_spot_capacity,
  types: f.instance_type_configs.map((c: any) => ({
    type: c.instance_type,
    weight: c.weighted_capacity,
    ebs: c.ebs_config.map((d: any) => ({ size: d.size, type: d.type, count: d.volumes_per_instance })),
  })),
  onDemandStrategy: f.launch_specifications.on_demand_specification[0].allocation_strategy,
  spotSpec: f.launch_specifications.spot_specification
    ? {
        strategy: f.launch_specifications.spot_specification[0].allocation_strategy,
        action: f.launch_specifications.spot_specification[0].timeout_action,
        minutes: f.launch_specifications.spot_specification[0].timeout_duration_minutes,
      }
    : undefined,
});

describe.each([
  ["a transient (pipeline) lifetime", spec()],
  ["a long-running lifetime", spec({ lifetime: { kind: "long-running", terminationProtection: true } })],
])("the two renderings of one spec, with %s, describe the same cluster", (_label, s) => {
  const { api, cluster, taskFleet, scaling } = render(s);
  const apiFleets = Object.fromEntries(api.Instances!.InstanceFleets!.map((f) => [f.InstanceFleetType!, f]));

  it("release, applications and configurations", () => {
    expect(cluster.release_label).toBe(api.ReleaseLabel);
    expect(cluster.applications).toEqual(api.Applications!.map((a) => a.Name));
    expect(JSON.parse(cluster.configurations_json)).toEqual(api.Configurations);
  });

  it("fleets: instance types, weights, EBS, capacities, allocation strategies and spot timeout", () => {
    expect(fromTerraform(cluster.master_instance_fleet)).toEqual(fromApi(apiFleets.MASTER));
    expect(fromTerraform(cluster.core_instance_fleet)).toEqual(fromApi(apiFleets.CORE));
    expect(fromTerraform(taskFleet)).toEqual(fromApi(apiFleets.TASK));
    // And they are the spec's, not just equal to each other.
    expect(fromApi(apiFleets.TASK).spotSpec).toEqual({ strategy: "capacity-optimized", action: "SWITCH_TO_ON_DEMAND", minutes: 15 });
    expect(fromApi(apiFleets.CORE).spotSpec).toEqual({ strategy: "price-capacity-optimized", action: "SWITCH_TO_ON_DEMAND", minutes: 10 });
    expect(fromApi(apiFleets.MASTER).spotSpec).toBeUndefined();
  });

  it("managed scaling", () => {
    const limits = api.ManagedScalingPolicy!.ComputeLimits!;
    expect(scaling.compute_limits).toEqual([
      {
        unit_type: limits.UnitType,
        minimum_capacity_units: limits.MinimumCapacityUnits,
        maximum_capacity_units: limits.MaximumCapacityUnits,
        maximum_core_capacity_units: limits.MaximumCoreCapacityUnits,
        maximum_ondemand_capacity_units: limits.MaximumOnDemandCapacityUnits,
      },
    ]);
  });

  it("security configuration, roles, subnets and the three managed groups", () => {
    expect(cluster.security_configuration).toBe(api.SecurityConfiguration);
    expect(cluster.service_role).toBe(api.ServiceRole);
    expect(cluster.ec2_attributes).toEqual({
      instance_profile: api.JobFlowRole,
      subnet_ids: api.Instances!.Ec2SubnetIds,
      emr_managed_master_security_group: api.Instances!.EmrManagedMasterSecurityGroup,
      emr_managed_slave_security_group: api.Instances!.EmrManagedSlaveSecurityGroup,
      service_access_security_group: api.Instances!.ServiceAccessSecurityGroup,
    });
  });

  it("logs and their key", () => {
    expect(cluster.log_uri).toBe(api.LogUri);
    expect(cluster.log_encryption_kms_key_id).toBe(api.LogEncryptionKmsKeyId);
  });

  it("lifetime, step concurrency, unhealthy-node replacement and scale-down behaviour", () => {
    expect(cluster.auto_termination_policy?.idle_timeout).toBe(api.AutoTerminationPolicy?.IdleTimeout);
    expect(cluster.termination_protection).toBe(api.Instances!.TerminationProtected);
    expect(cluster.keep_job_flow_alive_when_no_steps).toBe(api.Instances!.KeepJobFlowAliveWhenNoSteps);
    expect(cluster.step_concurrency_level).toBe(api.StepConcurrencyLevel);
    expect(cluster.unhealthy_node_replacement).toBe(api.Instances!.UnhealthyNodeReplacement);
    expect(cluster.scale_down_behavior).toBe(api.ScaleDownBehavior);
  });

  it("tags, the EMR managed-policy tag included", () => {
    expect(cluster.tags).toEqual(Object.fromEntries(api.Tags!.map((tag) => [tag.Key, tag.Value])));
    expect(cluster.tags["for-use-with-amazon-emr-managed-policies"]).toBe("true");
  });
});

describe("lifetimes", () => {
  it("a transient cluster auto-terminates and is never protected (its run terminates it)", () => {
    const { api, cluster } = render(spec());
    expect(api.AutoTerminationPolicy).toEqual({ IdleTimeout: 1200 });
    expect(api.Instances!.TerminationProtected).toBe(false);
    expect(cluster.termination_protection).toBe(false);
  });

  it("a long-running cluster has no auto-termination, and the configured protection", () => {
    const { api, cluster, snapshot } = render(spec({ lifetime: { kind: "long-running", terminationProtection: true } }));
    expect(api.AutoTerminationPolicy).toBeUndefined();
    expect(cluster.auto_termination_policy).toBeUndefined();
    expect(cluster.termination_protection).toBe(true);
    return expect(snapshot).toMatchFileSnapshot("__snapshots__/emr-cluster-spec.tf.json");
  });

  it("RunJobFlow always keeps the cluster alive between steps (createCluster requires it)", () => {
    expect(runJobFlowParameters(spec()).Instances!.KeepJobFlowAliveWhenNoSteps).toBe(true);
  });
});

describe("minimumCoreNodes", () => {
  it("is the fewest nodes of the heaviest core type that make up the core capacity", () => {
    expect(minimumCoreNodes(spec())).toBe(3); // 6 units / weight 2
    const light = spec({ fleets: { ...spec().fleets, core: { ...spec().fleets.core, instanceTypes: [t("m5.xlarge")], targetOnDemandCapacity: 1, targetSpotCapacity: 0 } } });
    expect(minimumCoreNodes(light)).toBe(1);
  });
});
