/**
 * EmrIam on a bare stack with its real neighbours (key, log bucket, data lake, catalog): the
 * service role (EMR's tag-scoped managed policy plus passing only this instance role to EC2)
 * and the instance role, whose least-privilege inline policies come from the neighbours' grants.
 */
import { describe, expect, it } from "vitest";
import { Catalog } from "../../modules/catalog";
import { DataLake } from "../../modules/data-lake";
import { EmrIam, type EmrIamProps } from "../../modules/emr-iam";
import { LogBucket } from "../../modules/log-bucket";
import { Role } from "../../modules/role";
import { TEST_ENV, bareStack, synthBare, testKey } from "../support/bare-stack";
import { policyDocFor, resource, resources, statementsBySid, type TerraformJson } from "../support/terraform-json";

const USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"];
const READ = ["s3:GetObject", "s3:GetObjectVersion"];
const READ_WRITE = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];
const KEY_ARN = /^\$\{aws_kms_key\.key_[0-9A-F]{8}\.arn\}$/;
const SERVICE_ROLE = /^emr-iam_service-role_[0-9A-F]{8}$/;
const INSTANCE_ROLE = /^emr-iam_instance-role_[0-9A-F]{8}$/;

function build(props: Partial<EmrIamProps> = {}) {
  const stack = bareStack();
  const key = testKey(stack);
  const logs = new LogBucket(stack, "logs", { bucketName: "test-logs", accountId: TEST_ENV.accountId });
  const lake = new DataLake(stack, "lake", {
    bucketNames: { bronze: "test-bronze", silver: "test-silver", gold: "test-gold", artifacts: "test-artifacts" },
    key,
    logBucket: logs,
  });
  const catalog = new Catalog(stack, "catalog", {
    env: TEST_ENV,
    databaseNames: { bronze: "test_bronze", silver: "test_silver", gold: "test_gold" },
    buckets: lake.buckets,
    key,
  });
  const iam = new EmrIam(stack, "emr-iam", {
    env: TEST_ENV,
    roleNames: { service: "test-emr-service", instance: "test-emr-instance" },
    instanceProfileName: "test-emr-instance",
    key,
    lake,
    logs,
    catalog,
    logGroupPrefix: "/test/emr",
    metricNamespaces: ["Test/Emr"],
    ...props,
  });
  return { stack, iam };
}

/** Terraform name of the one role whose name matches. */
function roleName(tf: TerraformJson, pattern: RegExp): string {
  const [found, ...more] = resources(tf, "aws_iam_role").filter(([n]) => pattern.test(n));
  if (!found || more.length > 0) throw new Error(`expected one aws_iam_role matching ${pattern}`);
  return found[0];
}

/** A role's inline policies: Terraform name and statements, by policy name. */
function inline(tf: TerraformJson, pattern: RegExp): Record<string, { address: string; statements: any[] }> {
  const ref = `\${aws_iam_role.${roleName(tf, pattern)}.id}`;
  return Object.fromEntries(
    resources(tf, "aws_iam_role_policy")
      .filter(([, p]) => p.role === ref)
      .map(([address, p]) => [p.name, { address, statements: policyDocFor(tf, p.policy).statement }]),
  );
}

const bucketArn = (layer: string) => new RegExp(`^\\$\\{aws_s3_bucket\\.lake_${layer}_bucket_[0-9A-F]{8}\\.arn\\}`);
const keyPolicy = (tf: TerraformJson) => statementsBySid(policyDocFor(tf, resource(tf, "aws_kms_key", "key").policy));

/** The catalog, and every layer's database and tables: what the instance role may read. */
const GLUE_EVERY_LAYER = [
  "arn:aws:glue:eu-central-1:123456789012:catalog",
  "arn:aws:glue:eu-central-1:123456789012:database/test_bronze",
  "arn:aws:glue:eu-central-1:123456789012:table/test_bronze/*",
  "arn:aws:glue:eu-central-1:123456789012:database/test_silver",
  "arn:aws:glue:eu-central-1:123456789012:table/test_silver/*",
  "arn:aws:glue:eu-central-1:123456789012:database/test_gold",
  "arn:aws:glue:eu-central-1:123456789012:table/test_gold/*",
];

