/**
 * The synthesized Glue tables against what the jobs really write. The dev stack's own steps
 * (their arguments, with each s3://<bucket> mapped to a local folder of that name) run the three
 * jobs with local Spark over three days; DuckDB then reads the output the way Athena reads it
 * through the tables (__tests__/support/lake_check.py), and runs the saved queries.
 *
 * What this catches that neither side's own tests do: a table at the wrong folder, a column
 * type that does not match the Parquet, a partition folder the projection would not find, a
 * saved query that does not run, and a metrics file the pipeline would look for in vain.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PIPELINE_JOBS } from "../../modules/spark-jobs";
import { botocoreProblems } from "../support/botocore";
import { RAW_ENVS, resources, synthEnv } from "../support/synth";

const ROOT = join(__dirname, "..", "..");
const PYTHON = join(ROOT, "spark-jobs", ".venv", "bin", "python");
const START = "2024-01-02";
const END = "2024-01-04";
const LABEL = `${START}_${END}`;

/** How DuckDB names the Parquet types the Glue (Hive) types must read as. */
const DUCKDB_TYPES: Record<string, string[]> = {
  string: ["VARCHAR"],
  double: ["DOUBLE"],
  bigint: ["BIGINT"],
  int: ["INTEGER"],
  boolean: ["BOOLEAN"],
  date: ["DATE"],
  // Spark writes INT96 or adjusted-to-UTC micros; Athena reads both as timestamp.
  timestamp: ["TIMESTAMP", "TIMESTAMP WITH TIME ZONE"],
  "array<string>": ["VARCHAR[]"],
};

interface Report {
  tables: Record<string, { partitions: string[]; stray: string[]; columns: [string, string][]; rows: number; template_ok?: boolean }>;
  queries: Record<string, { columns?: string[]; rows?: number; error?: string }>;
  files: Record<string, { MetricData: { MetricName: string; Dimensions: { Name: string; Value: string }[]; Value: number; Unit: string }[] } | null>;
}

