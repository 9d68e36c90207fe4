/**
 * PlatformStack: one environment of the MarketPulse platform. It creates the providers and the
 * backend, wires the modules together (each takes the constructs it depends on) and declares
 * the outputs. Every value comes from toPlatformProps; nothing here reads the config.
 */
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { LAKE_BUCKETS } from "../envs/naming";
import type { EnvConfig } from "../envs/schema";
import { Analytics } from "../modules/analytics";
import { Catalog } from "../modules/catalog";
import { DataLake } from "../modules/data-lake";
import { Emr } from "../modules/emr";
import { minimumCoreNodes } from "../modules/emr-cluster-spec";
import { EmrIam } from "../modules/emr-iam";
import type { InTransitCertificate } from "../modules/emr-security";
import { EncryptionKey } from "../modules/encryption-key";
import { LakeTables } from "../modules/lake-tables";
import { LogBucket } from "../modules/log-bucket";
import { Monitoring } from "../modules/monitoring";
import { Network } from "../modules/network";
import { Pipeline } from "../modules/pipeline";
import type { SecureBucket } from "../modules/secure-bucket";
import { SparkJobs } from "../modules/spark-jobs";
import { toPlatformProps, type BackendProps, type PlatformProps } from "./platform-props";

export interface PlatformStackProps {
  readonly config: EnvConfig;
}