describe("EmrIam defaults", () => {
  const { stack, iam } = build();
  const { tf, snapshot } = synthBare(stack);
  const service = inline(tf, SERVICE_ROLE);
  const instance = inline(tf, INSTANCE_ROLE);
  const lakeStatements = statementsBySid({ statement: instance["data-lake"].statements });

  it("matches its snapshot", async () => {
    await expect(snapshot).toMatchFileSnapshot("__snapshots__/emr-iam.tf.json");
  });

  it("has two roles, with the given names and one-hour sessions, and the instance profile on the instance role", () => {
    const serviceRole = tf.resource.aws_iam_role[roleName(tf, SERVICE_ROLE)];
    const instanceRole = tf.resource.aws_iam_role[roleName(tf, INSTANCE_ROLE)];
    expect(resources(tf, "aws_iam_role")).toHaveLength(2);
    expect(serviceRole).toMatchObject({ name: "test-emr-service", max_session_duration: 3600 });
    expect(instanceRole).toMatchObject({ name: "test-emr-instance", max_session_duration: 3600 });
    expect(resource(tf, "aws_iam_instance_profile", "emr-iam_instance-profile")).toEqual({
      name: "test-emr-instance",
      role: `\${aws_iam_role.${roleName(tf, INSTANCE_ROLE)}.name}`,
    });
    expect(iam.serviceRole).toBeInstanceOf(Role);
    expect(iam.instanceRole).toBeInstanceOf(Role);
  });

  it("the service role trusts only EMR, for clusters of this account and region", () => {
    const role = tf.resource.aws_iam_role[roleName(tf, SERVICE_ROLE)];
    expect(role.assume_role_policy).toMatch(/data\.aws_iam_policy_document\.emr-iam_service-trust_doc_[0-9A-F]{8}\.json/);
    expect(policyDocFor(tf, role.assume_role_policy).statement).toEqual([
      {
        effect: "Allow",
        principals: [{ type: "Service", identifiers: ["elasticmapreduce.amazonaws.com"] }],
        actions: ["sts:AssumeRole"],
        condition: [
          { test: "StringEquals", variable: "aws:SourceAccount", values: ["123456789012"] },
          { test: "ArnLike", variable: "aws:SourceArn", values: ["arn:aws:elasticmapreduce:eu-central-1:123456789012:*"] },
        ],
      },
    ]);
  });

  it("the instance role trusts EC2 only", () => {
    const role = tf.resource.aws_iam_role[roleName(tf, INSTANCE_ROLE)];
    expect(role.assume_role_policy).toMatch(/data\.aws_iam_policy_document\.emr-iam_instance-trust_doc_[0-9A-F]{8}\.json/);
    expect(policyDocFor(tf, role.assume_role_policy).statement).toEqual([
      { effect: "Allow", principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }], actions: ["sts:AssumeRole"] },
    ]);
  });

  it("the service role has AmazonEMRServicePolicy_v2 attached, and no role has any other managed policy", () => {
    expect(resources(tf, "aws_iam_role_policy_attachment").map(([n, a]) => [n, a])).toEqual([
      [
        expect.stringMatching(/^emr-iam_service-policy_[0-9A-F]{8}$/),
        { role: `\${aws_iam_role.${roleName(tf, SERVICE_ROLE)}.name}`, policy_arn: "arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2" },
      ],
    ]);
  });

  it("the service role may pass only the instance role, and only to EC2", () => {
    expect(Object.keys(service).sort()).toEqual(["environment-key", "pass-instance-role"]);
    expect(service["pass-instance-role"].address).toMatch(/^emr-iam_service-pass-role_[0-9A-F]{8}$/);
    expect(service["pass-instance-role"].statements).toEqual([
      {
        sid: "PassInstanceRoleToEc2",
        effect: "Allow",
        actions: ["iam:PassRole"],
        resources: [`\${aws_iam_role.${roleName(tf, INSTANCE_ROLE)}.arn}`],
        condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["ec2.amazonaws.com"] }],
      },
    ]);
  });

  it("the service role uses the key, and may create grants for AWS resources (EBS encryption)", () => {
    expect(service["environment-key"].statements).toEqual([
      { sid: "UseEnvironmentKey", effect: "Allow", actions: USE, resources: [expect.stringMatching(KEY_ARN)] },
      // Both sides of the grant grant: the role's own policy says so too.
      {
        sid: "CreateGrantsForAwsResources",
        effect: "Allow",
        actions: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        resources: [expect.stringMatching(KEY_ARN)],
        condition: [{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
      },
    ]);
    const policy = keyPolicy(tf);
    const serviceArn = `\${aws_iam_role.${roleName(tf, SERVICE_ROLE)}.arn}`;
    expect(policy.EmrServiceRole).toMatchObject({ principals: [{ type: "AWS", identifiers: [serviceArn] }], actions: USE });
    expect(policy.EmrServiceRoleGrants).toMatchObject({
      principals: [{ type: "AWS", identifiers: [serviceArn] }],
      actions: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      condition: [{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
    });
  });

  it("the instance role's inline policies are one per concern, at their pinned addresses", () => {
    expect(Object.fromEntries(Object.entries(instance).map(([name, p]) => [name, p.address]))).toEqual({
      "environment-key": expect.stringMatching(/^emr-iam_instance-kms_[0-9A-F]{8}$/),
      "data-lake": expect.stringMatching(/^emr-iam_instance-s3_[0-9A-F]{8}$/),
      "glue-catalog": expect.stringMatching(/^emr-iam_instance-glue_[0-9A-F]{8}$/),
      "logs-and-metrics": expect.stringMatching(/^emr-iam_instance-observability_[0-9A-F]{8}$/),
      "session-manager": expect.stringMatching(/^emr-iam_instance-ssm_[0-9A-F]{8}$/),
    });
  });

  it("reads bronze, reads and writes silver and gold, reads artifacts", () => {
    expect(Object.keys(lakeStatements)).toEqual([
      "ReadBronzeObjects",
      "ListBronze",
      "ReadWriteSilverObjects",
      "ListSilver",
      "ReadWriteGoldObjects",
      "ListGold",
      "ReadArtifactsObjects",
      "ListArtifacts",
      "WriteEmrLogs",
      "WriteEmrLogsList",
      "WriteEmrLogsLocation",
    ]);
    expect(lakeStatements.ReadBronzeObjects).toEqual({ sid: "ReadBronzeObjects", effect: "Allow", actions: READ, resources: [expect.stringMatching(new RegExp(`${bucketArn("bronze").source}/\\*$`))] });
    expect(lakeStatements.ReadWriteSilverObjects.actions).toEqual(READ_WRITE);
    expect(lakeStatements.ReadWriteSilverObjects.resources).toEqual([expect.stringMatching(new RegExp(`${bucketArn("silver").source}/\\*$`))]);
    expect(lakeStatements.ReadWriteGoldObjects.resources).toEqual([expect.stringMatching(new RegExp(`${bucketArn("gold").source}/\\*$`))]);
    expect(lakeStatements.ReadArtifactsObjects.actions).toEqual(READ);
  });

  it("never writes bronze or artifacts", () => {
    const writes = instance["data-lake"].statements.filter((s) => s.actions.includes("s3:PutObject")).flatMap((s) => s.resources);
    for (const r of writes) expect(r).not.toMatch(/lake_(bronze|artifacts)_/);
    expect(writes).toHaveLength(3); // silver, gold, the log prefix
  });

  it("writes cluster logs only under emr/ in the log bucket", () => {
    expect(iam.logPrefix).toBe("emr");
    expect(lakeStatements.WriteEmrLogs).toEqual({
      sid: "WriteEmrLogs",
      effect: "Allow",
      actions: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      resources: [expect.stringMatching(/^\$\{aws_s3_bucket\.logs_bucket_[0-9A-F]{8}\.arn\}\/emr\/\*$/)],
    });
    expect(lakeStatements.WriteEmrLogsList.condition).toEqual([{ test: "StringLike", variable: "s3:prefix", values: ["emr/*", "emr"] }]);
  });

  it("uses the key both ways, in one statement", () => {
    expect(instance["environment-key"].statements).toEqual([{ sid: "UseEnvironmentKey", effect: "Allow", actions: USE, resources: [expect.stringMatching(KEY_ARN)] }]);
    expect(keyPolicy(tf).EmrInstanceRole).toEqual({
      sid: "EmrInstanceRole",
      effect: "Allow",
      principals: [{ type: "AWS", identifiers: [`\${aws_iam_role.${roleName(tf, INSTANCE_ROLE)}.arn}`] }],
      actions: USE,
      resources: ["*"],
    });
  });

  it("reads every layer's catalog database and writes none (Terraform owns the tables), plus Spark's default database", () => {
    const glue = statementsBySid({ statement: instance["glue-catalog"].statements });
    expect(Object.keys(glue)).toEqual(["GlueCatalogRead", "GlueDefaultDatabase"]);
    expect(glue.GlueCatalogRead.resources).toEqual(GLUE_EVERY_LAYER);
    expect(glue.GlueCatalogRead.actions.some((a: string) => /Create|Update|Delete|BatchCreate/.test(a))).toBe(false);
    expect(glue.GlueDefaultDatabase.resources).toEqual([
      "arn:aws:glue:eu-central-1:123456789012:catalog",
      "arn:aws:glue:eu-central-1:123456789012:database/default",
    ]);
  });

  it("writes only to its own log groups and metric namespaces", () => {
    expect(instance["logs-and-metrics"].statements).toEqual([
      {
        sid: "WriteEmrLogGroups",
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        resources: ["arn:aws:logs:eu-central-1:123456789012:log-group:/test/emr/*", "arn:aws:logs:eu-central-1:123456789012:log-group:/test/emr/*:log-stream:*"],
      },
      {
        sid: "PutMetricsInOwnNamespace",
        effect: "Allow",
        actions: ["cloudwatch:PutMetricData"],
        resources: ["*"],
        condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: ["Test/Emr"] }],
      },
    ]);
  });

  it("has only the Session Manager agent's registration and channel actions", () => {
    expect(instance["session-manager"].statements).toEqual([
      { sid: "SsmAgentRegistration", effect: "Allow", actions: ["ssm:UpdateInstanceInformation"], resources: ["arn:aws:ec2:eu-central-1:123456789012:instance/*"] },
      {
        sid: "SessionManagerChannels",
        effect: "Allow",
        actions: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
        resources: ["*"],
      },
    ]);
  });

  it("policies lists every policy resource of both roles, for a cluster to wait for", () => {
    expect(iam.policies.map((p) => p.node.id)).toEqual([
      "service-policy",
      "service-pass-role",
      "service-role-environment-key",
      "instance-kms",
      "instance-s3",
      "instance-glue",
      "instance-observability",
      "instance-ssm",
    ]);
  });
});

