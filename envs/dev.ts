/**
 * The dev environment.
 *
 * PLACEHOLDER ACCOUNT: 111111111111 is not a real account. Replace it with the dev account id
 * before the first `cdktf deploy`; the provider's allowed_account_ids then refuses any other
 * account's credentials.
 */
import type { EnvConfigInput } from "./schema";

const dev: EnvConfigInput = {
  environment: "dev",
  accountId: "111111111111", // placeholder: see above
  region: "eu-west-1",
  owner: "marketpulse-data-platform",
  costCenter: "mp-dev-1001",
  backend: { type: "local" },
  network: {
    vpcCidr: "10.20.0.0/16",
    azCount: 2,
    subnetPrefixLength: 20,
  },
  encryption: { keyDeletionWindowDays: 7 },
  dataLake: { destroyProtection: false },
  // Cheap by default: one on-demand core node for HDFS, spot for everything elastic. Clusters
  // are the pipeline's: each run starts one and terminates it (docs/cost.md has the estimate).
  emr: {
    workloadProfile: "data-engineering",
    // The backstop if a run never reaches its terminate state.
    idleTimeoutSeconds: 1800,
    // Allowed outside prod (prod always encrypts in transit). A generated certificate's private
    // key would sit in dev's local, unencrypted state file; use certificateSource "s3" with a
    // PEM zip from your PKI to turn TLS on here.
    inTransitEncryption: { enabled: false },
    fleets: {
      master: { targetOnDemandCapacity: 1, ebsVolumeSizeGiB: 64 },
      core: { targetOnDemandCapacity: 1, ebsVolumeSizeGiB: 64 },
      task: { targetSpotCapacity: 1, ebsVolumeSizeGiB: 64 },
    },
    managedScaling: {
      minimumCapacityUnits: 2,
      maximumCapacityUnits: 6,
      maximumCoreCapacityUnits: 1,
      // One unit for the core node plus one for a task fleet whose spot request timed out.
      maximumOnDemandCapacityUnits: 2,
    },
  },
  // Dev has no market-data feed: each run generates its day first. The schedule is off (the
  // default outside prod); run it with `npm run pipeline -- run --env dev --date D`.
  pipeline: {
    syntheticFeed: { enabled: true, symbols: 5, ticksPerHour: 60, defectRate: 0.01 },
  },
  monitoring: {
    alarmEmails: ["marketpulse-dev-alerts@example.com"],
    monthlyBudgetUsd: 250,
  },
};

export default dev;
