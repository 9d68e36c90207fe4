/**
 * Monitoring alone on a bare stack (with the key it requires), focused on the data-quality
 * alarms: per dataset, a quarantine-share alarm and a conservation-invariant alarm, and one
 * metric-math alarm on the Silver rows summed over the datasets. Every alarm is named
 * `<alarmPrefix><name>` and notifies the module's topic.
 *
 * Expected names, dimensions and expressions are written out literally.
 */
import { describe, expect, it } from "vitest";
import { Monitoring, type MonitoringProps } from "../../modules/monitoring";
import { TEST_ENV, bareStack, synthBare, testKey } from "../support/bare-stack";
import { policyDocFor, resource, resources, statementsBySid, type TerraformJson } from "../support/terraform-json";

const TOPIC_ARN = /^\$\{aws_sns_topic\.monitoring_topic_[0-9A-F]{8}\.arn\}$/;
const EMR_ALARMS = ["test-emr-apps-failed", "test-emr-hdfs-utilization", "test-emr-long-idle", "test-emr-lost-nodes", "test-emr-unhealthy-nodes", "test-emr-yarn-memory-low"];
const DQ_ALARMS = ["test-dq-invariant-news", "test-dq-invariant-prices", "test-dq-no-silver-rows", "test-dq-quarantine-news", "test-dq-quarantine-prices"];

type DataQuality = NonNullable<MonitoringProps["dataQuality"]>;
const DATA_QUALITY: DataQuality = {
  namespace: "test/lake",
  job: "bronze_to_silver",
  datasets: ["prices", "news"],
  metrics: { silverRows: "SilverRows", quarantineShare: "QuarantineSharePercent", invariantViolations: "InvariantViolations" },
  maxQuarantinePercent: 5,
};

function build(props: Partial<Omit<MonitoringProps, "key">> = {}) {
  const stack = bareStack();
  const key = testKey(stack);
  const monitoring = new Monitoring(stack, "monitoring", {
    env: TEST_ENV,
    key,
    names: {
      topic: "test-alerts",
      topicDisplayName: "Test alerts",
      alarmPrefix: "test-",
      emrFailureRule: "test-emr-failures",
      pipelineFailureRule: "test-pipeline-failures",
      budget: "test-budget",
    },
    emr: { clusterNamePrefix: "test-cluster", stepNamePrefix: "test " },
    budget: { monthlyUsd: 100, tag: { key: "environment", value: "test" } },
    ...props,
  });
  return { stack, monitoring };
}

/** Every alarm, by its name. */
function alarmsByName(tf: TerraformJson): Record<string, any> {
  return Object.fromEntries(resources(tf, "aws_cloudwatch_metric_alarm").map(([, a]) => [a.alarm_name, a]));
}

/** What every alarm carries: it is enabled and notifies the topic in and out of ALARM. */
const NOTIFIES_TOPIC = {
  actions_enabled: true,
  alarm_actions: [expect.stringMatching(TOPIC_ARN)],
  ok_actions: [expect.stringMatching(TOPIC_ARN)],
};

describe("Monitoring defaults", () => {
  const { stack } = build();
  const { tf, snapshot } = synthBare(stack);
  const alarms = alarmsByName(tf);

  it("matches its snapshot", async () => {
    await expect(snapshot).toMatchFileSnapshot("__snapshots__/monitoring.tf.json");
  });

  it("has the EMR alarms only: no data-quality alarm without dataQuality", () => {
    expect(Object.keys(alarms).sort()).toEqual(EMR_ALARMS);
    expect(Object.keys(alarms).filter((n) => n.includes("dq-"))).toEqual([]);
  });

  it("every alarm notifies the one topic, which is encrypted under the key", () => {
    expect(resources(tf, "aws_sns_topic")).toHaveLength(1);
    expect(resource(tf, "aws_sns_topic", "monitoring_topic").kms_master_key_id).toMatch(/^\$\{aws_kms_key\.key_[0-9A-F]{8}\.arn\}$/);
    for (const [name, a] of Object.entries(alarms)) expect(a, name).toMatchObject(NOTIFIES_TOPIC);
  });
});

