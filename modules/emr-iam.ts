/**
 * EmrIam: the two roles an EMR cluster runs under.
 *
 * - The service role, assumed by EMR itself, carries the AWS managed
 *   AmazonEMRServicePolicy_v2 (which only acts on resources tagged
 *   `for-use-with-amazon-emr-managed-policies=true`) plus the one thing that policy leaves
 *   out: passing *this* instance role to EC2.
 * - The instance role (through its instance profile) is what Spark, YARN and the EMR agents on
 *   every node use. Its least-privilege inline policies come from the grant helpers of the
 *   constructs that own the resources (`lake.grantRead(role, "bronze")`), so each ARN comes
 *   from the resource itself and each grant brings the key permission it needs.
 *
 * Session Manager, not SSH: the instance role carries the Session Manager core actions as an
 * explicit inline statement set rather than the AWS managed AmazonSSMManagedInstanceCore
 * policy. The managed policy also grants ssm:GetParameter(s), ssm:GetDocument, ssm:PutInventory,
 * ec2messages:* and more on `Resource: "*"` (every parameter in the account, for instance);
 * port forwarding to the YARN and Spark UIs needs only the agent registration and the
 * ssmmessages channel actions below.
 *
 * Both roles are key users; the service role also gets the grant actions that EBS encryption
 * needs (EMR creates grants for EC2 to attach the volumes).
 */
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { Construct } from "constructs";
import type { LakeLayer } from "../envs/naming";
import { logGroupArn, managedPolicyArn, regionalArn, type AwsEnvironment } from "./arn";
import type { Catalog } from "./catalog";
import type { DataLake } from "./data-lake";
import type { EncryptionKey } from "./encryption-key";
import type { LogBucket } from "./log-bucket";
import { servicePrincipals } from "./policy-document";
import { Role } from "./role";

/** The AWS managed policy for the EMR service role (v2: tag-scoped, unlike the deprecated v1). */
export const EMR_SERVICE_POLICY_ARN = managedPolicyArn("service-role/AmazonEMRServicePolicy_v2");

/** What the SSM agent needs for Session Manager (and so port forwarding); nothing else. */
export const SESSION_MANAGER_CHANNEL_ACTIONS = [
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
];

export interface EmrIamProps {
  /** The roles' account and region: trust conditions and ARNs are pinned to them. Required. */
  readonly env: AwsEnvironment;
  /** Physical role names (envs/naming.ts). Required. */
  readonly roleNames: { readonly service: string; readonly instance: string };
  /** Name of the instance profile. Required. */
  readonly instanceProfileName: string;
  /** The environment key: both roles become key users. Required. */
  readonly key: EncryptionKey;
  /** Lake buckets; the instance role's S3 access comes from their grant helpers. Required. */
  readonly lake: DataLake;
  /** Log bucket; the instance role may write only under `logPrefix/`. Required. */
  readonly logs: LogBucket;
  /** Prefix of the cluster logs in the log bucket (the cluster's log_uri). Default: `emr`. */
  readonly logPrefix?: string;
  /** Glue catalog; the instance role's catalog access comes from its grant helper. Required. */
  readonly catalog: Catalog;
  /** Layers the cluster may only read. Default: bronze. */
  readonly readLayers?: readonly LakeLayer[];
  /** Layers the cluster reads and writes. Default: silver and gold. */
  readonly writeLayers?: readonly LakeLayer[];
  /** CloudWatch log groups the nodes may write to, as a name prefix, e.g. `/marketpulse/dev/emr`. Required. */
  readonly logGroupPrefix: string;
  /** The only CloudWatch metric namespaces the nodes may publish to. Required, at least one. */
  readonly metricNamespaces: readonly string[];
}

export class EmrIam extends Construct {
  readonly serviceRole: Role;
  readonly instanceRole: Role;
  readonly instanceProfile: IamInstanceProfile;
  readonly serviceRoleArn: string;
  readonly instanceRoleArn: string;
  readonly instanceProfileArn: string;
  /** Prefix of the cluster logs in the log bucket, as granted. */
  readonly logPrefix: string;

