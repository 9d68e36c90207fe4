import { describe, expect, it } from "vitest";
import { parseEnvConfig } from "../../envs";
import { DEFAULT_EMR_RELEASE, EMR_RELEASE_LABELS } from "../../envs/emr-releases";
import { WORKLOAD_PROFILES, WORKLOAD_PROFILE_PRESETS } from "../../envs/emr-profiles";
import { FIXED_SPARK_DEFAULTS, FIXED_YARN_SITE } from "../../modules/emr-configurations";
import { problems } from "../support/config";
import { RAW_ENVS } from "../support/synth";

const { dev, prod } = RAW_ENVS;

/** dev with its emr section patched (a shallow merge per sub-object keeps tests short). */
const devEmr = (emr: Record<string, unknown>) => ({ ...dev, emr: { ...dev.emr, ...emr } });
const prodEmr = (emr: Record<string, unknown>) => ({ ...prod, emr: { ...prod.emr, ...emr } });
const types = (...names: string[]) => names.map((instanceType) => ({ instanceType }));

describe("emr and monitoring defaults", () => {
  const minimal = { environment: "qa", accountId: "333333333333", region: "eu-west-1", owner: "o", costCenter: "c" };

  it("a config without emr or monitoring gets the secure, cheap defaults", () => {
    const cfg = parseEnvConfig(minimal);
    expect(cfg.emr).toEqual({
      releaseLabel: DEFAULT_EMR_RELEASE,
      applications: ["Hadoop", "Spark"],
      workloadProfile: "data-engineering",
      fleets: {
        master: { ebsVolumeSizeGiB: 64, targetOnDemandCapacity: 1, targetSpotCapacity: 0 },
        core: { ebsVolumeSizeGiB: 128, targetOnDemandCapacity: 2, targetSpotCapacity: 0 },
        task: {
          ebsVolumeSizeGiB: 64,
          targetOnDemandCapacity: 0,
          targetSpotCapacity: 2,
          spotAllocationStrategy: "price-capacity-optimized",
          spotTimeoutMinutes: 10,
        },
      },
      managedScaling: { minimumCapacityUnits: 2, maximumCapacityUnits: 10, maximumCoreCapacityUnits: 2, maximumOnDemandCapacityUnits: 4 },
      idleTimeoutSeconds: 1800,
      longRunningCluster: { enabled: false, terminationProtection: true },
      stepConcurrencyLevel: 1,
      inTransitEncryption: { enabled: true, certificateSource: "generated" },
      sparkDefaults: {},
      yarnSite: {},
    });
    expect(cfg.monitoring).toEqual({
      alarmEmails: [],
      monthlyBudgetUsd: 500,
      hdfsUtilizationPercent: 80,
      yarnMemoryAvailablePercent: 15,
      idleAlarmMinutes: 120,
      maxQuarantinePercent: 5,
    });
  });

  it("a partial fleet keeps the other fields' defaults", () => {
    const cfg = parseEnvConfig({ ...minimal, emr: { fleets: { core: { ebsVolumeSizeGiB: 500 } } } });
    expect(cfg.emr.fleets.core).toEqual({ ebsVolumeSizeGiB: 500, targetOnDemandCapacity: 2, targetSpotCapacity: 0 });
    expect(cfg.emr.fleets.task.targetSpotCapacity).toBe(2);
  });

  it("the committed environments are dev: 30 min idle, spot tasks; prod: protected, encrypted, alarmed", () => {
    const d = parseEnvConfig(dev);
    const p = parseEnvConfig(prod);
    expect(d.emr.idleTimeoutSeconds).toBe(1800);
    expect(d.emr.fleets.task.targetSpotCapacity).toBeGreaterThan(0);
    expect(p.emr.longRunningCluster).toEqual({ enabled: false, terminationProtection: true });
    expect(p.emr.inTransitEncryption.enabled).toBe(true);
    expect(p.emr.fleets.core.targetSpotCapacity).toBe(0);
    expect(p.emr.fleets.master.targetSpotCapacity).toBe(0);
    expect(p.monitoring.alarmEmails.length).toBeGreaterThan(0);
  });

  it("every workload profile's own task types satisfy spot diversification", () => {
    for (const profile of WORKLOAD_PROFILES) {
      expect(() => parseEnvConfig(devEmr({ workloadProfile: profile })), profile).not.toThrow();
      expect(WORKLOAD_PROFILE_PRESETS[profile].fleets.task.length).toBeGreaterThanOrEqual(3);
    }
  });
});

