import { describe, expect, it } from "vitest";
import { EMR_SERVICE_POLICY_ARN, SESSION_MANAGER_CHANNEL_ACTIONS } from "../../modules/emr-iam";
import { policyDocFor, resource, resources, statementsBySid, synthEnv, type EnvName, type TerraformJson } from "../support/synth";

/** Inline policy documents of a role, by policy name. */
function inlinePolicies(tf: TerraformJson, roleFragment: string): Record<string, any[]> {
  const role = resources(tf, "aws_iam_role").find(([n]) => n.includes(roleFragment));
  if (!role) throw new Error(`no role ${roleFragment}`);
  const roleRef = `\${aws_iam_role.${role[0]}.id}`;
  return Object.fromEntries(
    resources(tf, "aws_iam_role_policy")
      .filter(([, p]) => p.role === roleRef)
      .map(([, p]) => [p.name, policyDocFor(tf, p.policy).statement]),
  );
}

/** Every statement of every policy document in the stack, with the document's name. */
function allStatements(tf: TerraformJson): { doc: string; s: any }[] {
  return Object.entries(tf.data.aws_iam_policy_document ?? {}).flatMap(([doc, d]: [string, any]) =>
    (d.statement as any[]).map((s) => ({ doc, s })),
  );
}

const KEY_REF = /^\$\{aws_kms_key\.kms_key_\w+\.arn\}$/;

/** The pipeline's createCluster task: the cluster every run starts. */
const createCluster = (tf: TerraformJson) => JSON.parse(resource(tf, "aws_sfn_state_machine", "pipeline_state-machine").definition).States.CreateCluster;