export class PlatformStack extends TerraformStack {
  readonly config: EnvConfig;
  readonly props: PlatformProps;
  readonly key: EncryptionKey;
  readonly logs: LogBucket;
  readonly lake: DataLake;
  readonly catalog: Catalog;
  readonly lakeTables: LakeTables;
  readonly analytics: Analytics;
  readonly network: Network;
  readonly emrIam: EmrIam;
  readonly emr: Emr;
  readonly sparkJobs: SparkJobs;
  readonly pipeline: Pipeline;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, { config }: PlatformStackProps) {
    const p = toPlatformProps(config);
    super(scope, p.stackName);
    this.config = config;
    this.props = p;

    new AwsProvider(this, "aws", {
      region: p.provider.region,
      allowedAccountIds: p.provider.allowedAccountIds,
      assumeRole: p.provider.assumeRole ? [p.provider.assumeRole] : undefined,
      defaultTags: [{ tags: p.provider.defaultTags }],
    });
    // The job package and the in-transit certificate are zipped when Terraform plans.
    new ArchiveProvider(this, "archive");
    if (p.generatesCertificate) new TlsProvider(this, "tls");
    configureBackend(this, p.backend);

    this.key = new EncryptionKey(this, "kms", p.key);
    this.logs = new LogBucket(this, "logs", p.logs);
    this.lake = new DataLake(this, "lake", { ...p.lake, key: this.key, logBucket: this.logs });
    this.catalog = new Catalog(this, "catalog", { ...p.catalog, key: this.key, buckets: this.lake.buckets });
    this.lakeTables = new LakeTables(this, "lake-tables", {
      ...p.lakeTables,
      catalog: this.catalog,
      tables: p.lakeTables.tables.map((t) => ({ ...t, bucket: this.lake.buckets[t.bucket] })),
    });
    this.analytics = new Analytics(this, "analytics", { ...p.analytics, lake: this.lake, catalog: this.catalog, key: this.key });
    this.network = new Network(this, "network", { ...p.network, key: this.key, projectBuckets: [this.logs.bucket, ...this.lake.all] });
    this.emrIam = new EmrIam(this, "emr-iam", { ...p.emrIam, key: this.key, lake: this.lake, logs: this.logs, catalog: this.catalog });

    this.emr = new Emr(this, "emr", {
      ...p.emr,
      security: { ...p.emr.security, inTransitEncryption: certificate(p.emr.security.inTransitEncryption, this.lake.buckets.artifacts) },
      iam: this.emrIam,
      network: this.network,
      key: this.key,
      logs: this.logs,
    });
    this.sparkJobs = new SparkJobs(this, "spark-jobs", { ...p.sparkJobs, artifacts: this.lake.buckets.artifacts, key: this.key });
    this.pipeline = new Pipeline(this, "pipeline", {
      ...p.pipeline,
      emr: this.emr,
      emrIam: this.emrIam,
      sparkJobs: this.sparkJobs,
      lake: this.lake,
      logs: this.logs,
      key: this.key,
    });
    const longRunning = this.emr.longRunning;
    this.monitoring = new Monitoring(this, "monitoring", {
      ...p.monitoring,
      key: this.key,
      emr: {
        ...p.monitoring.emr,
        longRunning: longRunning ? { clusterId: longRunning.cluster.id, minimumCoreNodes: minimumCoreNodes(longRunning.spec) } : undefined,
      },
      pipeline: {
        ...p.monitoring.pipeline,
        stateMachineArn: this.pipeline.stateMachine.arn,
        deadLetterQueueName: this.pipeline.deadLetterQueue.name,
      },
    });

    const out = (id: string, value: unknown, description: string) => new TerraformOutput(this, id, { value, description });
    out("vpc_id", this.network.vpcId, "VPC id");
    out("private_subnet_ids", this.network.subnetIds, "Private subnet ids, one per AZ");
    out("s3_prefix_list_id", this.network.s3PrefixListId, "S3 managed prefix list, for security-group egress");
    out("kms_key_arn", this.key.keyArn, "ARN of the environment KMS key");
    out("kms_key_alias", this.key.aliasName, "Alias of the environment KMS key");
    out("log_bucket", this.logs.name, "Log bucket (EMR logs, S3 access logs)");
    for (const b of LAKE_BUCKETS) out(`${b}_bucket`, this.lake.buckets[b].name, `${b} bucket`);
    out("glue_databases", this.catalog.databaseNames, "Glue database names per lake layer");
    out(
      "glue_tables",
      Object.values(this.lakeTables.tables).map((t) => `${t.databaseName}.${t.name}`),
      "Silver and Gold tables as database.table, partitions projected (Athena needs no crawler)",
    );
    out("athena_workgroup", this.analytics.workgroup.name, "Athena workgroup for analysts (results encrypted, scan cutoff enforced)");
    out("analyst_role_arn", this.analytics.analystRole.arn, "Role analysts assume to query Silver and Gold");
    if (longRunning) out("emr_cluster_id", longRunning.cluster.id, "The long-running EMR cluster's id (j-...), for add-steps and Session Manager");
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
    out("emr_metric_namespace", p.names.metricNamespace, "The only CloudWatch namespace the cluster may publish metrics to");
    out("alerts_topic_arn", this.monitoring.topicArn, "SNS topic for alarms, failed steps and budget alerts");
    out("spark_jobs_package", this.sparkJobs.packageUri, "Staged marketpulse_jobs.zip (--py-files)");
    out("pipeline_state_machine_arn", this.pipeline.stateMachine.arn, "The pipeline: npm run pipeline -- run --env <env> --date YYYY-MM-DD");
    out("pipeline_state_machine_name", this.pipeline.stateMachine.name, "Name of the pipeline state machine");
    out("pipeline_schedule", this.pipeline.schedule.name, "EventBridge Scheduler schedule of the pipeline (state ENABLED or DISABLED)");
    out("pipeline_dead_letter_queue", this.pipeline.deadLetterQueue.url, "Scheduled starts that could not be made");
    out("emr_steps", JSON.stringify(this.sparkJobs.steps), "EMR step definitions per job; replace @DATE@ with YYYY-MM-DD");
    out("emr_step_files", this.sparkJobs.stepFilesPath, "Folder (in the stack folder) of <job>.json files for aws emr add-steps --steps file://");
  }
}

/** The certificate choice, with a generated certificate staged to the artifacts bucket. */
function certificate(
  choice: PlatformProps["emr"]["security"]["inTransitEncryption"],
  artifacts: SecureBucket,
): false | { certificate: InTransitCertificate } {
  if (!choice) return false;
  const c = choice.certificate;
  return { certificate: c.source === "generated" ? { source: "generated", bucket: artifacts } : c };
}

function configureBackend(stack: TerraformStack, backend: BackendProps): void {
  switch (backend.type) {
    case "local":
      new LocalBackend(stack, { path: backend.path });
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