describe("emr field validation: one exact line per problem", () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    [
      "unsupported release label",
      { releaseLabel: "emr-6.15.0" },
      [`emr.releaseLabel: expected a supported EMR release (envs/emr-releases.ts): ${EMR_RELEASE_LABELS.join(", ")}`],
    ],
    [
      "unknown application",
      { applications: ["Hadoop", "Spark", "Presto"] },
      ['emr.applications.2: Invalid option: expected one of "Hadoop"|"Spark"|"Hive"|"Livy"|"JupyterEnterpriseGateway"'],
    ],
    ["Spark left out", { applications: ["Hadoop", "Hive"] }, ["emr.applications: must include Spark (the platform runs Spark on YARN)"]],
    ["an application twice", { applications: ["Hadoop", "Spark", "Hive", "Hive"] }, ["emr.applications.3: Hive is listed twice"]],
    [
      "unknown workload profile",
      { workloadProfile: "gpu" },
      ['emr.workloadProfile: Invalid option: expected one of "data-engineering"|"memory-optimized"|"io-optimized"'],
    ],
    [
      "a master fleet without instance types",
      { fleets: { master: { instanceTypes: [] } } },
      ["emr.fleets.master.instanceTypes: expected at least one instance type"],
    ],
    [
      "a core fleet without instance types",
      { fleets: { core: { instanceTypes: [] } } },
      ["emr.fleets.core.instanceTypes: expected at least one instance type"],
    ],
    [
      "a task fleet without instance types",
      { fleets: { task: { instanceTypes: [] } } },
      ["emr.fleets.task.instanceTypes: expected at least one instance type"],
    ],
    [
      "instance type without a size",
      { fleets: { core: { instanceTypes: types("m5xlarge") } } },
      ["emr.fleets.core.instanceTypes.0.instanceType: expected an EC2 instance type name such as m5.xlarge"],
    ],
    [
      "instance type in capitals",
      { fleets: { core: { instanceTypes: types("M5.xlarge") } } },
      ["emr.fleets.core.instanceTypes.0.instanceType: expected an EC2 instance type name such as m5.xlarge"],
    ],
    [
      "instance type with an unknown size",
      { fleets: { core: { instanceTypes: types("m5.huge") } } },
      ["emr.fleets.core.instanceTypes.0.instanceType: expected an EC2 instance type name such as m5.xlarge"],
    ],
    [
      "zero weight",
      { fleets: { core: { instanceTypes: [{ instanceType: "m5.xlarge", weightedCapacity: 0 }] } } },
      ["emr.fleets.core.instanceTypes.0.weightedCapacity: Too small: expected number to be >=1"],
    ],
    [
      "an instance type twice",
      { fleets: { core: { instanceTypes: types("m5.xlarge", "m6i.xlarge", "m5.xlarge") } } },
      ["emr.fleets.core.instanceTypes.2: m5.xlarge is listed twice"],
    ],
    [
      "typo in a fleet key",
      { fleets: { core: { targetSpot: 1 } } },
      ["emr.fleets.core.targetSpot: unknown key (not in the schema; check the spelling)"],
    ],
    [
      "two master nodes",
      { fleets: { master: { targetOnDemandCapacity: 2 } } },
      ["emr.fleets.master: the master fleet runs exactly one node: targetOnDemandCapacity + targetSpotCapacity must be 1"],
    ],
    [
      "no core capacity",
      { fleets: { core: { targetOnDemandCapacity: 0 } } },
      ["emr.fleets.core: the core fleet needs capacity: targetOnDemandCapacity + targetSpotCapacity must be at least 1"],
    ],
    [
      "two task types",
      { fleets: { task: { instanceTypes: types("m5.xlarge", "r5.xlarge") } } },
      ["emr.fleets.task.instanceTypes: spot diversification needs at least 3 instance types across at least 2 families; got 2 types in 2 families (m5, r5)"],
    ],
    [
      "three task types of one family",
      { fleets: { task: { instanceTypes: types("m5.xlarge", "m5.2xlarge", "m5.4xlarge") } } },
      ["emr.fleets.task.instanceTypes: spot diversification needs at least 3 instance types across at least 2 families; got 3 types in 1 family (m5)"],
    ],
    [
      "unknown spot allocation strategy",
      { fleets: { task: { spotAllocationStrategy: "lowest-price" } } },
      ['emr.fleets.task.spotAllocationStrategy: Invalid option: expected one of "price-capacity-optimized"|"capacity-optimized"'],
    ],
    [
      "inconsistent managed-scaling limits",
      { managedScaling: { minimumCapacityUnits: 12, maximumCapacityUnits: 10, maximumCoreCapacityUnits: 11, maximumOnDemandCapacityUnits: 20 } },
      [
        "emr.managedScaling.minimumCapacityUnits: must be at most maximumCapacityUnits (10), got 12",
        "emr.managedScaling.maximumCoreCapacityUnits: must be at most maximumCapacityUnits (10), got 11",
        "emr.managedScaling.maximumOnDemandCapacityUnits: must be at most maximumCapacityUnits (10), got 20",
      ],
    ],
    ["idle timeout under a minute", { idleTimeoutSeconds: 59 }, ["emr.idleTimeoutSeconds: Too small: expected number to be >=60"]],
    ["idle timeout over 7 days", { idleTimeoutSeconds: 604801 }, ["emr.idleTimeoutSeconds: Too big: expected number to be <=604800"]],
    ["no step concurrency", { stepConcurrencyLevel: 0 }, ["emr.stepConcurrencyLevel: Too small: expected number to be >=1"]],
    [
      "user-supplied certificate without its location",
      { inTransitEncryption: { enabled: true, certificateSource: "s3" } },
      ["emr.inTransitEncryption.certificateS3Uri: required when certificateSource is s3: the s3:// URI of a zip of PEM files"],
    ],
    [
      "certificate location that is not an S3 zip",
      { inTransitEncryption: { enabled: true, certificateSource: "s3", certificateS3Uri: "https://example.com/certs.zip" } },
      ["emr.inTransitEncryption.certificateS3Uri: expected an s3:// URI of a .zip of PEM files"],
    ],
    [
      "certificate location with a generated certificate",
      { inTransitEncryption: { enabled: true, certificateSource: "generated", certificateS3Uri: "s3://my-certs/emr.zip" } },
      ["emr.inTransitEncryption.certificateS3Uri: only used when certificateSource is s3; remove it or set certificateSource: s3"],
    ],
  ];

  it.each(cases)("%s", (_name, emr, expected) => {
    expect(problems(devEmr(emr))).toEqual(expected);
  });

  it("accepts the EC2 naming forms: nano to metal, numbered sizes, metal-Nxl, hyphenated families", () => {
    const ok = types("t3.nano", "t3.micro", "t3.small", "t3.medium", "m5.large", "m5.xlarge", "m5.24xlarge", "m5.metal", "m7i.metal-48xl", "u-6tb1.metal");
    expect(() => parseEnvConfig(devEmr({ fleets: { ...dev.emr?.fleets, core: { instanceTypes: ok, targetOnDemandCapacity: 1 } } }))).not.toThrow();
  });

  it("overrides the profile's task types with a diversified list", () => {
    const cfg = parseEnvConfig(devEmr({ fleets: { task: { instanceTypes: types("c5.xlarge", "c6i.xlarge", "c5a.xlarge") } } }));
    expect(cfg.emr.fleets.task.instanceTypes?.map((t) => t.instanceType)).toEqual(["c5.xlarge", "c6i.xlarge", "c5a.xlarge"]);
  });
});

