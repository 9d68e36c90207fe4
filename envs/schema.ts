/**
 * The environment configuration schema: the single source of truth for what an environment
 * may say. Every object is strict (an unknown key is an error, so typos are caught), every
 * field is described with its default, and every rule that spans fields is a refinement here.
 *
 * docs/configuration.md and docs/env-config.schema.json are generated from this file
 * (`npm run docs:config`); a test fails when they are stale.
 */
import { z } from "zod";
import { capacity, carveSubnets, contains, formatCidr, overlaps, parseCidr } from "./cidr";
import { DEFAULT_EMR_RELEASE, EMR_RELEASE_LABELS } from "./emr-releases";
import { WORKLOAD_PROFILES, instanceFamily, resolveInstanceTypes, type FleetName } from "./emr-profiles";
import { BUCKET_ROLES, bucketName } from "./naming";

/** AWS commercial-partition regions (no GovCloud, no China). */
export const COMMERCIAL_REGIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2",
  "af-south-1",
  "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
  "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
  "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
  "ca-central-1", "ca-west-1",
  "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
  "eu-south-1", "eu-south-2", "eu-north-1",
  "il-central-1", "me-south-1", "me-central-1", "mx-central-1", "sa-east-1",
] as const;

/** Interface endpoints the network module knows how to create. */
export const INTERFACE_ENDPOINT_SERVICES = [
  "sts", "ec2", "logs", "kms", "glue", "ssm", "ssmmessages", "ec2messages",
  "elasticmapreduce", "monitoring", "events", "sns", "secretsmanager", "lakeformation", "athena",
] as const;

/** What EMR nodes in a private subnet need to reach AWS without a NAT gateway. */
export const DEFAULT_INTERFACE_ENDPOINTS: (typeof INTERFACE_ENDPOINT_SERVICES)[number][] = [
  "sts", "ec2", "logs", "kms", "glue", "ssm", "ssmmessages", "ec2messages", "elasticmapreduce", "monitoring",
];

/** Retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Environments held to production rules. */
export const PRODUCTION_ENVIRONMENTS = ["prod"] as const;

const logRetention = (def: number, what: string) =>
  z
    .number()
    .int()
    .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
      message: `must be one of the CloudWatch Logs retention values: ${LOG_RETENTION_DAYS.join(", ")}`,
    })
    .default(def)
    .describe(`${what}, in days. Default: ${def}.`);

const days = (min: number, max: number, def: number, what: string) =>
  z.number().int().min(min).max(max).default(def).describe(`${what}, in days (${min}-${max}). Default: ${def}.`);

const BUCKET_PREFIX = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;

const roleArn = z
  .string()
  .regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@\-/]{1,512}$/, "expected an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)");

const localBackend = z
  .strictObject({
    type: z.literal("local").describe("Local state file, the default: synth and plan work with nothing set up."),
    path: z
      .string()
      .min(1)
      .optional()
      .describe("State file path, relative to the stack folder. Default: terraform.<stack>.tfstate."),
  })
  .describe("Local state (development only).");

const s3Backend = z
  .strictObject({
    type: z.literal("s3"),
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "expected an S3 bucket name")
      .describe("State bucket. Required. Create it first (docs/operations.md)."),
    key: z
      .string()
      .regex(/^[\w!\-.*'()/]+\.tfstate$/, "expected an object key ending in .tfstate")
      .describe("State object key; unique per environment. Required."),
    region: z.enum(COMMERCIAL_REGIONS).describe("Region of the state bucket. Required."),
    roleArn: roleArn.optional().describe("Role the backend assumes to read and write state. Default: none."),
    useLockfile: z
      .literal(true)
      .default(true)
      .describe("S3-native state locking (use_lockfile). Must stay true. Default: true."),
    encrypt: z.literal(true).default(true).describe("Server-side encryption of the state object. Must stay true. Default: true."),
    kmsKeyId: z
      .string()
      .regex(/^arn:aws:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[\w/-]+$/, "expected a KMS key or alias ARN")
      .optional()
      .describe("KMS key for the state object. Default: SSE-S3."),
  })
  .describe("S3 state with S3-native locking and encryption.");

const cloudBackend = z
  .strictObject({
    type: z.literal("cloud"),
    organization: z.string().min(1).describe("Terraform Cloud / HCP Terraform organization. Required."),
    workspace: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,90}$/, "expected a workspace name (letters, digits, - and _)")
      .describe("Workspace of this environment; unique per environment. Required."),
    hostname: z.string().min(1).default("app.terraform.io").describe("Terraform Cloud / Enterprise host. Default: app.terraform.io."),
  })
  .describe("Terraform Cloud (HCP Terraform) workspace, CLI- or VCS-driven.");