describe("Monitoring dataQuality", () => {
  const { stack, monitoring } = build({ dataQuality: DATA_QUALITY });
  const { tf } = synthBare(stack);
  const alarms = alarmsByName(tf);

  it("adds two alarms per dataset and one for Silver rows, beside the EMR alarms", () => {
    expect(Object.keys(alarms).sort()).toEqual([...DQ_ALARMS, ...EMR_ALARMS].sort());
    expect(Object.keys(monitoring.alarms).filter((id) => id.startsWith("dq-")).sort()).toEqual([
      "dq-invariant-news", "dq-invariant-prices", "dq-no-silver-rows", "dq-quarantine-news", "dq-quarantine-prices",
    ]);
  });

  it("quarantine share: the day's maximum above the threshold, per job and dataset", () => {
    expect(alarms["test-dq-quarantine-prices"]).toEqual({
      alarm_name: "test-dq-quarantine-prices",
      alarm_description: "A run quarantined more than 5% of the prices Bronze lines; see the quarantine reasons.",
      namespace: "test/lake",
      metric_name: "QuarantineSharePercent",
      dimensions: { Job: "bronze_to_silver", Dataset: "prices" },
      statistic: "Maximum",
      comparison_operator: "GreaterThanThreshold",
      threshold: 5,
      period: 86400,
      evaluation_periods: 1,
      treat_missing_data: "notBreaching",
      ...NOTIFIES_TOPIC,
    });
    expect(alarms["test-dq-quarantine-news"]).toMatchObject({
      metric_name: "QuarantineSharePercent",
      dimensions: { Job: "bronze_to_silver", Dataset: "news" },
      threshold: 5,
    });
  });

  it("conservation invariant: any violation in a day, per job and dataset", () => {
    expect(alarms["test-dq-invariant-news"]).toEqual({
      alarm_name: "test-dq-invariant-news",
      alarm_description: "The conservation invariant failed for news: Bronze lines != Silver + quarantined + duplicates. This must never happen.",
      namespace: "test/lake",
      metric_name: "InvariantViolations",
      dimensions: { Job: "bronze_to_silver", Dataset: "news" },
      statistic: "Maximum",
      comparison_operator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      period: 86400,
      evaluation_periods: 1,
      treat_missing_data: "notBreaching",
      ...NOTIFIES_TOPIC,
    });
    expect(alarms["test-dq-invariant-prices"]).toMatchObject({ metric_name: "InvariantViolations", dimensions: { Job: "bronze_to_silver", Dataset: "prices" } });
  });

  it("no Silver rows: the day's Silver rows summed over the datasets, below 1", () => {
    const silverRows = (dataset: string, id: string) => ({
      id,
      return_data: false,
      metric: { namespace: "test/lake", metric_name: "SilverRows", dimensions: { Job: "bronze_to_silver", Dataset: dataset }, stat: "Sum", period: 86400 },
    });
    expect(alarms["test-dq-no-silver-rows"]).toEqual({
      alarm_name: "test-dq-no-silver-rows",
      alarm_description: "A run produced no Silver rows at all (every record quarantined, or nothing parsed).",
      comparison_operator: "LessThanThreshold",
      threshold: 1,
      evaluation_periods: 1,
      treat_missing_data: "notBreaching",
      metric_query: [silverRows("prices", "rows0"), silverRows("news", "rows1"), { id: "total", expression: "rows0 + rows1", label: "Silver rows", return_data: true }],
      ...NOTIFIES_TOPIC,
    });
  });

  it("every data-quality alarm notifies the topic, and CloudWatch may publish to it for alarms named `test-*`", () => {
    for (const name of DQ_ALARMS) expect(alarms[name], name).toMatchObject(NOTIFIES_TOPIC);
    const topicPolicy = statementsBySid(policyDocFor(tf, resource(tf, "aws_sns_topic_policy", "monitoring_topic-policy-attachment").policy));
    expect(topicPolicy.CloudWatchAlarmsPublish.condition).toContainEqual({
      test: "ArnLike",
      variable: "aws:SourceArn",
      values: ["arn:aws:cloudwatch:eu-central-1:123456789012:alarm:test-*"],
    });
  });
});

