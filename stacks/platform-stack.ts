/**
 * PlatformStack: one environment of the MarketPulse platform. It turns a validated EnvConfig
 * into module props; modules never see the config itself.
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { join } from "node:path";
import { BUCKET_ROLES, LAKE_LAYERS, bucketName, databaseName, logGroupPrefix, stackName, type BucketRole } from "../envs/naming";
import { subnetCidrsOf, type BackendConfig, type EnvConfig } from "../envs/schema";
import { Catalog } from "../modules/catalog";
import { DataLake, LAKE_BUCKETS } from "../modules/data-lake";
import { EncryptionKey } from "../modules/encryption";
import { LogBucket } from "../modules/logging";
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
    out("spark_jobs_package", this.sparkJobs.packageUri, "Staged marketpulse_jobs.zip (--py-files)");
    out("emr_steps", JSON.stringify(this.sparkJobs.steps), `EMR step definitions per job; replace @DATE@ with YYYY-MM-DD`);
  }
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
