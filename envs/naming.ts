/**
 * The one naming module. Every physical name and location the stack creates comes from here,
 * so a name is validated (in the schema) exactly as it is built (in the stack), and no module
 * pieces a name together on its own.
 *
 * Bucket vocabulary, nested: a lake layer (bronze, silver, gold) is a lake bucket, a lake
 * bucket (the layers plus artifacts) is a bucket of the platform, and the log bucket is the one
 * platform bucket outside the lake.
 */

export const LAKE_LAYERS = ["bronze", "silver", "gold"] as const;
/** A data layer of the lake. */
export type LakeLayer = (typeof LAKE_LAYERS)[number];

export const LAKE_BUCKETS = [...LAKE_LAYERS, "artifacts"] as const;
/** A bucket of the lake: a layer, or the artifacts bucket (staged code and certificates). */
export type LakeBucket = (typeof LAKE_BUCKETS)[number];

export const BUCKET_ROLES = ["logs", ...LAKE_BUCKETS] as const;
/** Every bucket the platform owns: the lake's, and the log bucket. Each name contains its role. */
export type BucketRole = (typeof BUCKET_ROLES)[number];

/** Quarantined records live under this prefix of the silver bucket. */
export const QUARANTINE_PREFIX = "quarantine";

/** Athena writes query results under this prefix of the artifacts bucket; they expire. */
export const QUERY_RESULTS_PREFIX = "athena-results";

interface NamingInput {
  readonly project: string;
  readonly environment: string;
  readonly accountId: string;
  readonly dataLake: { readonly bucketPrefix?: string };
}

/** `<project>-<environment>`: the stack name and the prefix of most resource names. */
export function stackName(cfg: Pick<NamingInput, "project" | "environment">): string {
  return `${cfg.project}-${cfg.environment}`;
}

/** `<bucketPrefix>-<role>-<accountId>`; the account id keeps names globally unique. */
export function bucketName(cfg: NamingInput, role: BucketRole): string {
  const prefix = cfg.dataLake.bucketPrefix ?? stackName(cfg);
  return `${prefix}-${role}-${cfg.accountId}`;
}

/** Glue database names are lowercase with underscores (Athena and Spark SQL dislike hyphens). */
export function databaseName(cfg: Pick<NamingInput, "project" | "environment">, layer: LakeLayer): string {
  return `${cfg.project}_${cfg.environment}_${layer}`.replace(/-/g, "_");
}

/** Every name and location of one environment. */
export interface PlatformNames {
  readonly stack: string;
  /** KMS alias, without `alias/`. */
  readonly keyAlias: string;
  readonly buckets: Readonly<Record<BucketRole, string>>;
  readonly databases: Readonly<Record<LakeLayer, string>>;
  /** Where the jobs read and write, as s3:// URIs without a trailing slash. */
  readonly lake: Readonly<Record<LakeLayer | "quarantine", string>>;
  /** The only CloudWatch metric namespace the platform publishes to. */
  readonly metricNamespace: string;
  /** CloudWatch log groups. All live under `prefix`, which the key policy relies on. */
  readonly logGroups: {
    readonly prefix: string;
    readonly flowLogs: string;
    /** Prefix of the EMR groups the nodes may write to. */
    readonly emr: string;
    readonly emrJobs: string;
    readonly pipeline: string;
  };
  readonly roles: {
    readonly flowLogs: string;
    readonly emrService: string;
    readonly emrInstance: string;
    readonly pipeline: string;
    readonly scheduler: string;
    readonly analyst: string;
  };
  readonly athenaWorkgroup: string;
  readonly emrInstanceProfile: string;
  /** Security groups are created with these name prefixes (create_before_destroy). */
  readonly securityGroupPrefixes: {
    readonly endpoints: string;
    readonly emrMaster: string;
    readonly emrCore: string;
    readonly emrServiceAccess: string;
  };
  /** Name prefix of the EMR security configuration (it is replaced before the old one goes). */
  readonly emrSecurityConfigurationPrefix: string;
  /** A long-running cluster's name, and the prefix of every transient cluster's (`<prefix>-<run date>`). */
  readonly emrCluster: string;
  readonly stateMachine: string;
  readonly schedule: string;
  readonly deadLetterQueue: string;
  readonly alertsTopic: string;
  readonly alertsTopicDisplayName: string;
  /** Every alarm's name starts with this; the topic policy admits alarms by it. */
  readonly alarmPrefix: string;
  readonly eventRules: { readonly emrFailures: string; readonly pipelineFailures: string };
  readonly budget: string;
  /** Prefix of spark-submit step names. */
  readonly stepPrefix: string;
}

/** Every name of an environment, from its (validated) config. */
export function platformNames(cfg: NamingInput): PlatformNames {
  const stack = stackName(cfg);
  const buckets = Object.fromEntries(BUCKET_ROLES.map((r) => [r, bucketName(cfg, r)])) as Record<BucketRole, string>;
  const logs = `/${cfg.project}/${cfg.environment}`;
  return {
    stack,
    keyAlias: stack,
    buckets,
    databases: Object.fromEntries(LAKE_LAYERS.map((l) => [l, databaseName(cfg, l)])) as Record<LakeLayer, string>,
    lake: {
      bronze: `s3://${buckets.bronze}`,
      silver: `s3://${buckets.silver}`,
      gold: `s3://${buckets.gold}`,
      quarantine: `s3://${buckets.silver}/${QUARANTINE_PREFIX}`,
    },
    metricNamespace: `${cfg.project}/${cfg.environment}`,
    logGroups: {
      prefix: logs,
      flowLogs: `${logs}/vpc-flow-logs`,
      emr: `${logs}/emr`,
      emrJobs: `${logs}/emr/jobs`,
      pipeline: `${logs}/pipeline`,
    },
    roles: {
      flowLogs: `${stack}-vpc-flow-logs`,
      emrService: `${stack}-emr-service`,
      emrInstance: `${stack}-emr-instance`,
      pipeline: `${stack}-pipeline`,
      scheduler: `${stack}-pipeline-scheduler`,
      analyst: `${stack}-analyst`,
    },
    athenaWorkgroup: `${stack}-analytics`,
    emrInstanceProfile: `${stack}-emr-instance`,
    securityGroupPrefixes: {
      endpoints: `${stack}-vpc-endpoints-`,
      emrMaster: `${stack}-emr-master-`,
      emrCore: `${stack}-emr-core-`,
      emrServiceAccess: `${stack}-emr-service-access-`,
    },
    emrSecurityConfigurationPrefix: `${stack}-`,
    emrCluster: stack,
    stateMachine: `${stack}-pipeline`,
    schedule: `${stack}-pipeline`,
    deadLetterQueue: `${stack}-pipeline-dlq`,
    alertsTopic: `${stack}-alerts`,
    alertsTopicDisplayName: `MarketPulse ${stack} alerts`,
    alarmPrefix: `${stack}-`,
    eventRules: { emrFailures: `${stack}-emr-failures`, pipelineFailures: `${stack}-pipeline-failures` },
    budget: `${stack}-monthly`,
    stepPrefix: stack,
  };
}