describe("Monitoring dataQuality options", () => {
  it("maxQuarantinePercent is every quarantine alarm's threshold, and in its description", () => {
    const { stack } = build({ dataQuality: { ...DATA_QUALITY, maxQuarantinePercent: 2.5 } });
    const alarms = alarmsByName(synthBare(stack).tf);
    for (const dataset of ["prices", "news"]) {
      expect(alarms[`test-dq-quarantine-${dataset}`].threshold).toBe(2.5);
      expect(alarms[`test-dq-quarantine-${dataset}`].alarm_description).toBe(`A run quarantined more than 2.5% of the ${dataset} Bronze lines; see the quarantine reasons.`);
    }
  });

  it("namespace, job and metric names come from the props", () => {
    const { stack } = build({
      dataQuality: {
        ...DATA_QUALITY,
        namespace: "other/ns",
        job: "ingest",
        datasets: ["trades"],
        metrics: { silverRows: "Rows", quarantineShare: "Share", invariantViolations: "Broken" },
      },
    });
    const alarms = alarmsByName(synthBare(stack).tf);
    expect(alarms["test-dq-quarantine-trades"]).toMatchObject({ namespace: "other/ns", metric_name: "Share", dimensions: { Job: "ingest", Dataset: "trades" } });
    expect(alarms["test-dq-invariant-trades"]).toMatchObject({ namespace: "other/ns", metric_name: "Broken", dimensions: { Job: "ingest", Dataset: "trades" } });
    expect(alarms["test-dq-no-silver-rows"].metric_query).toEqual([
      { id: "rows0", return_data: false, metric: { namespace: "other/ns", metric_name: "Rows", dimensions: { Job: "ingest", Dataset: "trades" }, stat: "Sum", period: 86400 } },
      { id: "total", expression: "rows0", label: "Silver rows", return_data: true },
    ]);
  });

  it("three datasets: six per-dataset alarms and one sum of all three", () => {
    const { stack } = build({ dataQuality: { ...DATA_QUALITY, datasets: ["prices", "news", "filings"] } });
    const alarms = alarmsByName(synthBare(stack).tf);
    expect(Object.keys(alarms).filter((n) => n.startsWith("test-dq-")).sort()).toEqual([
      "test-dq-invariant-filings", "test-dq-invariant-news", "test-dq-invariant-prices", "test-dq-no-silver-rows",
      "test-dq-quarantine-filings", "test-dq-quarantine-news", "test-dq-quarantine-prices",
    ]);
    const queries = alarms["test-dq-no-silver-rows"].metric_query;
    expect(queries.map((q: any) => [q.id, q.metric?.dimensions.Dataset ?? q.expression])).toEqual([
      ["rows0", "prices"],
      ["rows1", "news"],
      ["rows2", "filings"],
      ["total", "rows0 + rows1 + rows2"],
    ]);
  });

  it("alarm names follow alarmPrefix", () => {
    const { stack } = build({
      names: { topic: "t", topicDisplayName: "T", alarmPrefix: "mp-prod-", emrFailureRule: "r1", pipelineFailureRule: "r2", budget: "b" },
      dataQuality: DATA_QUALITY,
    });
    const names = Object.keys(alarmsByName(synthBare(stack).tf)).filter((n) => n.includes("dq-")).sort();
    expect(names).toEqual(["mp-prod-dq-invariant-news", "mp-prod-dq-invariant-prices", "mp-prod-dq-no-silver-rows", "mp-prod-dq-quarantine-news", "mp-prod-dq-quarantine-prices"]);
  });
});

describe("Monitoring validation", () => {
  it("refuses an idle alarm longer than the 3 hours Metrics Insights alarms see", () => {
    expect(() => build({ idleAlarmMinutes: 185 })).toThrow("Monitoring: emr-long-idle looks back further than the 3 hours Metrics Insights alarms see");
  });

  it("refuses data-quality alarms over no dataset (the no-rows sum would be empty)", () => {
    expect(() => build({ dataQuality: { ...DATA_QUALITY, datasets: [] } })).toThrow("Monitoring: dataQuality needs at least one dataset");
  });

  it("accepts exactly 3 hours", () => {
    const { stack } = build({ idleAlarmMinutes: 180 });
    const idle = alarmsByName(synthBare(stack).tf)["test-emr-long-idle"];
    expect(idle.evaluation_periods * idle.metric_query[0].period).toBe(10800);
  });
});
