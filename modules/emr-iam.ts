/**
 * EmrIam: the two roles an EMR cluster runs under.
 *
 * - The service role, assumed by EMR itself, carries the AWS managed
 *   AmazonEMRServicePolicy_v2 (which only acts on resources tagged
 *   `for-use-with-amazon-emr-managed-policies=true`) plus the one thing that policy leaves
 *   out: passing *this* instance role to EC2.
 * - The instance role (through its instance profile) is what Spark, YARN and the EMR agents on
 *   every node use. It gets least-privilege inline policies assembled from the grant helpers of
 *   the constructs that own the resources, so each ARN comes from the resource itself.
 *
 * Session Manager, not SSH: the instance role carries the Session Manager core actions as an
 * explicit inline statement set rather than the AWS managed AmazonSSMManagedInstanceCore
 * policy. The managed policy also grants ssm:GetParameter(s), ssm:GetDocument, ssm:PutInventory,
 * ec2messages:* and more on `Resource: "*"` (every parameter in the account, for instance);
 * port forwarding to the YARN and Spark UIs needs only the agent registration and the
 * ssmmessages channel actions below.
 *
 * Both roles are registered as users of the environment key; the service role also gets the
 * grant actions that EBS encryption needs (EMR creates grants for EC2 to attach the volumes).
 */
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import type { LakeLayer } from "../envs/naming";
import type { Catalog } from "./catalog";
import type { DataLake } from "./data-lake";
import type { EncryptionKey } from "./encryption";
import type { LogBucket } from "./logging";
import { PolicyDocument, servicePrincipals, type Statement } from "./policy";

/** The AWS managed policy for the EMR service role (v2: tag-scoped, unlike the deprecated v1). */
export const EMR_SERVICE_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2";

/** What the SSM agent needs for Session Manager (and so port forwarding); nothing else. */
export const SESSION_MANAGER_CHANNEL_ACTIONS = [
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
];

export interface EmrIamProps {
  /** Name prefix of the roles, e.g. `marketpulse-dev`. Required. */
  readonly name: string;
  /** The environment's account: trust conditions and ARNs are pinned to it. Required. */
  readonly accountId: string;
  /** The cluster's region: trust conditions and ARNs are pinned to it. Required. */
  readonly region: string;
  /** The environment key: both roles become key users. */
  readonly key: EncryptionKey;
  /** Lake buckets; the instance role's S3 access comes from their grant helpers. */
  readonly lake: DataLake;
  /** Log bucket; the instance role may write only under `logPrefix/`. */
  readonly logs: LogBucket;
  /** Prefix of the cluster logs in the log bucket (the cluster's log_uri). Default: `emr`. */
  readonly logPrefix?: string;
  /** Glue catalog; the instance role's catalog access comes from its grant helper. */
  readonly catalog: Catalog;
  /** Layers the cluster may only read. Default: bronze. */
  readonly readLayers?: LakeLayer[];
  /** Layers the cluster reads and writes. Default: silver and gold. */
  readonly writeLayers?: LakeLayer[];
  /** CloudWatch log groups the nodes may write to, as a name prefix, e.g. `/marketpulse/dev/emr`. */
  readonly logGroupPrefix: string;
  /** The only CloudWatch metric namespaces the nodes may publish to. Required, at least one. */
  readonly metricNamespaces: string[];
}

export class EmrIam extends Construct {
  readonly serviceRole: IamRole;
  readonly instanceRole: IamRole;
  readonly instanceProfile: IamInstanceProfile;
  readonly serviceRoleArn: string;
  readonly instanceRoleArn: string;
  readonly instanceProfileArn: string;
  /**
   * Every policy resource of both roles. A cluster must depend on these: EMR validates the
   * roles' permissions at launch, and Terraform would otherwise start the cluster as soon as
   * the bare roles exist.
   */
  readonly policies: (IamRolePolicy | IamRolePolicyAttachment)[] = [];

  constructor(scope: Construct, id: string, props: EmrIamProps) {
    super(scope, id);
    if (props.metricNamespaces.length === 0) throw new Error("EmrIam: metricNamespaces must name at least one namespace");
    const logPrefix = props.logPrefix ?? "emr";
    const readLayers = props.readLayers ?? ["bronze"];
    const writeLayers = props.writeLayers ?? ["silver", "gold"];

    // --- Service role -------------------------------------------------------------------
    const serviceTrust = new PolicyDocument(this, "service-trust", [
      {
        effect: "Allow",
        principals: servicePrincipals("elasticmapreduce.amazonaws.com"),
        actions: ["sts:AssumeRole"],
        // Confused-deputy protection: only EMR acting for clusters of this account and region.
        condition: [
          { test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] },
          {
            test: "ArnLike",
            variable: "aws:SourceArn",
            values: [`arn:aws:elasticmapreduce:${props.region}:${props.accountId}:*`],
          },
        ],
      },
    ]);
    this.serviceRole = new IamRole(this, "service-role", {
      name: `${props.name}-emr-service`,
      description: "Assumed by Amazon EMR to run the cluster (AmazonEMRServicePolicy_v2, tag-scoped)",
      assumeRolePolicy: serviceTrust.json,
      maxSessionDuration: 3600,
    });
    this.serviceRoleArn = this.serviceRole.arn;
    this.policies.push(
      new IamRolePolicyAttachment(this, "service-policy", { role: this.serviceRole.name, policyArn: EMR_SERVICE_POLICY_ARN }),
    );

