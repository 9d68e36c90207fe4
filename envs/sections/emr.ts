/** `emr`: release, applications, fleets, scaling, lifetime and encryption in transit. */
import { z } from "zod";
import { FIXED_SPARK_DEFAULTS, FIXED_YARN_SITE } from "../../modules/emr-configurations";
import { DEFAULT_EMR_RELEASE, EMR_RELEASE_LABELS } from "../emr-releases";
import { WORKLOAD_PROFILES, instanceFamily, resolveInstanceTypes, type FleetName } from "../emr-profiles";
import type { ConfigRule, Problem } from "../rules";
import type { EnvConfig } from "../schema";
import { prodRule } from "./production";

/** EC2 instance type names: family (with generation and attributes), a dot, a size. */
export const INSTANCE_TYPE_PATTERN = /^[a-z][a-z0-9-]*\.(nano|micro|small|medium|large|xlarge|[0-9]+xlarge|metal(-[0-9]+xl)?)$/;

/** Applications the platform installs; Hadoop and Spark are always on. */
export const EMR_APPLICATIONS = ["Hadoop", "Spark", "Hive", "Livy", "JupyterEnterpriseGateway"] as const;
export const DEFAULT_EMR_APPLICATIONS: (typeof EMR_APPLICATIONS)[number][] = ["Hadoop", "Spark"];

export const SPOT_ALLOCATION_STRATEGIES = ["price-capacity-optimized", "capacity-optimized"] as const;

const instanceTypeWeight = z
  .strictObject({
    instanceType: z
      .string()
      .regex(INSTANCE_TYPE_PATTERN, "expected an EC2 instance type name such as m5.xlarge")
      .describe("EC2 instance type, e.g. m5.xlarge. Required."),
    weightedCapacity: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(1)
      .describe("InstanceFleetUnits one instance of this type counts for (1 per 4 vCPUs by convention). Default: 1."),
  })
  .describe("One instance type of a fleet and its weight.");

/** The fields every fleet has; each fleet declares its own defaults here, once. */
const fleetFields = (fleet: FleetName, d: { ebsVolumeSizeGiB: number; targetOnDemandCapacity: number; targetSpotCapacity: number }) => ({
  instanceTypes: z
    .array(instanceTypeWeight)
    .min(1, "expected at least one instance type")
    .max(30, "EMR accepts at most 30 instance types per fleet")
    .optional()
    .describe(`Instance types and weights of the ${fleet} fleet. Default: the workload profile's ${fleet} types.`),
  ebsVolumeSizeGiB: z
    .number()
    .int()
    .min(32)
    .max(16384)
    .default(d.ebsVolumeSizeGiB)
    .describe(`gp3 data volume per ${fleet} instance, in GiB (32-16384). Default: ${d.ebsVolumeSizeGiB}.`),
  targetOnDemandCapacity: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(d.targetOnDemandCapacity)
    .describe(`On-demand capacity of the ${fleet} fleet at launch, in InstanceFleetUnits. Default: ${d.targetOnDemandCapacity}.`),
  targetSpotCapacity: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(d.targetSpotCapacity)
    .describe(`Spot capacity of the ${fleet} fleet at launch, in InstanceFleetUnits. Default: ${d.targetSpotCapacity}.`),
});

export const emrFleetsSchema = z
  .strictObject({
    master: z
      .strictObject(fleetFields("master", { ebsVolumeSizeGiB: 64, targetOnDemandCapacity: 1, targetSpotCapacity: 0 }))
      .prefault({})
      .describe("Primary node fleet: exactly one node, on-demand."),
    core: z
      .strictObject(fleetFields("core", { ebsVolumeSizeGiB: 128, targetOnDemandCapacity: 2, targetSpotCapacity: 0 }))
      .prefault({})
      .describe("Core fleet: runs HDFS DataNodes and executors; on-demand in prod."),
    task: z
      .strictObject({
        ...fleetFields("task", { ebsVolumeSizeGiB: 64, targetOnDemandCapacity: 0, targetSpotCapacity: 2 }),
        spotAllocationStrategy: z
          .enum(SPOT_ALLOCATION_STRATEGIES)
          .default("price-capacity-optimized")
          .describe("Spot allocation strategy of the task fleet. Default: price-capacity-optimized."),
        spotTimeoutMinutes: z
          .number()
          .int()
          .min(5)
          .max(1440)
          .default(10)
          .describe("Minutes to wait for spot capacity before switching to on-demand (5-1440). Default: 10."),
      })
      .prefault({})
      .describe("Task fleet: executors only, no HDFS; where spot capacity belongs."),
  })
  .prefault({})
  .describe("Instance fleets: master, core and task.");