describe("the long-running cluster", () => {
  it("is off by default: no environment has a Terraform-owned cluster", () => {
    expect(parseEnvConfig(dev).emr.longRunningCluster.enabled).toBe(false);
    expect(parseEnvConfig(prod).emr.longRunningCluster.enabled).toBe(false);
  });

  it("refuses auto-termination, and says why", () => {
    expect(problems(devEmr({ longRunningCluster: { enabled: true, idleTimeoutSeconds: 3600 } }))).toEqual([
      "emr.longRunningCluster.idleTimeoutSeconds: a long-running cluster has no auto-termination: once EMR ends it, Terraform loses it and plans a new one against stale fleet and scaling resources; remove this, or let the pipeline's transient clusters (emr.idleTimeoutSeconds) do the work",
    ]);
  });
});

describe("platform-owned Spark and YARN settings", () => {
  // Every key the configuration builder fixes, read from the builder itself: a key added
  // there is refused here without touching the schema.
  const owned = [
    ...Object.entries(FIXED_SPARK_DEFAULTS).map(([key, value]) => ["sparkDefaults", key, value] as const),
    ...Object.entries(FIXED_YARN_SITE).map(([key, value]) => ["yarnSite", key, value] as const),
  ];

  it("covers at least the six Spark and one YARN setting the platform fixes", () => {
    expect(owned.map(([, key]) => key)).toEqual(
      expect.arrayContaining([
        "spark.dynamicAllocation.enabled",
        "spark.shuffle.service.enabled",
        "spark.sql.adaptive.enabled",
        "spark.sql.adaptive.coalescePartitions.enabled",
        "spark.sql.adaptive.skewJoin.enabled",
        "spark.sql.hive.manageFilesourcePartitions",
        "yarn.nodemanager.vmem-check-enabled",
      ]),
    );
  });

  it.each(owned)("%s may not override %s", (section, key, value) => {
    expect(problems(devEmr({ [section]: { [key]: "anything" } }))).toEqual([
      `emr.${section}.${key}: ${key} is owned by the platform (always "${value}"); remove it`,
    ]);
  });

  it("other keys are overrides, applied on top of the profile", () => {
    const cfg = parseEnvConfig(devEmr({ sparkDefaults: { "spark.sql.shuffle.partitions": "400" }, yarnSite: { "yarn.scheduler.maximum-allocation-mb": "30720" } }));
    expect(cfg.emr.sparkDefaults).toEqual({ "spark.sql.shuffle.partitions": "400" });
    expect(cfg.emr.yarnSite).toEqual({ "yarn.scheduler.maximum-allocation-mb": "30720" });
  });
});