  constructor(scope: Construct, id: string, props: EmrIamProps) {
    super(scope, id);
    if (props.metricNamespaces.length === 0) throw new Error("EmrIam: metricNamespaces must name at least one namespace");
    this.logPrefix = props.logPrefix ?? "emr";
    const readLayers = props.readLayers ?? ["bronze"];
    const writeLayers = props.writeLayers ?? ["silver", "gold"];
    const { lake, logs, catalog, key, env } = props;

    // --- Service role -------------------------------------------------------------------
    this.serviceRole = new Role(this, "service-role", {
      roleName: props.roleNames.service,
      description: "Assumed by Amazon EMR to run the cluster (AmazonEMRServicePolicy_v2, tag-scoped)",
      grantSid: "EmrServiceRole",
      trustId: "service-trust",
      maxSessionDuration: 3600,
      assumedBy: [
        {
          effect: "Allow",
          principals: servicePrincipals("elasticmapreduce.amazonaws.com"),
          actions: ["sts:AssumeRole"],
          // Confused-deputy protection: only EMR acting for clusters of this account and region.
          condition: [
            { test: "StringEquals", variable: "aws:SourceAccount", values: [env.accountId] },
            { test: "ArnLike", variable: "aws:SourceArn", values: [regionalArn(env, "elasticmapreduce", "*")] },
          ],
        },
      ],
      policyIds: { "pass-instance-role": { policy: "service-pass-role", document: "service-pass-role-doc" } },
    });
    this.serviceRoleArn = this.serviceRole.arn;
    this.serviceRole.attachManagedPolicy("service-policy", EMR_SERVICE_POLICY_ARN);

    // --- Instance role ------------------------------------------------------------------
    const concern = (policyName: string, suffix: string) => ({
      [policyName]: { policy: `instance-${suffix}`, document: `instance-${suffix}-doc` },
    });
    this.instanceRole = new Role(this, "instance-role", {
      roleName: props.roleNames.instance,
      description: "EMR cluster nodes (instance profile): lake, catalog, key, logs, metrics, Session Manager",
      grantSid: "EmrInstanceRole",
      trustId: "instance-trust",
      maxSessionDuration: 3600,
      assumedBy: [{ effect: "Allow", principals: servicePrincipals("ec2.amazonaws.com"), actions: ["sts:AssumeRole"] }],
      // Ids from before the Role building block: they are Terraform addresses.
      policyIds: {
        ...concern("data-lake", "s3"),
        ...concern("glue-catalog", "glue"),
        ...concern("environment-key", "kms"),
        ...concern("logs-and-metrics", "observability"),
        ...concern("session-manager", "ssm"),
      },
    });
    this.instanceRoleArn = this.instanceRole.arn;
    this.instanceProfile = new IamInstanceProfile(this, "instance-profile", {
      name: props.instanceProfileName,
      role: this.instanceRole.name,
    });
    this.instanceProfileArn = this.instanceProfile.arn;

    // EMR passes the instance role to EC2 when it launches nodes; v2 of the managed policy only
    // allows passing a role literally named EMR_EC2_DefaultRole, so ours is granted here.
    this.serviceRole.addToPolicy("pass-instance-role", {
      sid: "PassInstanceRoleToEc2",
      effect: "Allow",
      actions: ["iam:PassRole"],
      resources: [this.instanceRole.arn],
      condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["ec2.amazonaws.com"] }],
    });

    const role = this.instanceRole;
    // EMRFS SSE-KMS, local-disk and log encryption all use the environment key.
    key.grantEncryptDecrypt(role);
    for (const layer of readLayers) lake.grantRead(role, layer);
    for (const layer of writeLayers) lake.grantReadWrite(role, layer);
    // Spark jobs, the TLS certificate zip and other staged artifacts.
    lake.grantRead(role, "artifacts");
    // EMR's log pusher writes <log_uri>/<cluster-id>/... with the node's credentials.
    logs.grantWrite(role, this.logPrefix, "WriteEmrLogs");
    // The tables are Terraform's (LakeTables); the jobs write files, so the catalog is read-only.
    catalog.grant(role, { read: [...readLayers, ...writeLayers], write: [] });
    catalog.grantSparkDefaultDatabase(role);

    const groups = logGroupArn(env, `${props.logGroupPrefix}/*`);
    role.addToPolicy(
      "logs-and-metrics",
      {
        // Groups are created by the stack (with KMS and retention), so no logs:CreateLogGroup.
        sid: "WriteEmrLogGroups",
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        resources: [groups, `${groups}:log-stream:*`],
      },
      {
        sid: "PutMetricsInOwnNamespace",
        effect: "Allow",
        actions: ["cloudwatch:PutMetricData"],
        // PutMetricData has no resource-level permissions; the namespace condition scopes it.
        resources: ["*"],
        condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: [...props.metricNamespaces] }],
      },
    );

    role.addToPolicy(
      "session-manager",
      {
        sid: "SsmAgentRegistration",
        effect: "Allow",
        actions: ["ssm:UpdateInstanceInformation"],
        // The agent registers the instance it runs on; scoped to this account's instances here.
        resources: [regionalArn(env, "ec2", "instance/*")],
      },
      {
        sid: "SessionManagerChannels",
        effect: "Allow",
        actions: SESSION_MANAGER_CHANNEL_ACTIONS,
        // ssmmessages has no resource-level permissions: "*" is the only accepted resource.
        resources: ["*"],
      },
    );

    key.grantEncryptDecrypt(this.serviceRole, { createGrants: true });
  }

  /** Every policy resource of both roles: a cluster waits for them (EMR validates the roles at launch). */
  get policies() {
    return [...this.serviceRole.policies, ...this.instanceRole.policies];
  }
}