const units = (what: string, def: number, min = 1) =>
  z.number().int().min(min).max(2000).default(def).describe(`${what}, in InstanceFleetUnits. Default: ${def}.`);

export const emrManagedScalingSchema = z
  .strictObject({
    minimumCapacityUnits: units("Fewest core + task units managed scaling keeps", 2),
    maximumCapacityUnits: units("Most core + task units managed scaling may run", 10),
    maximumCoreCapacityUnits: units("Most core units (the rest of maximumCapacityUnits can only be task)", 2),
    maximumOnDemandCapacityUnits: units("Most on-demand units (anything above is spot)", 4, 0),
  })
  .prefault({})
  .describe("EMR managed scaling limits (core and task only; the master is never scaled).");

export const emrLongRunningSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        "A Terraform-owned cluster that stays up (interactive work, later streaming), beside the pipeline's transient clusters. It is billed for every hour it runs (docs/cost.md). Default: off.",
      ),
    terminationProtection: z.boolean().default(true).describe("EMR termination protection of the long-running cluster; prod requires true. Default: true."),
    idleTimeoutSeconds: z
      .number()
      .optional()
      .describe("Refused: a long-running cluster has no auto-termination (see the rule `long-running-no-auto-termination`). Default: none."),
  })
  .prefault({})
  .describe("The opt-in long-running cluster, launched from the same cluster specification as the pipeline's.");

export const emrInTransitSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe("TLS between cluster nodes and applications; prod requires true. Default: true."),
    certificateSource: z
      .enum(["generated", "s3"])
      .default("generated")
      .describe(
        "generated: the stack makes a self-signed certificate for the region's internal domain and stages it in the artifacts bucket; s3: a PEM zip you supply (certificateS3Uri). Default: generated.",
      ),
    certificateS3Uri: z
      .string()
      .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+\.zip$/, "expected an s3:// URI of a .zip of PEM files")
      .optional()
      .describe("s3:// URI of the zip of privateKey.pem, certificateChain.pem and trustedCertificates.pem; required when certificateSource is s3. Default: none."),
  })
  .prefault({})
  .describe("In-transit encryption (EMR security configuration).");

const platformOwned = (settings: Readonly<Record<string, string>>) =>
  Object.keys(settings)
    .map((k) => `\`${k}\``)
    .join(", ");

export const emrSchema = z
  .strictObject({
    releaseLabel: z
      .enum(EMR_RELEASE_LABELS, { error: `expected a supported EMR release (envs/emr-releases.ts): ${EMR_RELEASE_LABELS.join(", ")}` })
      .default(DEFAULT_EMR_RELEASE)
      .describe(`EMR release label, one of envs/emr-releases.ts. Default: ${DEFAULT_EMR_RELEASE}.`),
    applications: z
      .array(z.enum(EMR_APPLICATIONS))
      .default(DEFAULT_EMR_APPLICATIONS)
      .describe(`Applications to install: Hadoop and Spark always; optionally Hive, Livy, JupyterEnterpriseGateway. Default: ${DEFAULT_EMR_APPLICATIONS.join(", ")}.`),
    workloadProfile: z
      .enum(WORKLOAD_PROFILES)
      .default("data-engineering")
      .describe(`Preset of instance families and Spark/YARN settings (envs/emr-profiles.ts): ${WORKLOAD_PROFILES.join(", ")}. Default: data-engineering.`),
    fleets: emrFleetsSchema,
    managedScaling: emrManagedScalingSchema,
    idleTimeoutSeconds: z
      .number()
      .int()
      .min(60)
      .max(604800)
      .default(1800)
      .describe(
        "Auto-termination of the pipeline's transient clusters after this many idle seconds (60 s to 7 days): the backstop for a run whose terminate state never runs (timed out or stopped). Default: 1800 (30 minutes).",
      ),
    longRunningCluster: emrLongRunningSchema,
    stepConcurrencyLevel: z.number().int().min(1).max(256).default(1).describe("Steps that may run at the same time (1-256). Default: 1."),
    inTransitEncryption: emrInTransitSchema,
    sparkDefaults: z
      .record(z.string().min(1), z.string())
      .default({})
      .describe(`spark-defaults overriding the workload profile's; the platform's own (${platformOwned(FIXED_SPARK_DEFAULTS)}) cannot be overridden. Default: none.`),
    yarnSite: z
      .record(z.string().min(1), z.string())
      .default({})
      .describe(`yarn-site properties overriding the workload profile's; the platform's own (${platformOwned(FIXED_YARN_SITE)}) cannot be overridden. Default: none.`),
  })
  .prefault({})
  .describe("The EMR cluster: release, applications, fleets, scaling, lifetime and encryption in transit.");