export const backendSchema = z
  .discriminatedUnion("type", [localBackend, s3Backend, cloudBackend])
  .default({ type: "local" })
  .describe("Where Terraform state lives: local, s3 or cloud. Default: local.");

export const networkSchema = z
  .strictObject({
    vpcCidr: z
      .string()
      .refine((s) => parseCidr(s) !== undefined, "expected an IPv4 network in CIDR form, e.g. 10.20.0.0/16")
      .refine((s) => {
        const c = parseCidr(s);
        return c === undefined || (c.prefix >= 16 && c.prefix <= 24);
      }, "VPC prefix length must be between /16 and /24")
      .default("10.20.0.0/16")
      .describe("VPC CIDR block (/16 to /24). Default: 10.20.0.0/16."),
    azCount: z.number().int().min(2).max(6).default(3).describe("Availability zones to spread private subnets over (2-6). Default: 3."),
    subnetPrefixLength: z
      .number()
      .int()
      .min(16)
      .max(28)
      .default(20)
      .describe("Prefix length of each private subnet carved from the VPC CIDR (/16 to /28). Default: 20 (4,091 usable addresses)."),
    subnetCidrs: z
      .array(z.string().refine((s) => parseCidr(s) !== undefined, "expected an IPv4 network in CIDR form"))
      .optional()
      .describe("Explicit private subnet CIDRs, one per AZ; overrides subnetPrefixLength. Default: carved from vpcCidr."),
    interfaceEndpoints: z
      .array(z.enum(INTERFACE_ENDPOINT_SERVICES))
      .default(DEFAULT_INTERFACE_ENDPOINTS)
      .describe(`Interface VPC endpoints (private DNS on). Default: ${DEFAULT_INTERFACE_ENDPOINTS.join(", ")}.`),
    flowLogRetentionDays: logRetention(365, "Retention of the VPC flow-log group"),
  })
  .default({
    vpcCidr: "10.20.0.0/16",
    azCount: 3,
    subnetPrefixLength: 20,
    interfaceEndpoints: DEFAULT_INTERFACE_ENDPOINTS,
    flowLogRetentionDays: 365,
  })
  .describe("Private network: no public subnets, no internet or NAT gateway, VPC endpoints only.");

export const encryptionSchema = z
  .strictObject({
    keyDeletionWindowDays: days(7, 30, 30, "KMS key deletion window; prod requires 30"),
  })
  .default({ keyDeletionWindowDays: 30 })
  .describe("The environment's customer-managed KMS key.");

export const loggingSchema = z
  .strictObject({
    logBucketExpirationDays: days(1, 3650, 180, "Expiry of objects in the log bucket"),
    noncurrentVersionExpirationDays: days(1, 365, 30, "Expiry of noncurrent object versions in the log bucket"),
    logRetentionDays: logRetention(365, "Retention of the environment's CloudWatch log groups"),
  })
  .default({ logBucketExpirationDays: 180, noncurrentVersionExpirationDays: 30, logRetentionDays: 365 })
  .describe("The log bucket (EMR logs, S3 access logs) and CloudWatch log retention.");

