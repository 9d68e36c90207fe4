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

/** Raw config as written in envs/<env>.ts (defaults optional). */
export type EnvConfigInput = z.input<typeof envConfigSchema>;
/** Validated config with every default filled in. */
export type EnvConfig = z.output<typeof envConfigSchema>;
export type BackendConfig = EnvConfig["backend"];

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
