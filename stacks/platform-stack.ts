/**
 * PlatformStack: one environment of the MarketPulse platform. It turns a validated EnvConfig
 * into module props; modules never see the config itself.
 */
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { join } from "node:path";
import { BUCKET_ROLES, LAKE_LAYERS, bucketName, databaseName, logGroupPrefix, stackName, type BucketRole } from "../envs/naming";
import { resolveInstanceTypes, resolveSoftwareSettings, type FleetName } from "../envs/emr-profiles";
import { EMR_PYSPARK_PYTHON } from "../envs/emr-releases";
import { subnetCidrsOf, type BackendConfig, type EmrConfig, type EnvConfig } from "../envs/schema";
import { Catalog } from "../modules/catalog";
import { DataLake, LAKE_BUCKETS } from "../modules/data-lake";
import { EmrCluster } from "../modules/emr";
import type { InTransitCertificate } from "../modules/emr-security";
import { EncryptionKey } from "../modules/encryption";
import { EmrIam } from "../modules/iam";
import { LogBucket } from "../modules/logging";
import { Monitoring } from "../modules/monitoring";
import { Network } from "../modules/network";
import { SparkJobs } from "../modules/spark-jobs";

export interface PlatformStackProps {
  readonly config: EnvConfig;
}

export class PlatformStack extends TerraformStack {
  readonly config: EnvConfig;
  readonly key: EncryptionKey;
  readonly logs: LogBucket;
  readonly lake: DataLake;
  readonly catalog: Catalog;
  readonly network: Network;
  readonly emrIam: EmrIam;
  readonly emr: EmrCluster;
  readonly monitoring: Monitoring;
  readonly sparkJobs: SparkJobs;

