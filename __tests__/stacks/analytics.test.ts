/**
 * The lake as analysts see it, per environment: a Glue table for every dataset the jobs write
 * (checked against spark-jobs/contract.json, read here as plain JSON), the Athena workgroup,
 * the saved queries, the analyst role and the data-quality alarms.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { policyDocFor, resource, resources, statementsBySid, synthEnv, type EnvName } from "../support/synth";

interface ContractColumn {
  name: string;
  type: string;
}
interface ContractDataset {
  name: string;
  root: "silver" | "quarantine" | "gold";
  path: string;
  columns: ContractColumn[];
  partition_keys: ContractColumn[];
}
const contract = JSON.parse(readFileSync(join(__dirname, "..", "..", "spark-jobs", "contract.json"), "utf8")) as {
  datasets: ContractDataset[];
  metrics: { name: string; job: string; datasets: string[] }[];
};

const KEY_REF = /^\$\{aws_kms_key\.kms_key_\w+\.arn\}$/;
const ACCOUNTS = { dev: "111111111111", prod: "222222222222" } as const;

describe.each<EnvName>(["dev", "prod"])("analytics (%s)", (env) => {
  const { tf, stack } = synthEnv(env);
  const cfg = stack.config;
  const account = ACCOUNTS[env];
  const tables: Record<string, any> = Object.fromEntries(resources(tf, "aws_glue_catalog_table").map(([, t]) => [t.name, t]));
  const bucketRef = (layer: string) => new RegExp(`^s3://\\$\\{aws_s3_bucket\\.lake_${layer}_bucket_\\w+\\.bucket\\}/`);
  const databaseRef = (layer: string) => new RegExp(`^\\$\\{aws_glue_catalog_database\\.catalog_${layer}_\\w+\\.name\\}$`);

  describe("the tables", () => {
    it("one per dataset of the jobs' contract, and no others", () => {
      expect(Object.keys(tables).sort()).toEqual(contract.datasets.map((d) => d.name).sort());
      expect(contract.datasets.map((d) => d.name)).toEqual(
        expect.arrayContaining(["prices", "news", "quarantine_prices", "quarantine_news", "daily_prices", "sentiment_daily", "correlations"]),
      );
    });

    it.each(contract.datasets.map((d) => [d.name, d] as const))("%s: the contract's columns, in order, with their types, and its partition key", (_name, d) => {
      const t = tables[d.name];
      expect(t.storage_descriptor.columns.map((c: ContractColumn) => [c.name, c.type])).toEqual(d.columns.map((c) => [c.name, c.type]));
      expect(t.partition_keys).toEqual(d.partition_keys.map((c) => ({ name: c.name, type: c.type })));
      expect(t.table_type).toBe("EXTERNAL_TABLE");
      expect(t.storage_descriptor.ser_de_info.serialization_library).toBe("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe");
      expect(t.storage_descriptor.input_format).toBe("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat");
    });

    it.each(contract.datasets.map((d) => [d.name, d] as const))("%s: where the job writes it, in its layer's database", (_name, d) => {
      const t = tables[d.name];
      const layer = d.root === "gold" ? "gold" : "silver";
      // Quarantine is a folder of the silver bucket, as the jobs are told (--quarantine).
      const folder = d.root === "quarantine" ? `quarantine/${d.path}` : d.path;
      expect(t.database_name).toMatch(databaseRef(layer));
      expect(t.storage_descriptor.location).toMatch(bucketRef(layer));
      expect(t.storage_descriptor.location.endsWith(`}/${folder}/`)).toBe(true);
      expect(t.parameters["storage.location.template"]).toBe(`${t.storage_descriptor.location}trade_date=$\${trade_date}/`);
    });

    it("projects trade_date by day from the configured start to now, so a new day needs no crawler", () => {
      for (const t of Object.values(tables)) {
        expect(t.parameters).toMatchObject({
          "projection.enabled": "true",
          "projection.trade_date.type": "date",
          "projection.trade_date.format": "yyyy-MM-dd",
          "projection.trade_date.range": `${cfg.analytics.partitionProjectionStart},NOW`,
          "projection.trade_date.interval": "1",
          "projection.trade_date.interval.unit": "DAYS",
        });
      }
    });

    it("the start of the projection comes from the config", () => {
      const { tf: patched } = synthEnv(env, { analytics: { partitionProjectionStart: "2023-06-01" } });
      for (const [, t] of resources(patched, "aws_glue_catalog_table")) expect(t.parameters["projection.trade_date.range"]).toBe("2023-06-01,NOW");
    });

    it("lists the tables as database.table in an output", () => {
      const out = tf.output.glue_tables.value as string[];
      expect(out).toHaveLength(contract.datasets.length);
      for (const name of out) expect(name).toMatch(/^\$\{aws_glue_catalog_table\.lake-tables_(silver|gold)-\w+\.database_name\}\.\$\{aws_glue_catalog_table\.lake-tables_\S+\.name\}$/);
    });
  });

  describe("the workgroup", () => {
    const wg = resource(tf, "aws_athena_workgroup", "analytics_workgroup");

    it("enforces encrypted results under the artifacts bucket's expiring prefix, engine 3 and a scan cutoff", () => {
      expect(wg.name).toBe(`marketpulse-${env}-analytics`);
      expect(wg.force_destroy).toBe(false);
      expect(wg.configuration).toEqual({
        enforce_workgroup_configuration: true,
        publish_cloudwatch_metrics_enabled: true,
        bytes_scanned_cutoff_per_query: 10_240 * 1024 * 1024,
        engine_version: { selected_engine_version: "Athena engine version 3" },
        result_configuration: {
          output_location: expect.stringMatching(/^s3:\/\/\$\{aws_s3_bucket\.lake_artifacts_bucket_\w+\.bucket\}\/athena-results\/$/),
          encryption_configuration: { encryption_option: "SSE_KMS", kms_key_arn: expect.stringMatching(KEY_REF) },
        },
      });
    });

    it("query results expire after the configured days, and nothing else in artifacts does", () => {
      const artifacts = resource(tf, "aws_s3_bucket_lifecycle_configuration", "lake_artifacts");
      const rule = artifacts.rule.find((r: { id: string }) => r.id === "expire-query-results");
      expect(rule).toMatchObject({ status: "Enabled", filter: [{ prefix: "athena-results/" }], expiration: [{ days: 30 }] });
      const { tf: patched } = synthEnv(env, { analytics: { queryResultRetentionDays: 7, bytesScannedCutoffPerQueryMb: 100 } });
      const patchedRule = resource(patched, "aws_s3_bucket_lifecycle_configuration", "lake_artifacts").rule.find((r: { id: string }) => r.id === "expire-query-results");
      expect(patchedRule.expiration).toEqual([{ days: 7 }]);
      expect(resource(patched, "aws_athena_workgroup", "analytics_workgroup").configuration.bytes_scanned_cutoff_per_query).toBe(100 * 1024 * 1024);
    });

    it("has the saved queries, in the workgroup, each in the database of the tables it reads", () => {
      const queries = resources(tf, "aws_athena_named_query").map(([, q]) => q);
      expect(queries.map((q) => q.name).sort()).toEqual(["Latest indicators per symbol", "Quarantine reasons, last 30 days", "Today's anomalies"]);
      for (const q of queries) {
        expect(q.workgroup).toMatch(/^\$\{aws_athena_workgroup\.analytics_workgroup_\w+\.name\}$/);
        const layer = /quarantine/.test(q.query) ? "silver" : "gold";
        expect(q.database, q.name).toMatch(databaseRef(layer));
      }
    });
  });

  describe("the analyst role", () => {
    const role = resource(tf, "aws_iam_role", "analytics_analyst-role");
    const policies: Record<string, Record<string, any>> = Object.fromEntries(
      resources(tf, "aws_iam_role_policy")
        .filter(([n]) => n.startsWith("analytics_analyst-role"))
        .map(([, p]) => [p.name, statementsBySid(policyDocFor(tf, p.policy))]),
    );
    const all = Object.values(policies).flatMap((p) => Object.values(p)) as { actions: string[]; resources: string[] }[];

    it("is assumable from this account only, for an hour", () => {
      expect(role.name).toBe(`marketpulse-${env}-analyst`);
      expect(role.max_session_duration).toBe(3600);
      const trust = policyDocFor(tf, role.assume_role_policy).statement;
      expect(trust).toEqual([expect.objectContaining({ actions: ["sts:AssumeRole"], principals: [{ type: "AWS", identifiers: [`arn:aws:iam::${account}:root`] }] })]);
    });

    it("runs queries only in its workgroup", () => {
      const athena = policies.athena.QueryInTheWorkgroup;
      expect(athena.resources).toEqual([`arn:aws:athena:${cfg.region}:${account}:workgroup/marketpulse-${env}-analytics`]);
      expect(athena.actions).toContain("athena:StartQueryExecution");
    });

    it("reads Silver and Gold (objects and catalog), writes only query results, and never touches Bronze", () => {
      for (const s of all) {
        for (const a of s.actions) expect(a).not.toMatch(/\*/);
        for (const r of s.resources) expect(r).not.toMatch(/bronze/);
      }
      const s3 = policies["data-lake"];
      expect(s3.ReadSilverObjects.actions).not.toContain("s3:PutObject");
      expect(s3.ReadGoldObjects.actions).not.toContain("s3:PutObject");
      expect(s3.QueryResults.resources).toEqual([expect.stringMatching(/^\$\{aws_s3_bucket\.lake_artifacts_bucket_\w+\.arn\}\/athena-results\/\*$/)]);
      const writers = Object.entries(s3).filter(([, s]) => (s as { actions: string[] }).actions.includes("s3:PutObject"));
      expect(writers.map(([sid]) => sid)).toEqual(["QueryResults"]);
      const glue = policies["glue-catalog"];
      expect(Object.keys(glue)).toEqual(["GlueCatalogRead"]);
      expect(glue.GlueCatalogRead.resources).toEqual([
        `arn:aws:glue:${cfg.region}:${account}:catalog`,
        `arn:aws:glue:${cfg.region}:${account}:database/marketpulse_${env}_silver`,
        `arn:aws:glue:${cfg.region}:${account}:table/marketpulse_${env}_silver/*`,
        `arn:aws:glue:${cfg.region}:${account}:database/marketpulse_${env}_gold`,
        `arn:aws:glue:${cfg.region}:${account}:table/marketpulse_${env}_gold/*`,
      ]);
    });

    it("is exported", () => {
      expect(tf.output.analyst_role_arn.value).toMatch(/^\$\{aws_iam_role\.analytics_analyst-role_\w+\.arn\}$/);
      expect(tf.output.athena_workgroup.value).toMatch(/^\$\{aws_athena_workgroup\.analytics_workgroup_\w+\.name\}$/);
    });
  });

  describe("the data-quality alarms", () => {
    const alarms = Object.fromEntries(resources(tf, "aws_cloudwatch_metric_alarm").map(([, a]) => [a.alarm_name.replace(`marketpulse-${env}-`, ""), a]));
    const [topicName] = resources(tf, "aws_sns_topic").find(([n]) => n.startsWith("monitoring_topic"))!;
    const published = new Set(contract.metrics.filter((m) => m.job === "bronze_to_silver").map((m) => m.name));

    it.each(["prices", "news"])("%s: a quarantine share above the configured percent, and any invariant violation", (dataset) => {
      const share = alarms[`dq-quarantine-${dataset}`];
      expect(share).toMatchObject({
        namespace: `marketpulse/${env}`,
        metric_name: "QuarantineSharePercent",
        dimensions: { Job: "bronze_to_silver", Dataset: dataset },
        statistic: "Maximum",
        comparison_operator: "GreaterThanThreshold",
        threshold: cfg.monitoring.maxQuarantinePercent,
        period: 86_400,
        treat_missing_data: "notBreaching",
        alarm_actions: [`\${aws_sns_topic.${topicName}.arn}`],
      });
      expect(alarms[`dq-invariant-${dataset}`]).toMatchObject({
        metric_name: "InvariantViolations",
        dimensions: { Job: "bronze_to_silver", Dataset: dataset },
        comparison_operator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
      });
      // Only metrics the job actually publishes.
      expect(published.has(share.metric_name)).toBe(true);
      expect(published.has(alarms[`dq-invariant-${dataset}`].metric_name)).toBe(true);
    });

    it("a run with no Silver rows at all, summed over the datasets", () => {
      const noRows = alarms["dq-no-silver-rows"];
      expect(noRows.comparison_operator).toBe("LessThanThreshold");
      expect(noRows.threshold).toBe(1);
      const inputs = noRows.metric_query.filter((q: { metric?: unknown }) => q.metric);
      expect(inputs.map((q: { metric: { metric_name: string; dimensions: { Dataset: string } } }) => [q.metric.metric_name, q.metric.dimensions.Dataset])).toEqual([
        ["SilverRows", "prices"],
        ["SilverRows", "news"],
      ]);
      expect(noRows.metric_query.find((q: { return_data?: boolean }) => q.return_data).expression).toBe("rows0 + rows1");
      expect(published.has("SilverRows")).toBe(true);
    });

    it("the threshold comes from the config", () => {
      const { tf: patched } = synthEnv(env, { monitoring: { ...cfgMonitoring(env), maxQuarantinePercent: 0.5 } });
      const share = resources(patched, "aws_cloudwatch_metric_alarm").find(([, a]) => a.alarm_name === `marketpulse-${env}-dq-quarantine-prices`)![1];
      expect(share.threshold).toBe(0.5);
    });
  });
});

/** The environment's raw monitoring section, to patch one field of it. */
function cfgMonitoring(env: EnvName): Record<string, unknown> {
  const { stack } = synthEnv(env);
  const { maxQuarantinePercent: _ignored, ...rest } = stack.config.monitoring;
  return rest;
}