describe("monitoring field validation", () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ["a malformed e-mail address", { alarmEmails: ["ops@example.com", "not-an-address"] }, ["monitoring.alarmEmails.1: expected an e-mail address"]],
    // Each address is one SNS subscription, named after it: a repeat would subscribe twice.
    ["an address twice, in another case", { alarmEmails: ["ops@example.com", "Ops@Example.com"] }, ["monitoring.alarmEmails.1: Ops@Example.com is listed twice (addresses are compared without case)"]],
    ["a zero budget", { monthlyBudgetUsd: 0 }, ["monitoring.monthlyBudgetUsd: Too small: expected number to be >0"]],
    ["an idle alarm longer than Metrics Insights looks back", { idleAlarmMinutes: 181 }, ["monitoring.idleAlarmMinutes: Too big: expected number to be <=180"]],
    ["an HDFS threshold over 100%", { hdfsUtilizationPercent: 120 }, ["monitoring.hdfsUtilizationPercent: Too big: expected number to be <=100"]],
    ["a typo", { alarmEmail: [] }, ["monitoring.alarmEmail: unknown key (not in the schema; check the spelling)"]],
  ])("%s", (_name, monitoring, expected) => {
    expect(problems({ ...dev, monitoring: { ...dev.monitoring, ...monitoring } })).toEqual(expected);
  });
});

describe("emr production rules", () => {
  it("prod rejects spot on master and core, an unprotected long-running cluster, no TLS in transit and no alarm recipient", () => {
    const lines = problems({
      ...prodEmr({
        longRunningCluster: { enabled: true, terminationProtection: false },
        inTransitEncryption: { enabled: false },
        fleets: {
          ...prod.emr?.fleets,
          master: { targetOnDemandCapacity: 0, targetSpotCapacity: 1 },
          core: { targetOnDemandCapacity: 2, targetSpotCapacity: 4 },
        },
      }),
      monitoring: { alarmEmails: [] },
    });
    expect(lines).toEqual([
      "emr.fleets.master.targetSpotCapacity: prod runs the master on on-demand only; set it to 0",
      "emr.fleets.core.targetSpotCapacity: prod runs core on on-demand only (HDFS lives on core nodes; spot belongs to the task fleet); set it to 0",
      "emr.longRunningCluster.terminationProtection: prod requires termination protection on a long-running cluster",
      "emr.inTransitEncryption.enabled: prod requires in-transit encryption",
      "monitoring.alarmEmails: prod requires at least one alarm e-mail recipient",
    ]);
  });

  it("the same settings are allowed in dev (spot core, no protection, no TLS, no recipients)", () => {
    expect(() =>
      parseEnvConfig({
        ...devEmr({
          longRunningCluster: { enabled: true, terminationProtection: false },
          inTransitEncryption: { enabled: false },
          fleets: { ...dev.emr?.fleets, core: { targetOnDemandCapacity: 1, targetSpotCapacity: 2 } },
        }),
        monitoring: { alarmEmails: [] },
      }),
    ).not.toThrow();
  });

  it("prod without a long-running cluster needs no termination protection setting at all", () => {
    expect(() => parseEnvConfig(prodEmr({ longRunningCluster: { enabled: false, terminationProtection: false } }))).not.toThrow();
  });

  it("prod accepts a user-supplied certificate zip", () => {
    const cfg = parseEnvConfig(
      prodEmr({ inTransitEncryption: { enabled: true, certificateSource: "s3", certificateS3Uri: "s3://acme-pki/emr/prod.zip" } }),
    );
    expect(cfg.emr.inTransitEncryption.certificateS3Uri).toBe("s3://acme-pki/emr/prod.zip");
  });
});