export const dataLakeSchema = z
  .strictObject({
    bucketPrefix: z
      .string()
      .regex(BUCKET_PREFIX, "expected lowercase letters, digits and hyphens, not starting or ending with a hyphen")
      .optional()
      .describe("Prefix of every bucket name: <prefix>-<role>-<accountId>. Default: <project>-<environment>."),
    bronzeInfrequentAccessDays: days(30, 3650, 30, "Age at which bronze objects move to S3 Standard-IA (S3 minimum 30)"),
    bronzeGlacierDays: days(60, 3650, 90, "Age at which bronze objects move to Glacier Flexible Retrieval"),
    noncurrentVersionExpirationDays: days(1, 3650, 90, "Expiry of noncurrent object versions in every lake bucket"),
    abortIncompleteUploadDays: days(1, 30, 7, "Age after which incomplete multipart uploads are aborted in every bucket"),
    destroyProtection: z
      .boolean()
      .default(true)
      .describe("prevent_destroy on the bronze, silver and gold buckets; prod requires true. Default: true."),
  })
  .default({
    bronzeInfrequentAccessDays: 30,
    bronzeGlacierDays: 90,
    noncurrentVersionExpirationDays: 90,
    abortIncompleteUploadDays: 7,
    destroyProtection: true,
  })
  .describe("Bronze/silver/gold/artifacts buckets.");

/** EC2 instance type names: family (with generation and attributes), a dot, a size. */
export const INSTANCE_TYPE_PATTERN = /^[a-z][a-z0-9-]*\.(nano|micro|small|medium|large|xlarge|[0-9]+xlarge|metal(-[0-9]+xl)?)$/;

/** Applications the platform installs; Hadoop and Spark are always on. */
export const EMR_APPLICATIONS = ["Hadoop", "Spark", "Hive", "Livy", "JupyterEnterpriseGateway"] as const;
export const DEFAULT_EMR_APPLICATIONS: (typeof EMR_APPLICATIONS)[number][] = ["Hadoop", "Spark"];

/** spark-defaults the platform always sets; overriding them is an error, not a silent no-op. */
export const PLATFORM_SPARK_DEFAULTS = ["spark.dynamicAllocation.enabled", "spark.shuffle.service.enabled", "spark.sql.adaptive.enabled"] as const;

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

interface FleetDefaults {
  readonly ebsVolumeSizeGiB: number;
  readonly targetOnDemandCapacity: number;
  readonly targetSpotCapacity: number;
}

