/**
 * toPlatformProps: the one place an environment's validated config becomes module props.
 * Pure (no constructs, no I/O), so it is tested without a synth. The stack adds only what a
 * config cannot hold: the constructs each module takes from its neighbours.
 */
import { join } from "node:path";
import { resolveInstanceTypes, resolveSoftwareSettings, type FleetName } from "../envs/emr-profiles";
import { EMR_PYSPARK_PYTHON } from "../envs/emr-releases";
import { LAKE_BUCKETS, platformNames, type LakeBucket, type PlatformNames } from "../envs/naming";
import { subnetCidrsOf, type EnvConfig } from "../envs/schema";
import type { AwsEnvironment } from "../modules/arn";
import type { CatalogProps } from "../modules/catalog";
import type { DataLakeProps } from "../modules/data-lake";
import type { EmrClusterProps } from "../modules/emr-cluster";
import type { EmrIamProps } from "../modules/emr-iam";
import type { EmrSecurityProps } from "../modules/emr-security";
import type { EncryptionKeyProps } from "../modules/encryption-key";
import type { LogBucketProps } from "../modules/log-bucket";
import type { MonitoringProps } from "../modules/monitoring";
import type { NetworkProps } from "../modules/network";
import type { SparkJobsProps } from "../modules/spark-jobs";

/** Where the in-transit certificate comes from; the stack supplies the bucket of a generated one. */
export type CertificateChoice = { readonly source: "generated" } | { readonly source: "s3"; readonly s3Uri: string };

/** The state backend, with every default resolved. */
export type BackendProps =
  | { readonly type: "local"; readonly path: string }
  | Exclude<EnvConfig["backend"], { type: "local" }>;

export interface PlatformProps {
  readonly stackName: string;
  readonly names: PlatformNames;
  readonly env: AwsEnvironment;
  readonly provider: {
    readonly region: string;
    readonly allowedAccountIds: string[];
    readonly assumeRole?: { readonly roleArn: string; readonly sessionName: string };
    readonly defaultTags: Readonly<Record<string, string>>;
  };
  readonly backend: BackendProps;
  /** The tls provider is configured only where the stack generates a certificate. */
  readonly generatesCertificate: boolean;
  readonly key: EncryptionKeyProps;
  readonly logs: LogBucketProps;
  readonly lake: Omit<DataLakeProps, "key" | "logBucket">;
  readonly catalog: Omit<CatalogProps, "key" | "buckets">;
  readonly network: Omit<NetworkProps, "key" | "projectBuckets">;
  readonly emrIam: Omit<EmrIamProps, "key" | "lake" | "logs" | "catalog">;
  readonly emr: Omit<EmrClusterProps, "iam" | "network" | "key" | "logs" | "security"> & {
    readonly security: Omit<EmrSecurityProps, "network" | "key" | "inTransitEncryption"> & {
      readonly inTransitEncryption: false | { readonly certificate: CertificateChoice };
    };
  };
  readonly monitoring: Omit<MonitoringProps, "key" | "cluster">;
  readonly sparkJobs: Omit<SparkJobsProps, "artifacts" | "key">;
}

/** The spark-jobs/ folder, staged by SparkJobs. */
export const SPARK_JOBS_DIR = join(__dirname, "..", "spark-jobs");

