/**
 * toPlatformProps: the one place an environment's validated config becomes module props.
 * Pure (no constructs, no I/O), so it is tested without a synth. The stack adds only what a
 * config cannot hold: the constructs each module takes from its neighbours.
 */
import { join } from "node:path";
import { resolveInstanceTypes, resolveSoftwareSettings, type FleetName } from "../envs/emr-profiles";
import { EMR_PYSPARK_PYTHON } from "../envs/emr-releases";
import { contractMetric, LAKE_CONTRACT, type LakeContract, type LakeDataset } from "../envs/lake-contract";
import { LAKE_BUCKETS, platformNames, QUARANTINE_PREFIX, QUERY_RESULTS_PREFIX, type LakeBucket, type LakeLayer, type PlatformNames } from "../envs/naming";
import { scheduleEnabled, subnetCidrsOf, type EnvConfig } from "../envs/schema";
import type { AnalyticsProps } from "../modules/analytics";
import type { AwsEnvironment } from "../modules/arn";
import type { CatalogProps } from "../modules/catalog";
import type { DataLakeProps } from "../modules/data-lake";
import type { EmrProps } from "../modules/emr";
import type { EmrIamProps } from "../modules/emr-iam";
import type { EmrSecurityProps } from "../modules/emr-security";
import type { EncryptionKeyProps } from "../modules/encryption-key";
import type { LakeTableSpec, LakeTablesProps } from "../modules/lake-tables";
import type { LogBucketProps } from "../modules/log-bucket";
import type { MonitoringProps } from "../modules/monitoring";
import type { NetworkProps } from "../modules/network";
import type { PipelineProps } from "../modules/pipeline";
import { JOB_OUTPUT_LAYER, type RunFilesJob, type SparkJobsProps } from "../modules/spark-jobs";
import { savedQueries } from "./saved-queries";

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
  readonly emr: Omit<EmrProps, "iam" | "network" | "key" | "logs" | "security"> & {
    readonly security: Omit<EmrSecurityProps, "network" | "key" | "inTransitEncryption"> & {
      readonly inTransitEncryption: false | { readonly certificate: CertificateChoice };
    };
  };
  readonly pipeline: Omit<PipelineProps, "emr" | "emrIam" | "sparkJobs" | "lake" | "logs" | "key">;
  /** The contract's tables; each names the layer bucket it lives in. */
  readonly lakeTables: Omit<LakeTablesProps, "catalog" | "tables"> & {
    readonly tables: ReadonlyArray<Omit<LakeTableSpec, "bucket"> & { readonly bucket: LakeLayer }>;
  };
  readonly analytics: Omit<AnalyticsProps, "lake" | "catalog" | "key">;
  readonly monitoring: Omit<MonitoringProps, "key" | "emr" | "pipeline"> & {
    readonly emr: Omit<MonitoringProps["emr"], "longRunning">;
    readonly pipeline: Omit<NonNullable<MonitoringProps["pipeline"]>, "stateMachineArn" | "deadLetterQueueName">;
  };
  readonly sparkJobs: Omit<SparkJobsProps, "artifacts" | "key">;
}

/** The spark-jobs/ folder, staged by SparkJobs. */
export const SPARK_JOBS_DIR = join(__dirname, "..", "spark-jobs");