const fleetShape = (fleet: "master" | "core" | "task", d: FleetDefaults) => ({
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

const MASTER_DEFAULTS: FleetDefaults = { ebsVolumeSizeGiB: 64, targetOnDemandCapacity: 1, targetSpotCapacity: 0 };
const CORE_DEFAULTS: FleetDefaults = { ebsVolumeSizeGiB: 128, targetOnDemandCapacity: 2, targetSpotCapacity: 0 };
const TASK_DEFAULTS: FleetDefaults = { ebsVolumeSizeGiB: 64, targetOnDemandCapacity: 0, targetSpotCapacity: 2 };
const TASK_SPOT_DEFAULTS = { spotAllocationStrategy: "price-capacity-optimized" as const, spotTimeoutMinutes: 10 };

export const emrFleetsSchema = z
  .strictObject({
    master: z
      .strictObject(fleetShape("master", MASTER_DEFAULTS))
      .default(MASTER_DEFAULTS)
      .describe("Primary node fleet: exactly one node, on-demand."),
    core: z
      .strictObject(fleetShape("core", CORE_DEFAULTS))
      .default(CORE_DEFAULTS)
      .describe("Core fleet: runs HDFS DataNodes and executors; on-demand in prod."),
    task: z
      .strictObject({
        ...fleetShape("task", TASK_DEFAULTS),
        spotAllocationStrategy: z
          .enum(SPOT_ALLOCATION_STRATEGIES)
          .default(TASK_SPOT_DEFAULTS.spotAllocationStrategy)
          .describe("Spot allocation strategy of the task fleet. Default: price-capacity-optimized."),
        spotTimeoutMinutes: z
          .number()
          .int()
          .min(5)
          .max(1440)
          .default(TASK_SPOT_DEFAULTS.spotTimeoutMinutes)
          .describe("Minutes to wait for spot capacity before switching to on-demand (5-1440). Default: 10."),
      })
      .default({ ...TASK_DEFAULTS, ...TASK_SPOT_DEFAULTS })
      .describe("Task fleet: executors only, no HDFS; where spot capacity belongs."),
  })
  .default({ master: MASTER_DEFAULTS, core: CORE_DEFAULTS, task: { ...TASK_DEFAULTS, ...TASK_SPOT_DEFAULTS } })
  .describe("Instance fleets: master, core and task.");

const SCALING_DEFAULTS = {
  minimumCapacityUnits: 2,
  maximumCapacityUnits: 10,
  maximumCoreCapacityUnits: 2,
  maximumOnDemandCapacityUnits: 4,
};

const units = (what: string, def: number, min = 1) =>
  z.number().int().min(min).max(2000).default(def).describe(`${what}, in InstanceFleetUnits. Default: ${def}.`);

export const emrManagedScalingSchema = z
  .strictObject({
    minimumCapacityUnits: units("Fewest core + task units managed scaling keeps", SCALING_DEFAULTS.minimumCapacityUnits),
    maximumCapacityUnits: units("Most core + task units managed scaling may run", SCALING_DEFAULTS.maximumCapacityUnits),
    maximumCoreCapacityUnits: units("Most core units (the rest of maximumCapacityUnits can only be task)", SCALING_DEFAULTS.maximumCoreCapacityUnits),
    maximumOnDemandCapacityUnits: units(
      "Most on-demand units (anything above is spot)",
      SCALING_DEFAULTS.maximumOnDemandCapacityUnits,
      0,
    ),
  })
  .default(SCALING_DEFAULTS)
  .describe("EMR managed scaling limits (core and task only; the master is never scaled).");

const IN_TRANSIT_DEFAULTS = { enabled: true, certificateSource: "generated" as const };

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
  .default(IN_TRANSIT_DEFAULTS)
  .describe("In-transit encryption (EMR security configuration).");

const EMR_DEFAULTS = {
  releaseLabel: DEFAULT_EMR_RELEASE,
  applications: DEFAULT_EMR_APPLICATIONS,
  workloadProfile: "data-engineering" as const,
  fleets: {
    master: MASTER_DEFAULTS,
    core: CORE_DEFAULTS,
    task: { ...TASK_DEFAULTS, ...TASK_SPOT_DEFAULTS },
  },
  managedScaling: SCALING_DEFAULTS,
  idleTimeoutSeconds: 1800,
  terminationProtection: true,
  stepConcurrencyLevel: 1,
  inTransitEncryption: IN_TRANSIT_DEFAULTS,
  sparkDefaults: {},
  yarnSite: {},
};

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
      .describe("Auto-termination: seconds of idleness after which the cluster terminates (60 s to 7 days). Default: 1800 (30 minutes)."),
    terminationProtection: z
      .boolean()
      .default(true)
      .describe("EMR termination protection; prod requires true. Default: true."),
    stepConcurrencyLevel: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(1)
      .describe("Steps that may run at the same time (1-256). Default: 1."),
    inTransitEncryption: emrInTransitSchema,
    sparkDefaults: z
      .record(z.string().min(1), z.string())
      .default({})
      .describe("spark-defaults overriding the workload profile's (dynamic allocation and AQE are fixed). Default: none."),
    yarnSite: z
      .record(z.string().min(1), z.string())
      .default({})
      .describe("yarn-site properties overriding the workload profile's. Default: none."),
  })
  .default(EMR_DEFAULTS)
  .describe("The EMR cluster: release, applications, fleets, scaling, lifetime and encryption in transit.");