export function toPlatformProps(cfg: EnvConfig): PlatformProps {
  const names = platformNames(cfg);
  const env: AwsEnvironment = { accountId: cfg.accountId, region: cfg.region };
  const { emr } = cfg;
  const fleet = (f: FleetName) => ({ ...emr.fleets[f], instanceTypes: resolveInstanceTypes(emr.workloadProfile, f, emr.fleets[f].instanceTypes) });
  const tls = emr.inTransitEncryption;
  const certificate: CertificateChoice | undefined = !tls.enabled
    ? undefined
    : tls.certificateSource === "generated"
      ? { source: "generated" }
      : { source: "s3", s3Uri: tls.certificateS3Uri ?? unvalidated("certificateS3Uri is required when certificateSource is s3") };

  return {
    stackName: names.stack,
    names,
    env,
    provider: {
      region: cfg.region,
      // A plan or apply under credentials for any other account fails before touching it.
      allowedAccountIds: [cfg.accountId],
      assumeRole: cfg.deployRoleArn ? { roleArn: cfg.deployRoleArn, sessionName: `${names.stack}-deploy` } : undefined,
      defaultTags: {
        project: cfg.project,
        environment: cfg.environment,
        owner: cfg.owner,
        "cost-center": cfg.costCenter,
        "managed-by": "cdktf",
      },
    },
    backend: cfg.backend.type === "local" ? { type: "local", path: cfg.backend.path ?? `terraform.${names.stack}.tfstate` } : cfg.backend,
    generatesCertificate: certificate?.source === "generated",
    key: {
      alias: names.keyAlias,
      env,
      deletionWindowDays: cfg.encryption.keyDeletionWindowDays,
      logGroupPrefix: names.logGroups.prefix,
      deployerArn: cfg.deployRoleArn,
    },
    logs: {
      bucketName: names.buckets.logs,
      accountId: cfg.accountId,
      expirationDays: cfg.logging.logBucketExpirationDays,
      noncurrentVersionExpirationDays: cfg.logging.noncurrentVersionExpirationDays,
      abortIncompleteUploadDays: cfg.dataLake.abortIncompleteUploadDays,
    },
    lake: {
      bucketNames: Object.fromEntries(LAKE_BUCKETS.map((b) => [b, names.buckets[b]])) as Record<LakeBucket, string>,
      bronzeInfrequentAccessDays: cfg.dataLake.bronzeInfrequentAccessDays,
      bronzeGlacierDays: cfg.dataLake.bronzeGlacierDays,
      noncurrentVersionExpirationDays: cfg.dataLake.noncurrentVersionExpirationDays,
      abortIncompleteUploadDays: cfg.dataLake.abortIncompleteUploadDays,
      destroyProtection: cfg.dataLake.destroyProtection,
    },
    catalog: { env, databaseNames: names.databases },
    network: {
      namePrefix: names.stack,
      env,
      vpcCidr: cfg.network.vpcCidr,
      subnetCidrs: subnetCidrsOf(cfg.network),
      interfaceEndpoints: cfg.network.interfaceEndpoints,
      endpointSecurityGroupNamePrefix: names.securityGroupPrefixes.endpoints,
      flowLogGroupName: names.logGroups.flowLogs,
      flowLogRoleName: names.roles.flowLogs,
      flowLogRetentionDays: cfg.network.flowLogRetentionDays,
    },
    emrIam: {
      env,
      roleNames: { service: names.roles.emrService, instance: names.roles.emrInstance },
      instanceProfileName: names.emrInstanceProfile,
      logGroupPrefix: names.logGroups.emr,
      metricNamespaces: [names.metricNamespace],
    },
    emr: {
      clusterName: names.emrCluster,
      security: {
        namePrefix: names.stack,
        region: cfg.region,
        securityGroupNamePrefixes: {
          master: names.securityGroupPrefixes.emrMaster,
          core: names.securityGroupPrefixes.emrCore,
          serviceAccess: names.securityGroupPrefixes.emrServiceAccess,
        },
        securityConfigurationNamePrefix: names.emrSecurityConfigurationPrefix,
        inTransitEncryption: certificate ? { certificate } : false,
      },
      releaseLabel: emr.releaseLabel,
      applications: emr.applications,
      fleets: { master: fleet("master"), core: fleet("core"), task: fleet("task") },
      managedScaling: emr.managedScaling,
      idleTimeoutSeconds: emr.idleTimeoutSeconds,
      terminationProtection: emr.terminationProtection,
      stepConcurrencyLevel: emr.stepConcurrencyLevel,
      software: { ...resolveSoftwareSettings(emr.workloadProfile, emr), pysparkPython: EMR_PYSPARK_PYTHON },
      jobLogGroup: { name: names.logGroups.emrJobs, retentionDays: cfg.logging.logRetentionDays },
    },
    monitoring: {
      env,
      names: {
        topic: names.alertsTopic,
        topicDisplayName: names.alertsTopicDisplayName,
        alarmPrefix: names.alarmPrefix,
        failureRule: names.eventRules.emrFailures,
        budget: names.budget,
      },
      alarmEmails: cfg.monitoring.alarmEmails,
      hdfsUtilizationPercent: cfg.monitoring.hdfsUtilizationPercent,
      yarnMemoryAvailablePercent: cfg.monitoring.yarnMemoryAvailablePercent,
      idleAlarmMinutes: cfg.monitoring.idleAlarmMinutes,
      // `environment` is one of the provider's default_tags, so every tagged resource counts.
      budget: { monthlyUsd: cfg.monitoring.monthlyBudgetUsd, tag: { key: "environment", value: cfg.environment } },
    },
    sparkJobs: {
      sourceDir: SPARK_JOBS_DIR,
      locations: names.lake,
      stepNamePrefix: names.stepPrefix,
    },
  };
}

function unvalidated(what: string): never {
  throw new Error(`unvalidated config: ${what}`);
}