export type EmrConfig = z.output<typeof emrSchema>;

/** Problems for every platform-owned key an override list sets. */
function ownedKeys(overrides: Readonly<Record<string, string>>, owned: Readonly<Record<string, string>>): Problem[] {
  return Object.keys(overrides)
    .filter((key) => key in owned)
    .map((key) => ({ at: [key], message: `${key} is owned by the platform (always "${owned[key]}"); remove it` }));
}

export const emrRules: ConfigRule<EnvConfig>[] = [
  {
    code: "spark-on-yarn",
    path: "emr.applications",
    description: "The applications include Hadoop and Spark, and none is listed twice.",
    check: ({ emr }) => [
      ...DEFAULT_EMR_APPLICATIONS.filter((a) => !emr.applications.includes(a)).map((a) => ({
        message: `must include ${a} (the platform runs Spark on YARN)`,
      })),
      ...emr.applications.flatMap((a, i) => (emr.applications.indexOf(a) !== i ? [{ at: [i], message: `${a} is listed twice` }] : [])),
    ],
  },
  {
    code: "fleet-types-unique",
    path: "emr.fleets",
    description: "No fleet lists an instance type twice (checked on the override, else on the workload profile's types).",
    check: ({ emr }) =>
      (Object.keys(emr.fleets) as FleetName[]).flatMap((name) => {
        const types = resolveInstanceTypes(emr.workloadProfile, name, emr.fleets[name].instanceTypes);
        return types.flatMap((t, i) =>
          types.findIndex((o) => o.instanceType === t.instanceType) !== i
            ? [{ at: [name, "instanceTypes", i], message: `${t.instanceType} is listed twice` }]
            : [],
        );
      }),
  },
  {
    code: "one-master",
    path: "emr.fleets.master",
    description: "The master fleet runs exactly one node: `targetOnDemandCapacity` + `targetSpotCapacity` = 1.",
    check: ({ emr: { fleets: f } }) =>
      f.master.targetOnDemandCapacity + f.master.targetSpotCapacity !== 1
        ? [{ message: "the master fleet runs exactly one node: targetOnDemandCapacity + targetSpotCapacity must be 1" }]
        : [],
  },
  {
    code: "core-capacity",
    path: "emr.fleets.core",
    description: "The core fleet has capacity: `targetOnDemandCapacity` + `targetSpotCapacity` is at least 1.",
    check: ({ emr: { fleets: f } }) =>
      f.core.targetOnDemandCapacity + f.core.targetSpotCapacity < 1
        ? [{ message: "the core fleet needs capacity: targetOnDemandCapacity + targetSpotCapacity must be at least 1" }]
        : [],
  },
  {
    code: "spot-diversification",
    path: "emr.fleets.task.instanceTypes",
    description: "The task fleet (spot) spans at least 3 instance types in at least 2 families, so one reclaimed pool cannot take it all.",
    check: ({ emr }) => {
      const types = resolveInstanceTypes(emr.workloadProfile, "task", emr.fleets.task.instanceTypes);
      const families = [...new Set(types.map((t) => instanceFamily(t.instanceType)))];
      // An empty list is already reported by the fleet schema itself.
      if (types.length === 0 || (types.length >= 3 && families.length >= 2)) return [];
      return [
        {
          message:
            `spot diversification needs at least 3 instance types across at least 2 families; got ${types.length} ` +
            `type${types.length === 1 ? "" : "s"} in ${families.length} famil${families.length === 1 ? "y" : "ies"} (${families.join(", ")})`,
        },
      ];
    },
  },
  {
    code: "scaling-limits",
    path: "emr.managedScaling",
    description: "`minimumCapacityUnits`, `maximumCoreCapacityUnits` and `maximumOnDemandCapacityUnits` are each at most `maximumCapacityUnits`.",
    check: ({ emr: { managedScaling: s } }) =>
      (["minimumCapacityUnits", "maximumCoreCapacityUnits", "maximumOnDemandCapacityUnits"] as const)
        .filter((key) => s[key] > s.maximumCapacityUnits)
        .map((key) => ({ at: [key], message: `must be at most maximumCapacityUnits (${s.maximumCapacityUnits}), got ${s[key]}` })),
  },
  {
    code: "certificate-location",
    path: "emr.inTransitEncryption.certificateS3Uri",
    description: "`certificateS3Uri` is given exactly when `certificateSource` is `s3`.",
    check: ({ emr: { inTransitEncryption: t } }) => {
      if (t.enabled && t.certificateSource === "s3" && !t.certificateS3Uri) {
        return [{ message: "required when certificateSource is s3: the s3:// URI of a zip of PEM files" }];
      }
      if (t.certificateSource !== "s3" && t.certificateS3Uri) {
        return [{ message: "only used when certificateSource is s3; remove it or set certificateSource: s3" }];
      }
      return [];
    },
  },
  {
    code: "platform-spark-settings",
    path: "emr.sparkDefaults",
    description: `\`sparkDefaults\` may not set what the platform owns: ${platformOwned(FIXED_SPARK_DEFAULTS)}.`,
    check: ({ emr }) => ownedKeys(emr.sparkDefaults, FIXED_SPARK_DEFAULTS),
  },
  {
    code: "platform-yarn-settings",
    path: "emr.yarnSite",
    description: `\`yarnSite\` may not set what the platform owns: ${platformOwned(FIXED_YARN_SITE)}.`,
    check: ({ emr }) => ownedKeys(emr.yarnSite, FIXED_YARN_SITE),
  },
  prodRule(
    "prod-master-on-demand",
    "emr.fleets.master.targetSpotCapacity",
    "the master on on-demand only",
    (c) => c.emr.fleets.master.targetSpotCapacity > 0,
    "prod runs the master on on-demand only; set it to 0",
  ),
  prodRule(
    "prod-core-on-demand",
    "emr.fleets.core.targetSpotCapacity",
    "core nodes on on-demand only (HDFS lives on core nodes; spot belongs to the task fleet)",
    (c) => c.emr.fleets.core.targetSpotCapacity > 0,
    "prod runs core on on-demand only (HDFS lives on core nodes; spot belongs to the task fleet); set it to 0",
  ),
  {
    code: "long-running-no-auto-termination",
    path: "emr.longRunningCluster.idleTimeoutSeconds",
    description:
      "A long-running cluster has no auto-termination: when EMR ends it, Terraform drops it from state and the next plan creates a new cluster while the task fleet and scaling policy still name the old one (terraform-provider-aws #32248).",
    check: ({ emr }) =>
      emr.longRunningCluster.idleTimeoutSeconds === undefined
        ? []
        : [
            {
              message:
                "a long-running cluster has no auto-termination: once EMR ends it, Terraform loses it and plans a new one against stale fleet and scaling resources; remove this, or let the pipeline's transient clusters (emr.idleTimeoutSeconds) do the work",
            },
          ],
  },
  prodRule(
    "prod-termination-protection",
    "emr.longRunningCluster.terminationProtection",
    "termination protection on a long-running cluster",
    (c) => c.emr.longRunningCluster.enabled && !c.emr.longRunningCluster.terminationProtection,
  ),
  prodRule("prod-tls-in-transit", "emr.inTransitEncryption.enabled", "in-transit encryption", (c) => !c.emr.inTransitEncryption.enabled),
];
