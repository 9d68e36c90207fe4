/**
 * Analytics alone on a bare stack (with the key, data lake and catalog it requires): an Athena
 * workgroup whose settings are enforced (engine 3, SSE-KMS results under the artifacts bucket's
 * results prefix, a scan cutoff), saved queries, and an analyst role that can query Silver and
 * Gold in that workgroup and nothing else: no Bronze, no catalog writes, no wildcard actions.
 *
 * Expected ARNs and actions are written out literally, never rebuilt with the module's own helpers.
 */
import { describe, expect, it } from "vitest";
import { Analytics, type AnalyticsProps, type SavedQuery } from "../../modules/analytics";
import { Catalog } from "../../modules/catalog";
import { DataLake } from "../../modules/data-lake";
import { SecureBucket } from "../../modules/secure-bucket";
import { TEST_ENV, bareStack, synthBare, testKey } from "../support/bare-stack";
import { policyDocFor, resource, resources, statementsBySid, type TerraformJson } from "../support/terraform-json";

const MIB = 1024 * 1024;
const KEY_ARN = /^\$\{aws_kms_key\.key_[0-9A-F]{8}\.arn\}$/;
const ROLE_ARN = /^\$\{aws_iam_role\.analytics_analyst-role_[0-9A-F]{8}\.arn\}$/;
const WORKGROUP_ARN = "arn:aws:athena:eu-central-1:123456789012:workgroup/test-analysts";
const QUERY_ACTIONS = [
  "athena:StartQueryExecution",
  "athena:StopQueryExecution",
  "athena:GetQueryExecution",
  "athena:GetQueryResults",
  "athena:GetQueryResultsStream",
  "athena:ListQueryExecutions",
  "athena:GetWorkGroup",
  "athena:GetNamedQuery",
  "athena:ListNamedQueries",
  "athena:BatchGetNamedQuery",
];
const GLUE_READ = ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"];
const S3_READ = ["s3:GetObject", "s3:GetObjectVersion"];
const S3_LIST = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"];
const S3_READ_WRITE = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];
const KEY_USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"];

const TOP_MOVERS: SavedQuery = {
  id: "top-movers",
  name: "Top movers",
  description: "Largest daily moves",
  database: "gold",
  sql: "SELECT symbol FROM daily_prices ORDER BY change DESC LIMIT 10",
};
const QUARANTINE: SavedQuery = {
  id: "quarantine",
  name: "Quarantine reasons",
  description: "Why records were quarantined",
  database: "silver",
  sql: "SELECT reason, count(*) FROM prices_quarantine GROUP BY reason",
};

function build(props: Partial<Omit<AnalyticsProps, "lake" | "catalog" | "key">> = {}) {
  const stack = bareStack();
  const key = testKey(stack);
  const target = new SecureBucket(stack, "target", { bucketName: "test-logs", label: "Logs", encryption: { kind: "s3" } });
  const lake = new DataLake(stack, "lake", {
    bucketNames: { bronze: "test-bronze", silver: "test-silver", gold: "test-gold", artifacts: "test-artifacts" },
    key,
    logBucket: { receiveAccessLogs: (source) => ({ targetBucket: target.name, targetPrefix: `access/${source.bucketName}/`, dependsOn: [target.bucketPolicy] }) },
    queryResults: { prefix: "athena-results", expirationDays: 30 },
  });
  const catalog = new Catalog(stack, "catalog", {
    env: TEST_ENV,
    databaseNames: { bronze: "test_bronze", silver: "test_silver", gold: "test_gold" },
    buckets: { bronze: lake.buckets.bronze, silver: lake.buckets.silver, gold: lake.buckets.gold },
    key,
  });
  const analytics = new Analytics(stack, "analytics", {
    env: TEST_ENV,
    names: { workgroup: "test-analysts", analystRole: "test-analyst" },
    lake,
    catalog,
    key,
    resultsPrefix: "athena-results",
    bytesScannedCutoffPerQuery: 100 * MIB,
    ...props,
  });
  return { stack, analytics };
}

/** `${<type>.<address>.<attribute>}` of the one resource of a type whose address starts with `prefix`. */
function ref(tf: TerraformJson, type: string, prefix: string, attribute: string): string {
  const found = resources(tf, type).filter(([name]) => new RegExp(`^${prefix}_[0-9A-F]{8}$`).test(name));
  if (found.length !== 1) throw new Error(`expected one ${type} ${prefix}`);
  return `\${${type}.${found[0][0]}.${attribute}}`;
}

/** The analyst role's inline policies: name -> policy document. */
function inlinePolicies(tf: TerraformJson): Record<string, any> {
  const role = ref(tf, "aws_iam_role", "analytics_analyst-role", "id");
  const attached = resources(tf, "aws_iam_role_policy").filter(([, p]) => p.role === role);
  return Object.fromEntries(attached.map(([, p]) => [p.name, policyDocFor(tf, p.policy)]));
}