describe("EmrIam options", () => {
  it("readLayers and writeLayers change the lake and catalog grants", () => {
    const { stack } = build({ readLayers: ["bronze", "silver"], writeLayers: ["gold"] });
    const { tf } = synthBare(stack);
    const instance = inline(tf, INSTANCE_ROLE);
    const sids = instance["data-lake"].statements.map((s) => s.sid);
    expect(sids).toEqual(["ReadBronzeObjects", "ListBronze", "ReadSilverObjects", "ListSilver", "ReadWriteGoldObjects", "ListGold", "ReadArtifactsObjects", "ListArtifacts", "WriteEmrLogs", "WriteEmrLogsList", "WriteEmrLogsLocation"]);
    const glue = statementsBySid({ statement: instance["glue-catalog"].statements });
    // The catalog follows both: every layer the cluster touches is readable there, none writable.
    expect(glue.GlueCatalogRead.resources).toEqual(GLUE_EVERY_LAYER);
    expect(glue.GlueCatalogWrite).toBeUndefined();
  });

  it("a read-only cluster gets no catalog write statement", () => {
    const { stack } = build({ readLayers: ["bronze", "silver", "gold"], writeLayers: [] });
    const { tf } = synthBare(stack);
    const instance = inline(tf, INSTANCE_ROLE);
    expect(instance["glue-catalog"].statements.map((s) => s.sid)).toEqual(["GlueCatalogRead", "GlueDefaultDatabase"]);
    expect(instance["data-lake"].statements.filter((s) => s.sid.startsWith("ReadWrite"))).toEqual([]);
  });

  it("logPrefix moves the log grant", () => {
    const { stack, iam } = build({ logPrefix: "cluster-logs" });
    const { tf } = synthBare(stack);
    expect(iam.logPrefix).toBe("cluster-logs");
    const logs = statementsBySid({ statement: inline(tf, INSTANCE_ROLE)["data-lake"].statements });
    expect(logs.WriteEmrLogs.resources).toEqual([expect.stringMatching(/\.arn\}\/cluster-logs\/\*$/)]);
    expect(logs.WriteEmrLogsList.condition[0].values).toEqual(["cluster-logs/*", "cluster-logs"]);
  });

  it("several metric namespaces are all allowed", () => {
    const { stack } = build({ metricNamespaces: ["Test/Emr", "Test/Jobs"] });
    const metrics = statementsBySid({ statement: inline(synthBare(stack).tf, INSTANCE_ROLE)["logs-and-metrics"].statements });
    expect(metrics.PutMetricsInOwnNamespace.condition[0].values).toEqual(["Test/Emr", "Test/Jobs"]);
  });

  it("refuses an empty metricNamespaces (PutMetricData would be unscoped or useless)", () => {
    expect(() => build({ metricNamespaces: [] })).toThrow("EmrIam: metricNamespaces must name at least one namespace");
  });
});