const MONITORING_DEFAULTS = {
  alarmEmails: [],
  monthlyBudgetUsd: 500,
  hdfsUtilizationPercent: 80,
  yarnMemoryAvailablePercent: 15,
  idleAlarmMinutes: 120,
};

export const monitoringSchema = z
  .strictObject({
    alarmEmails: z
      .array(z.email({ error: "expected an e-mail address" }))
      .default([])
      .describe("E-mail recipients of alarms, failed steps and budget alerts (each must confirm the SNS subscription); prod requires one. Default: none."),
    monthlyBudgetUsd: z
      .number()
      .positive()
      .max(1_000_000)
      .default(500)
      .describe("Monthly AWS Budgets cost limit for the environment, in USD. Default: 500."),
    hdfsUtilizationPercent: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(80)
      .describe("Alarm when HDFS utilisation exceeds this percentage. Default: 80."),
    yarnMemoryAvailablePercent: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(15)
      .describe("Alarm when YARN memory available drops below this percentage. Default: 15."),
    idleAlarmMinutes: z
      .number()
      .int()
      .min(5)
      .max(1440)
      .default(120)
      .describe("Cost alarm: the cluster has been idle this many minutes (5-1440; CloudWatch evaluates at most a day). Default: 120."),
  })
  .default(MONITORING_DEFAULTS)
  .describe("Alarms, notifications and the monthly budget.");

export const envConfigSchema = z
  .strictObject({
    project: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,14}[a-z0-9]$/, "expected 3-16 lowercase letters, digits or hyphens, starting with a letter")
      .default("marketpulse")
      .describe("Project prefix used in every name. Default: marketpulse."),
    environment: z
      .string()
      .regex(/^[a-z][a-z0-9]{1,9}$/, "expected 2-10 lowercase letters or digits, starting with a letter")
      .describe("Environment name; the stack is <project>-<environment>. `prod` is held to production rules. Required."),
    accountId: z.string().regex(/^\d{12}$/, "expected a 12-digit AWS account id").describe("The only AWS account this environment may deploy to (allowed_account_ids). Required."),
    region: z.enum(COMMERCIAL_REGIONS).describe("AWS commercial region. Required."),
    deployRoleArn: roleArn
      .optional()
      .describe("Role the AWS provider assumes to deploy; must be in accountId. Default: the caller's credentials."),
    owner: z.string().min(1).max(128).describe("Owner tag (team or person). Required."),
    costCenter: z.string().regex(/^[\w.:/=+\-@ ]{1,128}$/, "expected a tag value of 1-128 characters").describe("cost-center tag. Required."),
    backend: backendSchema,
    network: networkSchema,
    encryption: encryptionSchema,
    logging: loggingSchema,
    dataLake: dataLakeSchema,
    emr: emrSchema,
    monitoring: monitoringSchema,
  })
  .superRefine((cfg, ctx) => {
    const prod = isProduction(cfg.environment);
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });

    // Subnets: inside the VPC, one per AZ, not overlapping.
    const vpc = parseCidr(cfg.network.vpcCidr);
    if (vpc) {
      const { subnetCidrs, azCount, subnetPrefixLength } = cfg.network;
      if (subnetCidrs) {
        if (subnetCidrs.length !== azCount) {
          issue(["network", "subnetCidrs"], `expected ${azCount} subnets (one per AZ, azCount), got ${subnetCidrs.length}`);
        }
        const parsed = subnetCidrs.map(parseCidr);
        parsed.forEach((c, i) => {
          if (!c) return;
          if (!contains(vpc, c)) issue(["network", "subnetCidrs", i], `${subnetCidrs[i]} is not inside vpcCidr ${cfg.network.vpcCidr}`);
          if (c.prefix > 28) issue(["network", "subnetCidrs", i], "subnets must be /28 or larger");
          parsed.slice(0, i).forEach((other, j) => {
            if (other && overlaps(c, other)) issue(["network", "subnetCidrs", i], `${subnetCidrs[i]} overlaps subnetCidrs.${j} (${subnetCidrs[j]})`);
          });
        });
      } else if (capacity(vpc, subnetPrefixLength) < azCount) {
        issue(
          ["network", "subnetPrefixLength"],
          `${azCount} subnets of /${subnetPrefixLength} do not fit in ${cfg.network.vpcCidr}; use a longer prefix or a larger VPC`,
        );
      }
    }

    if (cfg.dataLake.bronzeGlacierDays < cfg.dataLake.bronzeInfrequentAccessDays + 30) {
      issue(["dataLake", "bronzeGlacierDays"], "must be at least 30 days after bronzeInfrequentAccessDays (Standard-IA minimum storage duration)");
    }

    // The deploy role must live in the account the environment is pinned to.
    if (cfg.deployRoleArn && cfg.deployRoleArn.split(":")[4] !== cfg.accountId) {
      issue(["deployRoleArn"], `must be a role in account ${cfg.accountId} (accountId)`);
    }

    // Bucket names: S3 rules and 63 characters, for every role (once the prefix itself is valid).
    const prefixOk = cfg.dataLake.bucketPrefix === undefined || BUCKET_PREFIX.test(cfg.dataLake.bucketPrefix);
    for (const role of prefixOk ? BUCKET_ROLES : []) {
      const name = bucketName(cfg, role);
      if (name.length > 63) {
        issue(["dataLake", "bucketPrefix"], `bucket name ${name} is ${name.length} characters; S3 allows 63`);
        break;
      }
      if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name) || name.includes("--")) {
        issue(["dataLake", "bucketPrefix"], `bucket name ${name} breaks S3 naming rules`);
        break;
      }
    }

    refineEmr(cfg.emr, prod, issue);
    if (prod && cfg.monitoring.alarmEmails.length === 0) {
      issue(["monitoring", "alarmEmails"], "prod requires at least one alarm e-mail recipient");
    }

    if (prod) {
      if (cfg.network.azCount < 2) issue(["network", "azCount"], "prod requires at least 2 AZs");
      if (cfg.encryption.keyDeletionWindowDays !== 30) {
        issue(["encryption", "keyDeletionWindowDays"], "prod requires a 30-day key deletion window");
      }
      if (!cfg.dataLake.destroyProtection) issue(["dataLake", "destroyProtection"], "prod requires destroy protection on data buckets");
      if (cfg.backend.type === "local") issue(["backend", "type"], "prod requires remote state (s3 or cloud), not local");
    }
  })
  .describe("One MarketPulse environment (one AWS account, one stack).");

