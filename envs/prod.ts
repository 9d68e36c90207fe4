/**
 * The prod environment. Held to production rules (envs/schema.ts): at least 2 AZs, a 30-day
 * key deletion window, destroy protection on data buckets and remote state.
 *
 * PLACEHOLDER ACCOUNT: 222222222222 is not a real account, and the state bucket below is a
 * placeholder too. Replace both before the first `cdktf deploy`.
 */
import type { EnvConfigInput } from "./schema";

const prod: EnvConfigInput = {
  environment: "prod",
  accountId: "222222222222", // placeholder: see above
  region: "eu-west-1",
  owner: "marketpulse-data-platform",
  costCenter: "mp-prod-1001",
  backend: {
    type: "s3",
    bucket: "marketpulse-terraform-state-222222222222", // placeholder
    key: "marketpulse/prod/terraform.tfstate",
    region: "eu-west-1",
  },
  network: {
    vpcCidr: "10.30.0.0/16",
    azCount: 3,
    subnetPrefixLength: 20,
  },
  encryption: { keyDeletionWindowDays: 30 },
  dataLake: { destroyProtection: true },
  // Production rules for EMR (envs/schema.ts): master and core on-demand only, in-transit
  // encryption and at least one alarm recipient. No long-running cluster: the pipeline's
  // transient clusters do the work.
  emr: {
    workloadProfile: "data-engineering",
    // The backstop if a run never reaches its terminate state.
    idleTimeoutSeconds: 1800,
    stepConcurrencyLevel: 2,
    inTransitEncryption: { enabled: true, certificateSource: "generated" },
    fleets: {
      master: { targetOnDemandCapacity: 1, targetSpotCapacity: 0, ebsVolumeSizeGiB: 64 },
      core: {
        // 3 nodes of 2 units. HDFS holds only scratch and shuffle data (the lake is in S3), so
        // EMR's replication factor for small clusters (1 below 4 core nodes) is acceptable.
        instanceTypes: [
          { instanceType: "m5.2xlarge", weightedCapacity: 2 },
          { instanceType: "m6i.2xlarge", weightedCapacity: 2 },
          { instanceType: "m5a.2xlarge", weightedCapacity: 2 },
        ],
        targetOnDemandCapacity: 6,
        targetSpotCapacity: 0,
        ebsVolumeSizeGiB: 256,
      },
      task: { targetSpotCapacity: 4, ebsVolumeSizeGiB: 64 },
    },
    managedScaling: {
      minimumCapacityUnits: 6,
      maximumCapacityUnits: 24,
      maximumCoreCapacityUnits: 6,
      maximumOnDemandCapacityUnits: 8,
    },
  },
  // The schedule is on (the default in prod): 02:00 UTC daily, for the previous UTC day.
  pipeline: {
    stepTimeoutMinutes: 180,
    executionTimeoutMinutes: 720,
  },
  monitoring: {
    alarmEmails: ["marketpulse-oncall@example.com", "marketpulse-data-platform@example.com"],
    monthlyBudgetUsd: 500,
  },
};

export default prod;