describe("the dev stack's Glue tables over a local run of its own steps", () => {
  // The dev feed, with enough defects that both quarantine tables get rows in three days.
  const devPipeline = RAW_ENVS.dev.pipeline!;
  const { tf, stack } = synthEnv("dev", { pipeline: { ...devPipeline, syntheticFeed: { ...devPipeline.syntheticFeed, enabled: true, defectRate: 0.2 } } });
  const dir = mkdtempSync(join(tmpdir(), "marketpulse-lake-"));
  const buckets = Object.fromEntries(resources(tf, "aws_s3_bucket").map(([address, b]) => [address, b.bucket as string]));
  /** `s3://<name>` and `s3://${aws_s3_bucket.<address>.bucket}` both become `<dir>/<name>`. */
  const local = (uri: string) =>
    uri
      .replace(/^s3:\/\/\$\{aws_s3_bucket\.([^.]+)\.bucket\}/, (_m, address: string) => join(dir, buckets[address]))
      .replace(/^s3:\/\/([a-z0-9.-]+)/, (_m, name: string) => join(dir, name));

  const tables = resources(tf, "aws_glue_catalog_table").map(([, t]) => t);
  const queries = resources(tf, "aws_athena_named_query").map(([, q]) => q);
  const definition = JSON.parse(resource("aws_sfn_state_machine").definition);
  const metricsStates = Object.entries(definition.States as Record<string, any>).filter(([name]) => /^Read \w+ metrics$/.test(name));
  /** Where the pipeline reads each job's metrics file for this run (its States.Format, applied). */
  const metricsFiles = metricsStates.map(([name, s]) => {
    const template = /^States\.Format\('([^']+)', \$\.run\.label\)$/.exec(s.Parameters["Key.$"])![1];
    return { state: name, path: join(dir, s.Parameters.Bucket, template.replace("{}", LABEL)) };
  });
  let report: Report;

  function resource(type: string): any {
    const [only] = resources(tf, type);
    return only[1];
  }

  beforeAll(() => {
    const env = { ...process.env, PYTHONPATH: join(ROOT, "spark-jobs", "src"), PYSPARK_PYTHON: PYTHON, MARKETPULSE_LOG_LEVEL: "ERROR" };
    for (const job of stack.sparkJobs.pipelineJobs) {
      // The step's own arguments after the entry point, with the buckets made local.
      const args = stack.sparkJobs.step(job, { start: START, end: END }).Args;
      const entry = args.findIndex((a) => a.endsWith(`/entrypoints/${job}.py`));
      const jobArgs = args.slice(entry + 1).map((a) => (a.startsWith("s3://") ? local(a) : a));
      execFileSync(PYTHON, ["-m", `marketpulse_jobs.${job}`, ...jobArgs], { cwd: join(ROOT, "spark-jobs"), env, stdio: ["ignore", "ignore", "pipe"] });
    }
    const spec = {
      tables: tables.map((t) => ({
        name: t.name,
        location: local(t.storage_descriptor.location),
        // Terraform's `$${` is a literal `${` in the deployed table.
        template: local(t.parameters["storage.location.template"].replaceAll("$${", "${")),
        partition_keys: t.partition_keys.map((k: { name: string }) => k.name),
      })),
      queries: queries.map((q) => ({ name: q.name, sql: q.query })),
      files: metricsFiles.map((f) => f.path),
    };
    writeFileSync(join(dir, "spec.json"), JSON.stringify(spec));
    report = JSON.parse(execFileSync(PYTHON, [join(__dirname, "..", "support", "lake_check.py"), join(dir, "spec.json")], { encoding: "utf8" }));
  }, 600_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("ran the whole dev pipeline, step by step: generate, then bronze_to_gold (bronze_to_silver and silver_to_gold)", () => {
    expect(stack.sparkJobs.pipelineJobs).toEqual([...PIPELINE_JOBS]);
  });

  it.each(["prices", "news", "quarantine_prices", "quarantine_news", "daily_prices", "sentiment_daily", "correlations"])(
    "%s: one partition folder per day at the table's location, found by the projection's template",
    (name) => {
      const r = report.tables[name];
      expect(r.stray, "folders the projection would never read").toEqual([]);
      expect(r.partitions).toEqual(["trade_date=2024-01-02", "trade_date=2024-01-03", "trade_date=2024-01-04"]);
      expect(r.template_ok).toBe(true);
      expect(r.rows).toBeGreaterThan(0);
    },
  );

  it("every table's columns are the Parquet's, in order, with matching types, and the partition key is not in the files", () => {
    for (const t of tables) {
      const r = report.tables[t.name];
      const glue = t.storage_descriptor.columns as { name: string; type: string }[];
      expect(r.columns.map(([n]) => n), t.name).toEqual(glue.map((c) => c.name));
      for (const [i, c] of glue.entries()) {
        expect(DUCKDB_TYPES[c.type], `${t.name}.${c.name}: no known reading of ${c.type}`).toBeDefined();
        expect(DUCKDB_TYPES[c.type], `${t.name}.${c.name} is ${c.type} in Glue, ${r.columns[i][1]} in Parquet`).toContain(r.columns[i][1]);
      }
    }
  });

  it("every saved query runs over the tables (DuckDB standing in for Athena) and returns its columns", () => {
    expect(Object.keys(report.queries)).toHaveLength(3);
    for (const [name, r] of Object.entries(report.queries)) {
      expect(r.error, name).toBeUndefined();
      expect(r.columns!.length, name).toBeGreaterThan(0);
    }
    expect(report.queries["Latest indicators per symbol"].rows).toBe(stack.config.pipeline.syntheticFeed.symbols);
    expect(report.queries["Quarantine reasons, last 30 days"].rows).toBeGreaterThan(0);
  });

  it("the pipeline reads each job's metrics file where the job wrote it", () => {
    expect(metricsFiles.map((f) => f.state)).toEqual(["Read bronze_to_silver metrics", "Read silver_to_gold metrics"]);
    for (const f of metricsFiles) {
      expect(report.files[f.path], f.path).not.toBeNull();
      expect(report.files[f.path]!.MetricData.length).toBeGreaterThan(0);
    }
  });

  it("each metrics file is a valid PutMetricData request, as botocore's CloudWatch model has it", () => {
    const namespace = definition.States["Publish bronze_to_silver metrics"].Parameters.Namespace;
    expect(namespace).toBe("marketpulse/dev");
    const calls = metricsFiles.map((f) => ({ service: "cloudwatch", operation: "PutMetricData", params: { Namespace: namespace, MetricData: report.files[f.path]!.MetricData } }));
    expect(botocoreProblems(calls)).toEqual(calls.map(() => []));
    // PutMetricData takes at most 1000 items per request.
    for (const f of metricsFiles) expect(report.files[f.path]!.MetricData.length).toBeLessThanOrEqual(1000);
  });

  it("every data-quality alarm watches a metric the run published, with the same dimensions", () => {
    const published = metricsFiles.flatMap((f) => report.files[f.path]!.MetricData);
    const key = (name: string, dims: Record<string, string>) => `${name} ${JSON.stringify(Object.entries(dims).sort())}`;
    const have = new Set(published.map((m) => key(m.MetricName, Object.fromEntries(m.Dimensions.map((d) => [d.Name, d.Value])))));
    const alarms = resources(tf, "aws_cloudwatch_metric_alarm")
      .map(([, a]) => a)
      .filter((a) => /-dq-/.test(a.alarm_name));
    expect(alarms.length).toBe(5);
    for (const a of alarms) {
      const watched = a.metric_name ? [{ metric_name: a.metric_name, dimensions: a.dimensions }] : a.metric_query.filter((q: any) => q.metric).map((q: any) => q.metric);
      for (const m of watched) expect(have.has(key(m.metric_name, m.dimensions)), `${a.alarm_name}: ${m.metric_name}`).toBe(true);
    }
  });
});