function keyPolicy(tf: TerraformJson): Record<string, any> {
  return statementsBySid(policyDocFor(tf, resource(tf, "aws_kms_key", "key").policy));
}

describe("Analytics defaults", () => {
  const { stack } = build();
  const { tf, snapshot } = synthBare(stack);
  const policies = inlinePolicies(tf);
  const bucketArn = (b: string) => ref(tf, "aws_s3_bucket", `lake_${b}_bucket`, "arn");

  it("matches its snapshot", async () => {
    await expect(snapshot).toMatchFileSnapshot("__snapshots__/analytics.tf.json");
  });

  it("one workgroup, its settings enforced: engine 3, metrics, KMS-encrypted results under the artifacts prefix, a scan cutoff", () => {
    expect(resources(tf, "aws_athena_workgroup")).toHaveLength(1);
    expect(resource(tf, "aws_athena_workgroup", "analytics_workgroup")).toEqual({
      name: "test-analysts",
      description: "MarketPulse analysts: Silver and Gold, results encrypted under the environment key",
      state: "ENABLED",
      force_destroy: false,
      configuration: {
        enforce_workgroup_configuration: true,
        publish_cloudwatch_metrics_enabled: true,
        bytes_scanned_cutoff_per_query: 104857600,
        engine_version: { selected_engine_version: "Athena engine version 3" },
        result_configuration: {
          output_location: "s3://" + ref(tf, "aws_s3_bucket", "lake_artifacts_bucket", "bucket") + "/athena-results/",
          encryption_configuration: { encryption_option: "SSE_KMS", kms_key_arn: expect.stringMatching(KEY_ARN) },
        },
      },
    });
  });

  it("has no saved queries unless given", () => {
    expect(tf.resource.aws_athena_named_query).toBeUndefined();
  });

  it("the analyst role: assumable by the account only, sessions of at most an hour", () => {
    const role = resource(tf, "aws_iam_role", "analytics_analyst-role");
    expect(role).toMatchObject({ name: "test-analyst", max_session_duration: 3600 });
    expect(policyDocFor(tf, role.assume_role_policy).statement).toEqual([
      { effect: "Allow", principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:root"] }], actions: ["sts:AssumeRole"] },
    ]);
  });

  it("has exactly four inline policies: athena, glue-catalog, data-lake, environment-key", () => {
    expect(Object.keys(policies).sort()).toEqual(["athena", "data-lake", "environment-key", "glue-catalog"]);
    expect(resources(tf, "aws_iam_role_policy_attachment")).toEqual([]);
  });

  it("athena: query actions, enumerated, on this workgroup only", () => {
    expect(policies.athena.statement).toEqual([{ sid: "QueryInTheWorkgroup", effect: "Allow", actions: QUERY_ACTIONS, resources: [WORKGROUP_ARN] }]);
  });

  it("no statement of the role has a wildcard action", () => {
    for (const [name, doc] of Object.entries(policies)) {
      for (const s of doc.statement) for (const a of s.actions) expect(a, `${name}/${s.sid}`).not.toContain("*");
    }
  });

  it("glue-catalog: read-only, on the catalog and the Silver and Gold databases and tables", () => {
    expect(policies["glue-catalog"].statement).toEqual([
      {
        sid: "GlueCatalogRead",
        effect: "Allow",
        actions: GLUE_READ,
        resources: [
          "arn:aws:glue:eu-central-1:123456789012:catalog",
          "arn:aws:glue:eu-central-1:123456789012:database/test_silver",
          "arn:aws:glue:eu-central-1:123456789012:table/test_silver/*",
          "arn:aws:glue:eu-central-1:123456789012:database/test_gold",
          "arn:aws:glue:eu-central-1:123456789012:table/test_gold/*",
        ],
      },
    ]);
  });

  it("data-lake: read Silver and Gold, read and write only under the results prefix of artifacts", () => {
    const artifacts = bucketArn("artifacts");
    expect(policies["data-lake"].statement).toEqual([
      { sid: "ReadSilverObjects", effect: "Allow", actions: S3_READ, resources: [bucketArn("silver") + "/*"] },
      { sid: "ListSilver", effect: "Allow", actions: S3_LIST, resources: [bucketArn("silver")] },
      { sid: "ReadGoldObjects", effect: "Allow", actions: S3_READ, resources: [bucketArn("gold") + "/*"] },
      { sid: "ListGold", effect: "Allow", actions: S3_LIST, resources: [bucketArn("gold")] },
      { sid: "QueryResults", effect: "Allow", actions: S3_READ_WRITE, resources: [artifacts + "/athena-results/*"] },
      {
        sid: "QueryResultsList",
        effect: "Allow",
        actions: ["s3:ListBucket"],
        resources: [artifacts],
        condition: [{ test: "StringLike", variable: "s3:prefix", values: ["athena-results/*", "athena-results"] }],
      },
      // Athena looks the results bucket's region up; that request has no s3:prefix.
      { sid: "QueryResultsLocation", effect: "Allow", actions: ["s3:GetBucketLocation"], resources: [artifacts] },
    ]);
  });

  it("nothing of Bronze: no bucket, no database, no table", () => {
    const json = JSON.stringify(policies);
    expect(json).not.toContain("bronze");
    expect(json).not.toContain(bucketArn("bronze"));
  });

  it("environment-key: the key both ways (results are written encrypted), on the key only", () => {
    const [use, ...rest] = policies["environment-key"].statement;
    expect(rest).toEqual([]);
    expect(use).toEqual({ sid: "UseEnvironmentKey", effect: "Allow", actions: expect.any(Array), resources: [expect.stringMatching(KEY_ARN)] });
    expect([...use.actions].sort()).toEqual([...KEY_USE].sort());
  });

  it("the key policy names the analyst role with the same actions", () => {
    const analyst = keyPolicy(tf).Analyst;
    expect(analyst).toEqual({
      sid: "Analyst",
      effect: "Allow",
      principals: [{ type: "AWS", identifiers: [expect.stringMatching(ROLE_ARN)] }],
      actions: expect.any(Array),
      resources: ["*"],
    });
    expect([...analyst.actions].sort()).toEqual([...KEY_USE].sort());
    expect(Object.keys(keyPolicy(tf))).toEqual(["AccountAdministersKey", "DeployerUsesKey", "CloudWatchLogsForEnvironmentLogGroups", "Analyst"]);
  });
});

describe("Analytics options", () => {
  it("savedQueries: a named query each, in its layer's database and the workgroup", () => {
    const { stack, analytics } = build({ savedQueries: [TOP_MOVERS, QUARANTINE] });
    const { tf } = synthBare(stack);
    const workgroup = ref(tf, "aws_athena_workgroup", "analytics_workgroup", "name");
    expect(resources(tf, "aws_athena_named_query")).toHaveLength(2);
    expect(resource(tf, "aws_athena_named_query", "analytics_query-top-movers_")).toEqual({
      name: "Top movers",
      description: "Largest daily moves",
      workgroup,
      database: ref(tf, "aws_glue_catalog_database", "catalog_gold", "name"),
      query: "SELECT symbol FROM daily_prices ORDER BY change DESC LIMIT 10",
    });
    expect(resource(tf, "aws_athena_named_query", "analytics_query-quarantine_")).toEqual({
      name: "Quarantine reasons",
      description: "Why records were quarantined",
      workgroup,
      database: ref(tf, "aws_glue_catalog_database", "catalog_silver", "name"),
      query: "SELECT reason, count(*) FROM prices_quarantine GROUP BY reason",
    });
    expect(Object.keys(analytics.savedQueries).sort()).toEqual(["quarantine", "top-movers"]);
  });

  it("resultsPrefix: the output location and the read/write grant follow it", () => {
    const { stack } = build({ resultsPrefix: "query-output" });
    const { tf } = synthBare(stack);
    const artifacts = ref(tf, "aws_s3_bucket", "lake_artifacts_bucket", "arn");
    expect(resource(tf, "aws_athena_workgroup", "analytics_workgroup").configuration.result_configuration.output_location).toBe(
      "s3://" + ref(tf, "aws_s3_bucket", "lake_artifacts_bucket", "bucket") + "/query-output/",
    );
    const s = statementsBySid(inlinePolicies(tf)["data-lake"]);
    expect(s.QueryResults.resources).toEqual([artifacts + "/query-output/*"]);
    expect(s.QueryResultsList.condition).toEqual([{ test: "StringLike", variable: "s3:prefix", values: ["query-output/*", "query-output"] }]);
  });

  it("names: the workgroup's name is in the workgroup and in the role's Athena resource", () => {
    const { stack } = build({ names: { workgroup: "other-wg", analystRole: "other-analyst" } });
    const { tf } = synthBare(stack);
    expect(resource(tf, "aws_athena_workgroup", "analytics_workgroup").name).toBe("other-wg");
    expect(resource(tf, "aws_iam_role", "analytics_analyst-role").name).toBe("other-analyst");
    expect(inlinePolicies(tf).athena.statement[0].resources).toEqual(["arn:aws:athena:eu-central-1:123456789012:workgroup/other-wg"]);
  });

  it("bytesScannedCutoffPerQuery: exactly 10 MiB is accepted", () => {
    const { stack } = build({ bytesScannedCutoffPerQuery: 10 * MIB });
    const { tf } = synthBare(stack);
    expect(resource(tf, "aws_athena_workgroup", "analytics_workgroup").configuration.bytes_scanned_cutoff_per_query).toBe(10485760);
  });
});

describe("Analytics validation", () => {
  it("refuses a scan cutoff below Athena's 10 MiB minimum", () => {
    expect(() => build({ bytesScannedCutoffPerQuery: 10 * MIB - 1 })).toThrow("Analytics: Athena's smallest bytes-scanned cutoff is 10 MiB");
  });
});