type Issue = (path: (string | number)[], message: string) => void;

/** EMR rules that span fields. Paths are relative to the environment (`emr.…`). */
function refineEmr(emr: z.output<typeof emrSchema>, prod: boolean, issue: Issue): void {
  const apps = emr.applications;
  for (const required of DEFAULT_EMR_APPLICATIONS) {
    if (!apps.includes(required)) issue(["emr", "applications"], `must include ${required} (the platform runs Spark on YARN)`);
  }
  apps.forEach((app, i) => {
    if (apps.indexOf(app) !== i) issue(["emr", "applications", i], `${app} is listed twice`);
  });

  const { master, core, task } = emr.fleets;
  for (const [name, fleet] of Object.entries(emr.fleets) as [FleetName, typeof master][]) {
    const types = resolveInstanceTypes(emr.workloadProfile, name, fleet.instanceTypes);
    types.forEach((t, i) => {
      if (types.findIndex((o) => o.instanceType === t.instanceType) !== i) {
        issue(["emr", "fleets", name, "instanceTypes", i], `${t.instanceType} is listed twice`);
      }
    });
  }
  if (master.targetOnDemandCapacity + master.targetSpotCapacity !== 1) {
    issue(["emr", "fleets", "master"], "the master fleet runs exactly one node: targetOnDemandCapacity + targetSpotCapacity must be 1");
  }
  if (core.targetOnDemandCapacity + core.targetSpotCapacity < 1) {
    issue(["emr", "fleets", "core"], "the core fleet needs capacity: targetOnDemandCapacity + targetSpotCapacity must be at least 1");
  }

  // Spot diversification: one reclaimed pool must not take the whole task fleet with it.
  const taskTypes = resolveInstanceTypes(emr.workloadProfile, "task", task.instanceTypes);
  const families = [...new Set(taskTypes.map((t) => instanceFamily(t.instanceType)))];
  // An empty list is already reported by the fleet schema itself.
  if (taskTypes.length > 0 && (taskTypes.length < 3 || families.length < 2)) {
    issue(
      ["emr", "fleets", "task", "instanceTypes"],
      `spot diversification needs at least 3 instance types across at least 2 families; got ${taskTypes.length} ` +
        `type${taskTypes.length === 1 ? "" : "s"} in ${families.length} famil${families.length === 1 ? "y" : "ies"} (${families.join(", ")})`,
    );
  }

  const s = emr.managedScaling;
  const atMostMax = (key: keyof typeof s) => {
    if (s[key] > s.maximumCapacityUnits) {
      issue(["emr", "managedScaling", key], `must be at most maximumCapacityUnits (${s.maximumCapacityUnits}), got ${s[key]}`);
    }
  };
  atMostMax("minimumCapacityUnits");
  atMostMax("maximumCoreCapacityUnits");
  atMostMax("maximumOnDemandCapacityUnits");

  const t = emr.inTransitEncryption;
  if (t.enabled && t.certificateSource === "s3" && !t.certificateS3Uri) {
    issue(["emr", "inTransitEncryption", "certificateS3Uri"], "required when certificateSource is s3: the s3:// URI of a zip of PEM files");
  }
  if (t.certificateSource !== "s3" && t.certificateS3Uri) {
    issue(["emr", "inTransitEncryption", "certificateS3Uri"], "only used when certificateSource is s3; remove it or set certificateSource: s3");
  }

  for (const key of PLATFORM_SPARK_DEFAULTS) {
    if (key in emr.sparkDefaults) {
      issue(["emr", "sparkDefaults", key], "is set by the platform (dynamic allocation and AQE are always on); remove it");
    }
  }

  if (prod) {
    if (master.targetSpotCapacity > 0) {
      issue(["emr", "fleets", "master", "targetSpotCapacity"], "prod runs the master on on-demand only; set it to 0");
    }
    if (core.targetSpotCapacity > 0) {
      issue(
        ["emr", "fleets", "core", "targetSpotCapacity"],
        "prod runs core on on-demand only (HDFS lives on core nodes; spot belongs to the task fleet); set it to 0",
      );
    }
    if (!emr.terminationProtection) issue(["emr", "terminationProtection"], "prod requires termination protection");
    if (!t.enabled) issue(["emr", "inTransitEncryption", "enabled"], "prod requires in-transit encryption");
  }
}

/** Raw config as written in envs/<env>.ts (defaults optional). */
export type EnvConfigInput = z.input<typeof envConfigSchema>;
/** Validated config with every default filled in. */
export type EnvConfig = z.output<typeof envConfigSchema>;
export type BackendConfig = EnvConfig["backend"];
export type EmrConfig = EnvConfig["emr"];
export type MonitoringConfig = EnvConfig["monitoring"];

export function isProduction(environment: string): boolean {
  return (PRODUCTION_ENVIRONMENTS as readonly string[]).includes(environment);
}

/** Private subnet CIDRs of an environment: the explicit list, or carved from the VPC CIDR. */
export function subnetCidrsOf(network: EnvConfig["network"]): string[] {
  if (network.subnetCidrs) return network.subnetCidrs;
  const vpc = parseCidr(network.vpcCidr);
  if (!vpc) throw new Error(`unvalidated vpcCidr ${network.vpcCidr}`);
  return carveSubnets(vpc, network.subnetPrefixLength, network.azCount).map(formatCidr);
}
