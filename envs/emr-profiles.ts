/**
 * EMR workload profiles: named presets of instance families and Spark/YARN settings. An
 * environment picks one with `emr.workloadProfile` and may override any part of it
 * (`emr.fleets.<fleet>.instanceTypes`, `emr.sparkDefaults`, `emr.yarnSite`).
 *
 * Weights are InstanceFleetUnits: one unit per 4 vCPUs (an xlarge), so a 2xlarge weighs 2 and
 * managed-scaling limits read as "xlarge equivalents" whatever the mix.
 */

export const WORKLOAD_PROFILES = ["data-engineering", "memory-optimized", "io-optimized"] as const;
export type WorkloadProfileName = (typeof WORKLOAD_PROFILES)[number];

export interface InstanceTypeWeight {
  readonly instanceType: string;
  readonly weightedCapacity: number;
}

export interface WorkloadProfile {
  readonly description: string;
  readonly fleets: {
    readonly master: readonly InstanceTypeWeight[];
    readonly core: readonly InstanceTypeWeight[];
    readonly task: readonly InstanceTypeWeight[];
  };
  /** spark-defaults on top of the platform's fixed settings (dynamic allocation, AQE). */
  readonly sparkDefaults: Readonly<Record<string, string>>;
  /** yarn-site on top of the platform's fixed settings. */
  readonly yarnSite: Readonly<Record<string, string>>;
}

const w = (instanceType: string, weightedCapacity = 1): InstanceTypeWeight => ({ instanceType, weightedCapacity });

/** The primary node only runs daemons (ResourceManager, NameNode, history servers). */
const GENERAL_MASTER = [w("m5.xlarge"), w("m6i.xlarge"), w("m5a.xlarge")];

export const WORKLOAD_PROFILE_PRESETS: Record<WorkloadProfileName, WorkloadProfile> = {
  "data-engineering": {
    description: "Balanced ETL: general-purpose m5/m6i/m6a/m5a, 128 MB partitions",
    fleets: {
      master: GENERAL_MASTER,
      core: [w("m5.xlarge"), w("m6i.xlarge"), w("m5a.xlarge"), w("m6a.xlarge")],
      task: [w("m5.xlarge"), w("m6i.xlarge"), w("m5a.xlarge"), w("m6a.xlarge"), w("m5.2xlarge", 2), w("m6i.2xlarge", 2)],
    },
    sparkDefaults: {
      "spark.sql.adaptive.advisoryPartitionSizeInBytes": "128m",
      "spark.sql.files.maxPartitionBytes": "128m",
      "spark.dynamicAllocation.executorIdleTimeout": "60s",
    },
    yarnSite: {},
  },
  "memory-optimized": {
    description: "Wide joins and large aggregations: r5/r6i/r5a, more off-heap headroom",
    fleets: {
      master: GENERAL_MASTER,
      core: [w("r5.xlarge"), w("r6i.xlarge"), w("r5a.xlarge")],
      task: [w("r5.xlarge"), w("r6i.xlarge"), w("r5a.xlarge"), w("r5.2xlarge", 2), w("r6i.2xlarge", 2)],
    },
    sparkDefaults: {
      "spark.executor.memoryOverheadFactor": "0.2",
      "spark.sql.adaptive.advisoryPartitionSizeInBytes": "256m",
      "spark.sql.autoBroadcastJoinThreshold": "64m",
      "spark.dynamicAllocation.executorIdleTimeout": "120s",
    },
    // Fewer, larger containers: less fragmentation of the big r-type NodeManagers.
    yarnSite: { "yarn.scheduler.minimum-allocation-mb": "2048" },
  },
  "io-optimized": {
    description: "Shuffle-heavy jobs: NVMe instance-store m5d/r5d/m5ad/i3, larger shuffle buffers",
    fleets: {
      master: GENERAL_MASTER,
      core: [w("m5d.xlarge"), w("r5d.xlarge"), w("m5ad.xlarge")],
      task: [w("m5d.xlarge"), w("m5ad.xlarge"), w("r5d.xlarge"), w("i3.xlarge"), w("m5d.2xlarge", 2)],
    },
    sparkDefaults: {
      "spark.shuffle.file.buffer": "1m",
      "spark.io.compression.lz4.blockSize": "512k",
      "spark.sql.files.maxPartitionBytes": "256m",
      "spark.sql.adaptive.advisoryPartitionSizeInBytes": "256m",
    },
    // Shuffle spills fill the NVMe disks; YARN's default 90% would mark them bad mid-job.
    yarnSite: { "yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage": "95" },
  },
};

/** `m5.xlarge` -> `m5`: instances of one family share a spot capacity pool's fate. */
export function instanceFamily(instanceType: string): string {
  return instanceType.split(".")[0];
}

export type FleetName = keyof WorkloadProfile["fleets"];

/** A fleet's instance types: the environment's override, else the profile's preset. */
export function resolveInstanceTypes(
  profile: WorkloadProfileName,
  fleet: FleetName,
  override?: readonly InstanceTypeWeight[],
): readonly InstanceTypeWeight[] {
  return override ?? WORKLOAD_PROFILE_PRESETS[profile].fleets[fleet];
}

/** Spark and YARN settings: the profile's preset with the environment's overrides on top. */
export function resolveSoftwareSettings(
  profile: WorkloadProfileName,
  overrides: { readonly sparkDefaults: Readonly<Record<string, string>>; readonly yarnSite: Readonly<Record<string, string>> },
): { sparkDefaults: Record<string, string>; yarnSite: Record<string, string> } {
  const preset = WORKLOAD_PROFILE_PRESETS[profile];
  return {
    sparkDefaults: { ...preset.sparkDefaults, ...overrides.sparkDefaults },
    yarnSite: { ...preset.yarnSite, ...overrides.yarnSite },
  };
}