describe.each<EnvName>(["dev", "prod"])("EMR IAM (%s)", (env) => {
  const { tf, stack } = synthEnv(env);
  const cfg = stack.config;
  const serviceRole = resource(tf, "aws_iam_role", "emr-iam_service-role");
  const instanceRole = resource(tf, "aws_iam_role", "emr-iam_instance-role");
  const serviceRoleName = resources(tf, "aws_iam_role").find(([n]) => n.includes("emr-iam_service-role"))![0];
  const instanceRoleName = resources(tf, "aws_iam_role").find(([n]) => n.includes("emr-iam_instance-role"))![0];

  it("the service role trusts only EMR, for this account and region (confused-deputy conditions)", () => {
    const [trust] = policyDocFor(tf, serviceRole.assume_role_policy).statement;
    expect(trust.principals).toEqual([{ type: "Service", identifiers: ["elasticmapreduce.amazonaws.com"] }]);
    expect(trust.actions).toEqual(["sts:AssumeRole"]);
    expect(trust.condition).toEqual([
      { test: "StringEquals", variable: "aws:SourceAccount", values: [cfg.accountId] },
      { test: "ArnLike", variable: "aws:SourceArn", values: [`arn:aws:elasticmapreduce:${cfg.region}:${cfg.accountId}:*`] },
    ]);
  });

  it("the service role has AmazonEMRServicePolicy_v2 and no other managed policy; the instance role has none", () => {
    const attachments = resources(tf, "aws_iam_role_policy_attachment").map(([, a]) => a);
    expect(attachments.filter((a) => a.role === `\${aws_iam_role.${serviceRoleName}.name}`).map((a) => a.policy_arn)).toEqual([
      EMR_SERVICE_POLICY_ARN,
    ]);
    expect(attachments.filter((a) => String(a.role).includes(instanceRoleName))).toEqual([]);
    // No broad AWS managed policies anywhere (the deprecated EC2 role policy, SSM core, admin).
    for (const a of attachments) {
      expect(a.policy_arn).not.toMatch(/AmazonElasticMapReduceforEC2Role|AmazonSSMManagedInstanceCore|AdministratorAccess/);
    }
  });

  it("the service role may pass only the instance role, and only to EC2, and use the environment key", () => {
    const policies = inlinePolicies(tf, "emr-iam_service-role");
    expect(Object.keys(policies).sort()).toEqual(["environment-key", "pass-instance-role"]);
    const [kms] = policies["environment-key"];
    expect(kms.resources).toEqual([expect.stringMatching(KEY_REF)]);
    expect(policies["pass-instance-role"]).toEqual([
      {
        sid: "PassInstanceRoleToEc2",
        effect: "Allow",
        actions: ["iam:PassRole"],
        resources: [`\${aws_iam_role.${instanceRoleName}.arn}`],
        condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["ec2.amazonaws.com"] }],
      },
    ]);
  });

  it("the instance role trusts EC2 and is wrapped in the cluster's instance profile", () => {
    const [trust] = policyDocFor(tf, instanceRole.assume_role_policy).statement;
    expect(trust.principals).toEqual([{ type: "Service", identifiers: ["ec2.amazonaws.com"] }]);
    const profile = resource(tf, "aws_iam_instance_profile", "emr-iam_instance-profile");
    expect(profile.role).toBe(`\${aws_iam_role.${instanceRoleName}.name}`);
    // Every pipeline cluster is launched with it.
    expect(createCluster(tf).Parameters.JobFlowRole).toMatch(/aws_iam_instance_profile\.emr-iam_instance-profile_\w+\.name/);
  });

  it("the instance role's policies are inline, one per concern", () => {
    expect(Object.keys(inlinePolicies(tf, "emr-iam_instance-role")).sort()).toEqual([
      "data-lake", "environment-key", "glue-catalog", "logs-and-metrics", "session-manager",
    ]);
  });

  // dev runs a synthetic feed (the generate job writes its Bronze); prod only reads Bronze.
  const writesBronze = env === "dev";

  it(`S3: ${writesBronze ? "read/write bronze (synthetic feed)" : "read bronze"}, read/write silver and gold, read artifacts, write only its log prefix`, () => {
    const s3 = statementsBySid({ statement: inlinePolicies(tf, "emr-iam_instance-role")["data-lake"] });
    const bucket = (role: string) => `\${aws_s3_bucket.lake_${role}_bucket_`;
    expect(Object.keys(s3).sort()).toEqual([
      "ListArtifacts", "ListBronze", "ListGold", "ListSilver",
      "ReadArtifactsObjects", writesBronze ? "ReadWriteBronzeObjects" : "ReadBronzeObjects", "ReadWriteGoldObjects", "ReadWriteSilverObjects",
      "WriteEmrLogs", "WriteEmrLogsList", "WriteEmrLogsLocation",
    ]);
    const bronze = s3[writesBronze ? "ReadWriteBronzeObjects" : "ReadBronzeObjects"];
    expect(bronze.actions.includes("s3:PutObject")).toBe(writesBronze);
    expect(bronze.resources[0].startsWith(bucket("bronze"))).toBe(true);
    expect(s3.ReadArtifactsObjects.actions).toEqual(["s3:GetObject", "s3:GetObjectVersion"]);
    for (const layer of ["Silver", "Gold"]) {
      expect(s3[`ReadWrite${layer}Objects`].actions).toEqual(expect.arrayContaining(["s3:PutObject", "s3:DeleteObject"]));
      expect(s3[`ReadWrite${layer}Objects`].resources[0].startsWith(bucket(layer.toLowerCase()))).toBe(true);
    }
    // Writes on artifacts never; on bronze only with the synthetic feed.
    const writers = Object.values(s3).filter((st: any) => st.actions.includes("s3:PutObject"));
    for (const w of writers) expect(w.resources[0]).not.toMatch(writesBronze ? /lake_artifacts_/ : /lake_(bronze|artifacts)_/);
    // The log bucket: only under emr/, and listing only that prefix.
    expect(s3.WriteEmrLogs.resources).toEqual([expect.stringMatching(/^\$\{aws_s3_bucket\.logs_bucket_\w+\.arn\}\/emr\/\*$/)]);
    expect(s3.WriteEmrLogs.actions).not.toContain("s3:GetObject");
    expect(s3.WriteEmrLogsList.condition).toEqual([{ test: "StringLike", variable: "s3:prefix", values: ["emr/*", "emr"] }]);
  });

  it("Glue: reads the environment's databases and their tables only, and writes none (Terraform owns the tables)", () => {
    const glue = statementsBySid({ statement: inlinePolicies(tf, "emr-iam_instance-role")["glue-catalog"] });
    // Written out in full (not rebuilt with the code's own template), per environment.
    const expected = {
      dev: { base: "arn:aws:glue:eu-west-1:111111111111", db: "marketpulse_dev" },
      prod: { base: "arn:aws:glue:eu-west-1:222222222222", db: "marketpulse_prod" },
    }[env];
    const { base, db } = expected;
    expect(glue.GlueCatalogRead.resources).toEqual([
      `${base}:catalog`,
      `${base}:database/${db}_bronze`, `${base}:table/${db}_bronze/*`,
      `${base}:database/${db}_silver`, `${base}:table/${db}_silver/*`,
      `${base}:database/${db}_gold`, `${base}:table/${db}_gold/*`,
    ]);
    expect(glue.GlueCatalogWrite).toBeUndefined();
    expect(glue.GlueCatalogRead.actions.every((a: string) => /^glue:(Get|BatchGet|Search)/.test(a))).toBe(true);
    expect(glue.GlueDefaultDatabase.resources).toEqual([`${base}:catalog`, `${base}:database/default`]);
    expect(cfg.accountId).toBe(base.split(":")[4]);
  });

  it("KMS: use of the environment key only", () => {
    const [kms] = inlinePolicies(tf, "emr-iam_instance-role")["environment-key"];
    expect(kms.resources).toHaveLength(1);
    expect(kms.resources[0]).toMatch(KEY_REF);
    expect(kms.actions).toEqual(expect.arrayContaining(["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]));
    expect(kms.actions.some((a: string) => /Grant|Delete|Disable|Put|Schedule/.test(a))).toBe(false);
  });

  it("CloudWatch: log writes on the environment's EMR log groups, metrics in its own namespace", () => {
    const obs = statementsBySid({ statement: inlinePolicies(tf, "emr-iam_instance-role")["logs-and-metrics"] });
    const groups = `arn:aws:logs:${cfg.region}:${cfg.accountId}:log-group:/marketpulse/${env}/emr/*`;
    expect(obs.WriteEmrLogGroups.resources).toEqual([groups, `${groups}:log-stream:*`]);
    expect(obs.WriteEmrLogGroups.actions).not.toContain("logs:CreateLogGroup");
    expect(obs.PutMetricsInOwnNamespace).toEqual({
      sid: "PutMetricsInOwnNamespace",
      effect: "Allow",
      actions: ["cloudwatch:PutMetricData"],
      resources: ["*"],
      condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: [`marketpulse/${env}`] }],
    });
    // The job log group the stack creates falls under the granted prefix.
    expect(resource(tf, "aws_cloudwatch_log_group", "emr_job-logs").name).toBe(`/marketpulse/${env}/emr/jobs`);
  });

  it("Session Manager: agent registration on this account's instances and the ssmmessages channels; no SSH key", () => {
    const ssm = statementsBySid({ statement: inlinePolicies(tf, "emr-iam_instance-role")["session-manager"] });
    expect(ssm.SsmAgentRegistration.actions).toEqual(["ssm:UpdateInstanceInformation"]);
    expect(ssm.SsmAgentRegistration.resources).toEqual([`arn:aws:ec2:${cfg.region}:${cfg.accountId}:instance/*`]);
    expect(ssm.SessionManagerChannels.actions).toEqual(SESSION_MANAGER_CHANNEL_ACTIONS);
    expect(ssm.SessionManagerChannels.resources).toEqual(["*"]);
    expect(createCluster(tf).Parameters.Instances.Ec2KeyName).toBeUndefined();
  });

  it("both roles are key users; the service role may also create grants for AWS resources (EBS)", () => {
    const key = statementsBySid(tf.data.aws_iam_policy_document[Object.keys(tf.data.aws_iam_policy_document).find((n) => n.startsWith("kms_policy"))!]);
    expect(key.EmrServiceRole.principals).toEqual([{ type: "AWS", identifiers: [`\${aws_iam_role.${serviceRoleName}.arn}`] }]);
    expect(key.EmrInstanceRole.principals).toEqual([{ type: "AWS", identifiers: [`\${aws_iam_role.${instanceRoleName}.arn}`] }]);
    expect(key.EmrServiceRoleGrants.actions).toEqual(["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]);
    expect(key.EmrServiceRoleGrants.condition).toEqual([{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }]);
    expect(key.EmrInstanceRoleGrants).toBeUndefined();
  });

  it("no policy document in the stack allows a wildcard action", () => {
    const offenders = allStatements(tf)
      .filter(({ s }) => (s.effect ?? "Allow") === "Allow")
      .filter(({ s }) => (s.actions ?? []).some((a: string) => a.includes("*")) || s.not_actions !== undefined)
      .map(({ doc, s }) => `${doc}:${s.sid}`);
    expect(offenders).toEqual([]);
  });

  it('"Resource": "*" appears only in the key policy and where the API has no resource type', () => {
    const star = allStatements(tf)
      .filter(({ s }) => (s.resources ?? []).includes("*"))
      .filter(({ doc }) => !doc.startsWith("kms_policy_doc")) // in a key policy, "*" means the key itself
      .map(({ s }) => s.sid)
      .sort();
    expect(star).toEqual([
      "ExecutionLogDelivery", "PutMetricsInOwnNamespace", "PutPipelineMetrics", "RunTaggedClusters", "SessionManagerChannels", "XRayTracing",
    ]);
    const byName = Object.fromEntries(allStatements(tf).map(({ s }) => [s.sid, s]));
    // The metric and RunJobFlow statements are scoped by conditions instead.
    for (const sid of ["PutMetricsInOwnNamespace", "PutPipelineMetrics"]) {
      expect(byName[sid].condition).toEqual([{ test: "StringEquals", variable: "cloudwatch:namespace", values: [`marketpulse/${env}`] }]);
    }
    expect(byName.RunTaggedClusters.actions).toEqual(["elasticmapreduce:RunJobFlow"]);
    expect(byName.RunTaggedClusters.condition).toEqual([
      { test: "StringEquals", variable: "aws:RequestTag/environment", values: [env] },
      { test: "StringEquals", variable: "aws:RequestTag/for-use-with-amazon-emr-managed-policies", values: ["true"] },
    ]);
    // The others are limited to actions that have no resource type.
    expect(byName.SessionManagerChannels.actions.every((a: string) => a.startsWith("ssmmessages:"))).toBe(true);
    expect(byName.XRayTracing.actions.every((a: string) => a.startsWith("xray:"))).toBe(true);
    expect(byName.ExecutionLogDelivery.actions.every((a: string) => a.startsWith("logs:"))).toBe(true);
  });
});