  constructor(scope: Construct, props: PlatformStackProps) {
    const cfg = props.config;
    const name = stackName(cfg);
    super(scope, name);
    this.config = cfg;

    new AwsProvider(this, "aws", {
      region: cfg.region,
      // A plan or apply under credentials for any other account fails before touching it.
      allowedAccountIds: [cfg.accountId],
      assumeRole: cfg.deployRoleArn ? [{ roleArn: cfg.deployRoleArn, sessionName: `${name}-deploy` }] : undefined,
      defaultTags: [
        {
          tags: {
            project: cfg.project,
            environment: cfg.environment,
            owner: cfg.owner,
            "cost-center": cfg.costCenter,
            "managed-by": "cdktf",
          },
        },
      ],
    });
    // The in-transit TLS certificate is generated and zipped in the stack (modules/emr-security.ts).
    new TlsProvider(this, "tls");
    new ArchiveProvider(this, "archive");
    configureBackend(this, name, cfg.backend);

    const names = Object.fromEntries(BUCKET_ROLES.map((r) => [r, bucketName(cfg, r)])) as Record<BucketRole, string>;

    this.key = new EncryptionKey(this, "kms", {
      alias: name,
      accountId: cfg.accountId,
      region: cfg.region,
      deletionWindowDays: cfg.encryption.keyDeletionWindowDays,
      logGroupPrefix: logGroupPrefix(cfg),
      deployerArn: cfg.deployRoleArn,
    });

    this.logs = new LogBucket(this, "logs", {
      bucketName: names.logs,
      accountId: cfg.accountId,
      sourceBucketNames: LAKE_BUCKETS.map((r) => names[r]),
      expirationDays: cfg.logging.logBucketExpirationDays,
      noncurrentVersionExpirationDays: cfg.logging.noncurrentVersionExpirationDays,
      abortIncompleteUploadDays: cfg.dataLake.abortIncompleteUploadDays,
    });

    this.lake = new DataLake(this, "lake", {
      bucketNames: { bronze: names.bronze, silver: names.silver, gold: names.gold, artifacts: names.artifacts },
      keyArn: this.key.keyArn,
      logBucket: this.logs,
      bronzeInfrequentAccessDays: cfg.dataLake.bronzeInfrequentAccessDays,
      bronzeGlacierDays: cfg.dataLake.bronzeGlacierDays,
      noncurrentVersionExpirationDays: cfg.dataLake.noncurrentVersionExpirationDays,
      abortIncompleteUploadDays: cfg.dataLake.abortIncompleteUploadDays,
      destroyProtection: cfg.dataLake.destroyProtection,
    });

    this.catalog = new Catalog(this, "catalog", {
      accountId: cfg.accountId,
      region: cfg.region,
      keyArn: this.key.keyArn,
      databases: Object.fromEntries(
        LAKE_LAYERS.map((l) => [l, { name: databaseName(cfg, l), locationUri: `s3://${names[l]}/` }]),
      ) as Record<(typeof LAKE_LAYERS)[number], { name: string; locationUri: string }>,
    });

    this.network = new Network(this, "network", {
      name,
      accountId: cfg.accountId,
      region: cfg.region,
      vpcCidr: cfg.network.vpcCidr,
      subnetCidrs: subnetCidrsOf(cfg.network),
      interfaceEndpoints: cfg.network.interfaceEndpoints,
      projectBucketArns: [this.logs.arn, ...this.lake.bucketArns],
      keyArn: this.key.keyArn,
      flowLogGroupName: `${logGroupPrefix(cfg)}/vpc-flow-logs`,
      flowLogRetentionDays: cfg.network.flowLogRetentionDays,
    });

    const emr = cfg.emr;
    const emrLogGroups = `${logGroupPrefix(cfg)}/emr`;
    const metricNamespace = `${cfg.project}/${cfg.environment}`;
    const fleet = (f: FleetName) => ({
      ...emr.fleets[f],
      instanceTypes: resolveInstanceTypes(emr.workloadProfile, f, emr.fleets[f].instanceTypes),
    });

    this.emrIam = new EmrIam(this, "emr-iam", {
      name,
      accountId: cfg.accountId,
      region: cfg.region,
      key: this.key,
      lake: this.lake,
      logs: this.logs,
      catalog: this.catalog,
      logGroupPrefix: emrLogGroups,
      metricNamespaces: [metricNamespace],
    });

    this.emr = new EmrCluster(this, "emr", {
      name,
      region: cfg.region,
      releaseLabel: emr.releaseLabel,
      applications: emr.applications,
      iam: this.emrIam,
      network: this.network,
      keyArn: this.key.keyArn,
      logs: this.logs,
      inTransitEncryption: emr.inTransitEncryption.enabled
        ? { certificate: certificateSource(emr.inTransitEncryption, this.lake.buckets.artifacts.name) }
        : false,
      fleets: { master: fleet("master"), core: fleet("core"), task: fleet("task") },
      managedScaling: emr.managedScaling,
      idleTimeoutSeconds: emr.idleTimeoutSeconds,
      terminationProtection: emr.terminationProtection,
      stepConcurrencyLevel: emr.stepConcurrencyLevel,
      software: { ...resolveSoftwareSettings(emr.workloadProfile, emr), pysparkPython: EMR_PYSPARK_PYTHON },
      jobLogGroup: { name: `${emrLogGroups}/jobs`, retentionDays: cfg.logging.logRetentionDays },
    });

    this.monitoring = new Monitoring(this, "monitoring", {
      name,
      accountId: cfg.accountId,
      region: cfg.region,
      key: this.key,
      alarmEmails: cfg.monitoring.alarmEmails,
      cluster: this.emr,
      hdfsUtilizationPercent: cfg.monitoring.hdfsUtilizationPercent,
      yarnMemoryAvailablePercent: cfg.monitoring.yarnMemoryAvailablePercent,
      idleAlarmMinutes: cfg.monitoring.idleAlarmMinutes,
      // `environment` is one of the provider's default_tags, so every tagged resource counts.
      budget: { monthlyUsd: cfg.monitoring.monthlyBudgetUsd, tag: { key: "environment", value: cfg.environment } },
    });

    this.sparkJobs = new SparkJobs(this, "spark-jobs", {
      name,
      sourceDir: join(__dirname, "..", "spark-jobs"),
      artifactsBucket: names.artifacts,
      keyArn: this.key.keyArn,
      locations: {
        bronze: `s3://${names.bronze}`,
        silver: `s3://${names.silver}`,
        gold: `s3://${names.gold}`,
        quarantine: `s3://${names.silver}/quarantine`,
      },
    });

    const out = (id: string, value: unknown, description: string) =>
      new TerraformOutput(this, id, { value, description });
    out("vpc_id", this.network.vpcId, "VPC id");
    out("private_subnet_ids", this.network.subnetIds, "Private subnet ids, one per AZ");
    out("s3_prefix_list_id", this.network.s3PrefixListId, "S3 managed prefix list, for security-group egress");
    out("kms_key_arn", this.key.keyArn, "ARN of the environment KMS key");
    out("kms_key_alias", this.key.aliasName, "Alias of the environment KMS key");
    out("log_bucket", this.logs.name, "Log bucket (EMR logs, S3 access logs)");
    for (const r of LAKE_BUCKETS) out(`${r}_bucket`, this.lake.buckets[r].name, `${r} bucket`);
    out("glue_databases", this.catalog.databaseNames, "Glue database names per lake layer");
    out("emr_cluster_id", this.emr.clusterId, "EMR cluster id (j-...), for add-steps and Session Manager");
    out("emr_service_role_arn", this.emrIam.serviceRoleArn, "EMR service role");
    out("emr_instance_role_arn", this.emrIam.instanceRoleArn, "EMR EC2 instance role");
    out("emr_instance_profile", this.emrIam.instanceProfile.name, "EMR EC2 instance profile");
    out(
      "emr_security_group_ids",
      {
        master: this.emr.security.masterSecurityGroup.id,
        core: this.emr.security.coreSecurityGroup.id,
        service_access: this.emr.security.serviceAccessSecurityGroup.id,
      },
      "EMR-managed security groups",
    );
    out("emr_job_log_group", this.emr.jobLogGroup.name, "CloudWatch log group for job logs");
    out("emr_metric_namespace", metricNamespace, "The only CloudWatch namespace the cluster may publish metrics to");
    out("alerts_topic_arn", this.monitoring.topicArn, "SNS topic for alarms, failed steps and budget alerts");
    out("spark_jobs_package", this.sparkJobs.packageUri, "Staged marketpulse_jobs.zip (--py-files)");
    out("emr_steps", JSON.stringify(this.sparkJobs.steps), `EMR step definitions per job; replace @DATE@ with YYYY-MM-DD`);
  }
}