export function toPlatformProps(cfg: EnvConfig): PlatformProps {
  const names = platformNames(cfg);
  const env: AwsEnvironment = { accountId: cfg.accountId, region: cfg.region };
  const { emr } = cfg;
  const types = (f: FleetName) => resolveInstanceTypes(emr.workloadProfile, f, emr.fleets[f].instanceTypes);
  const tls = emr.inTransitEncryption;
  const scheduled = scheduleEnabled(cfg);
  const synthetic = cfg.pipeline.syntheticFeed;
  const defaultTags = {
    project: cfg.project,
    environment: cfg.environment,
    owner: cfg.owner,
    "cost-center": cfg.costCenter,
    "managed-by": "cdktf",
  };
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
      defaultTags,
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
      queryResults: { prefix: QUERY_RESULTS_PREFIX, expirationDays: cfg.analytics.queryResultRetentionDays },
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
      // With a synthetic feed the cluster writes Bronze too (the generate job).
      readLayers: synthetic.enabled ? [] : ["bronze"],
      writeLayers: synthetic.enabled ? ["bronze", "silver", "gold"] : ["silver", "gold"],
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
      fleets: {
        master: { ...emr.fleets.master, instanceTypes: types("master") },
        core: { ...emr.fleets.core, instanceTypes: types("core") },
        task: { ...emr.fleets.task, instanceTypes: types("task") },
      },
      managedScaling: emr.managedScaling,
      idleTimeoutSeconds: emr.idleTimeoutSeconds,
      stepConcurrencyLevel: emr.stepConcurrencyLevel,
      software: { ...resolveSoftwareSettings(emr.workloadProfile, emr), pysparkPython: EMR_PYSPARK_PYTHON },
      jobLogGroup: { name: names.logGroups.emrJobs, retentionDays: cfg.logging.logRetentionDays },
      tags: defaultTags,
      longRunning: emr.longRunningCluster.enabled ? { terminationProtection: emr.longRunningCluster.terminationProtection } : undefined,
    },
    pipeline: {
      env,
      names: {
        stateMachine: names.stateMachine,
        role: names.roles.pipeline,
        logGroup: names.logGroups.pipeline,
        schedule: names.schedule,
        schedulerRole: names.roles.scheduler,
        deadLetterQueue: names.deadLetterQueue,
        clusterNamePrefix: names.emrCluster,
      },
      environmentTag: { key: "environment", value: cfg.environment },
      metricNamespace: names.metricNamespace,
      dateLagDays: cfg.pipeline.dateLagDays,
      timeouts: {
        clusterStartMinutes: cfg.pipeline.clusterStartTimeoutMinutes,
        stepMinutes: cfg.pipeline.stepTimeoutMinutes,
        executionMinutes: cfg.pipeline.executionTimeoutMinutes,
      },
      queueCheckSeconds: cfg.pipeline.queueCheckSeconds,
      metricsJobs: metricsJobs(LAKE_CONTRACT),
      logRetentionDays: cfg.logging.logRetentionDays,
      schedule: {
        enabled: scheduled,
        expression: cfg.pipeline.schedule.expression,
        timezone: cfg.pipeline.schedule.timezone,
        flexibleWindowMinutes: cfg.pipeline.schedule.flexibleWindowMinutes,
        retryAttempts: cfg.pipeline.schedule.retryAttempts,
        maximumEventAgeSeconds: cfg.pipeline.schedule.maximumEventAgeMinutes * 60,
      },
    },
    monitoring: {
      env,
      names: {
        topic: names.alertsTopic,
        topicDisplayName: names.alertsTopicDisplayName,
        alarmPrefix: names.alarmPrefix,
        emrFailureRule: names.eventRules.emrFailures,
        pipelineFailureRule: names.eventRules.pipelineFailures,
        budget: names.budget,
      },
      emr: { clusterNamePrefix: names.emrCluster, stepNamePrefix: `${names.stepPrefix} ` },
      pipeline: {
        name: names.stateMachine,
        metricNamespace: names.metricNamespace,
        // Both alarms expect regular runs: without the schedule they would only ever fire.
        freshnessHours: scheduled ? cfg.pipeline.freshnessAlarmHours : undefined,
        noInputDays: scheduled ? cfg.pipeline.noInputAlarmDays : undefined,
      },
      dataQuality: dataQuality(LAKE_CONTRACT, names.metricNamespace, cfg.monitoring.maxQuarantinePercent),
      alarmEmails: cfg.monitoring.alarmEmails,
      hdfsUtilizationPercent: cfg.monitoring.hdfsUtilizationPercent,
      yarnMemoryAvailablePercent: cfg.monitoring.yarnMemoryAvailablePercent,
      idleAlarmMinutes: cfg.monitoring.idleAlarmMinutes,
      // `environment` is one of the provider's default_tags, so every tagged resource counts.
      budget: { monthlyUsd: cfg.monitoring.monthlyBudgetUsd, tag: { key: "environment", value: cfg.environment } },
    },
    lakeTables: { projectionStart: cfg.analytics.partitionProjectionStart, tables: LAKE_CONTRACT.datasets.map(lakeTable) },
    analytics: {
      env,
      names: { workgroup: names.athenaWorkgroup, analystRole: names.roles.analyst },
      resultsPrefix: QUERY_RESULTS_PREFIX,
      bytesScannedCutoffPerQuery: cfg.analytics.bytesScannedCutoffPerQueryMb * 1024 * 1024,
      savedQueries: savedQueries(LAKE_CONTRACT),
    },
    sparkJobs: {
      sourceDir: SPARK_JOBS_DIR,
      locations: names.lake,
      stepNamePrefix: names.stepPrefix,
      generate: synthetic.enabled
        ? { symbols: synthetic.symbols, seed: synthetic.seed, ticksPerHour: synthetic.ticksPerHour, defectRate: synthetic.defectRate }
        : undefined,
    },
  };
}

/** Where each root of the contract is: its layer's bucket and database, under a prefix for quarantine. */
const DATASET_ROOTS: Readonly<Record<LakeDataset["root"], { readonly layer: "silver" | "gold"; readonly prefix?: string }>> = {
  silver: { layer: "silver" },
  quarantine: { layer: "silver", prefix: QUARANTINE_PREFIX },
  gold: { layer: "gold" },
};

function lakeTable(d: LakeDataset): PlatformProps["lakeTables"]["tables"][number] {
  const root = DATASET_ROOTS[d.root];
  return {
    name: d.name,
    description: d.description,
    database: root.layer,
    bucket: root.layer,
    path: root.prefix ? `${root.prefix}/${d.path}` : d.path,
    columns: d.columns,
    partitionKeys: d.partition_keys,
  };
}

/** The cluster jobs that write a metrics file (those the contract lists metrics for). */
function metricsJobs(contract: LakeContract): RunFilesJob[] {
  const jobs = new Set(contract.metrics.map((m) => m.job));
  return Object.keys(JOB_OUTPUT_LAYER).filter((job): job is RunFilesJob => jobs.has(job));
}

/** The data-quality alarms' metrics, by their names in the contract (a rename fails the synth). */
function dataQuality(contract: LakeContract, namespace: string, maxQuarantinePercent: number): PlatformProps["monitoring"]["dataQuality"] {
  const share = contractMetric("QuarantineSharePercent", contract);
  return {
    namespace,
    job: share.job,
    datasets: share.datasets,
    metrics: {
      silverRows: contractMetric("SilverRows", contract).name,
      quarantineShare: share.name,
      invariantViolations: contractMetric("InvariantViolations", contract).name,
    },
    maxQuarantinePercent,
  };
}

function unvalidated(what: string): never {
  throw new Error(`unvalidated config: ${what}`);
}