    // --- Instance role ------------------------------------------------------------------
    const instanceTrust = new PolicyDocument(this, "instance-trust", [
      { effect: "Allow", principals: servicePrincipals("ec2.amazonaws.com"), actions: ["sts:AssumeRole"] },
    ]);
    this.instanceRole = new IamRole(this, "instance-role", {
      name: `${props.name}-emr-instance`,
      description: "EMR cluster nodes (instance profile): lake, catalog, key, logs, metrics, Session Manager",
      assumeRolePolicy: instanceTrust.json,
      maxSessionDuration: 3600,
    });
    this.instanceRoleArn = this.instanceRole.arn;
    this.instanceProfile = new IamInstanceProfile(this, "instance-profile", {
      name: `${props.name}-emr-instance`,
      role: this.instanceRole.name,
    });
    this.instanceProfileArn = this.instanceProfile.arn;

    // EMR passes the instance role to EC2 when it launches nodes; v2 of the managed policy only
    // allows passing a role literally named EMR_EC2_DefaultRole, so ours is granted here.
    this.inline("service-pass-role", this.serviceRole, "pass-instance-role", [
      {
        sid: "PassInstanceRoleToEc2",
        effect: "Allow",
        actions: ["iam:PassRole"],
        resources: [this.instanceRole.arn],
        condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["ec2.amazonaws.com"] }],
      },
    ]);

    const { lake, logs, catalog, key } = props;
    this.inline("instance-s3", this.instanceRole, "data-lake", [
      ...readLayers.flatMap((l) => lake.grantRead(l)),
      ...writeLayers.flatMap((l) => lake.grantReadWrite(l)),
      // Spark jobs, the TLS certificate zip and other staged artifacts.
      ...lake.grantRead("artifacts"),
      // EMR's log pusher writes <log_uri>/<cluster-id>/... with the node's credentials.
      ...logs.grantWritePrefix(logPrefix, "WriteEmrLogs"),
    ]);

    const glueBase = `arn:aws:glue:${props.region}:${props.accountId}`;
    this.inline("instance-glue", this.instanceRole, "glue-catalog", [
      ...catalog.grant({ read: readLayers, write: writeLayers }),
      {
        // Spark's session catalog looks up (and, when absent, creates) the `default` database
        // at start-up; with the Glue metastore that is a Glue call on `database/default`.
        sid: "GlueDefaultDatabase",
        effect: "Allow",
        actions: ["glue:GetDatabase", "glue:CreateDatabase"],
        resources: [`${glueBase}:catalog`, `${glueBase}:database/default`],
      },
    ]);

    // EMRFS SSE-KMS, local-disk and log encryption all use the environment key.
    this.inline("instance-kms", this.instanceRole, "environment-key", [key.grantUse()]);

    const logGroupArn = `arn:aws:logs:${props.region}:${props.accountId}:log-group:${props.logGroupPrefix}/*`;
    this.inline("instance-observability", this.instanceRole, "logs-and-metrics", [
      {
        // Groups are created by the stack (with KMS and retention), so no logs:CreateLogGroup.
        sid: "WriteEmrLogGroups",
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        resources: [logGroupArn, `${logGroupArn}:log-stream:*`],
      },
      {
        sid: "PutMetricsInOwnNamespace",
        effect: "Allow",
        actions: ["cloudwatch:PutMetricData"],
        // PutMetricData has no resource-level permissions; the namespace condition scopes it.
        resources: ["*"],
        condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: props.metricNamespaces }],
      },
    ]);

    this.inline("instance-ssm", this.instanceRole, "session-manager", [
      {
        sid: "SsmAgentRegistration",
        effect: "Allow",
        actions: ["ssm:UpdateInstanceInformation"],
        // The agent registers the instance it runs on; scoped to this account's instances here.
        resources: [`arn:aws:ec2:${props.region}:${props.accountId}:instance/*`],
      },
      {
        sid: "SessionManagerChannels",
        effect: "Allow",
        actions: SESSION_MANAGER_CHANNEL_ACTIONS,
        // ssmmessages has no resource-level permissions: "*" is the only accepted resource.
        resources: ["*"],
      },
    ]);

    key.addKeyUser("EmrServiceRole", this.serviceRole.arn, { grants: true });
    key.addKeyUser("EmrInstanceRole", this.instanceRole.arn);
  }

  private inline(id: string, role: IamRole, name: string, statements: Statement[]): void {
    const doc = new PolicyDocument(this, `${id}-doc`, statements);
    this.policies.push(new IamRolePolicy(this, id, { name, role: role.id, policy: doc.json }));
  }
}