/** The in-transit certificate source of an environment's EMR config. */
function certificateSource(t: EmrConfig["inTransitEncryption"], artifactsBucket: string): InTransitCertificate {
  if (t.certificateSource === "generated") return { source: "generated", bucket: artifactsBucket };
  if (!t.certificateS3Uri) throw new Error("unvalidated config: certificateS3Uri is required when certificateSource is s3");
  return { source: "s3", s3Uri: t.certificateS3Uri };
}

function configureBackend(stack: TerraformStack, name: string, backend: BackendConfig): void {
  switch (backend.type) {
    case "local":
      new LocalBackend(stack, { path: backend.path ?? `terraform.${name}.tfstate` });
      return;
    case "s3": {
      const s3 = new S3Backend(stack, {
        bucket: backend.bucket,
        key: backend.key,
        region: backend.region,
        encrypt: backend.encrypt,
        kmsKeyId: backend.kmsKeyId,
        assumeRole: backend.roleArn ? { roleArn: backend.roleArn } : undefined,
      });
      // cdktf 0.21's S3Backend predates S3-native locking; set the argument directly.
      s3.addOverride("use_lockfile", backend.useLockfile);
      return;
    }
    case "cloud":
      new CloudBackend(stack, {
        organization: backend.organization,
        hostname: backend.hostname,
        workspaces: new NamedCloudWorkspace(backend.workspace),
      });
      return;
  }
}
