import { describe, expect, it } from "vitest";
import { policyDocFor, resource, resources, statementsBySid, synthEnv, type EnvName } from "../support/synth";

const KEY_REF = /^\$\{aws_kms_key\.kms_key_\w+\.arn\}$/;
const CLUSTER_ID = /^\$\{aws_emr_cluster\.emr_cluster_\w+\.id\}$/;

describe.each<EnvName>(["dev", "prod"])("monitoring (%s)", (env) => {
  const { tf, stack } = synthEnv(env);
  const cfg = stack.config;
  const topic = resource(tf, "aws_sns_topic", "monitoring_topic");
  const [topicName] = resources(tf, "aws_sns_topic").find(([n]) => n.startsWith("monitoring_topic"))!;
  const topicArn = `\${aws_sns_topic.${topicName}.arn}`;
  const alarms = Object.fromEntries(resources(tf, "aws_cloudwatch_metric_alarm").map(([, a]) => [a.alarm_name.replace(`marketpulse-${env}-emr-`, ""), a]));

  it("one SNS topic, encrypted with the environment key", () => {
    expect(resources(tf, "aws_sns_topic")).toHaveLength(1);
    expect(topic.name).toBe(`marketpulse-${env}-alerts`);
    expect(topic.kms_master_key_id).toMatch(KEY_REF);
  });

  it("CloudWatch, EventBridge and Budgets may use the key for this account only", () => {
    const key = statementsBySid(tf.data.aws_iam_policy_document[Object.keys(tf.data.aws_iam_policy_document).find((n) => n.startsWith("kms_policy"))!]);
    for (const [sid, service] of [
      ["CloudWatchAlarmsPublishToSns", "cloudwatch.amazonaws.com"],
      ["EventBridgePublishToSns", "events.amazonaws.com"],
      ["BudgetsPublishToSns", "budgets.amazonaws.com"],
    ]) {
      expect(key[sid]).toMatchObject({
        principals: [{ type: "Service", identifiers: [service] }],
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [cfg.accountId] }],
      });
    }
  });

  it("the topic policy lets each service publish only from its own source ARNs in this account", () => {
    const policy = resource(tf, "aws_sns_topic_policy", "monitoring_topic-policy");
    expect(policy.arn).toBe(topicArn);
    const s = statementsBySid(policyDocFor(tf, policy.policy));
    expect(Object.keys(s).sort()).toEqual(["AccountManagesTopic", "BudgetsPublish", "CloudWatchAlarmsPublish", "EventBridgePublish"]);
    const account = { test: "StringEquals", variable: "aws:SourceAccount", values: [cfg.accountId] };
    expect(s.CloudWatchAlarmsPublish.condition).toEqual([
      account,
      { test: "ArnLike", variable: "aws:SourceArn", values: [`arn:aws:cloudwatch:${cfg.region}:${cfg.accountId}:alarm:marketpulse-${env}-*`] },
    ]);
    expect(s.EventBridgePublish.condition).toEqual([
      account,
      { test: "ArnEquals", variable: "aws:SourceArn", values: [expect.stringMatching(/aws_cloudwatch_event_rule\.monitoring_emr-failures_\w+\.arn/)] },
    ]);
    expect(s.BudgetsPublish.condition).toEqual([account, { test: "ArnLike", variable: "aws:SourceArn", values: [`arn:aws:budgets::${cfg.accountId}:*`] }]);
    for (const st of Object.values(s) as any[]) {
      expect(st.resources).toEqual([topicArn]);
      for (const p of st.principals) expect(p.identifiers).not.toContain("*");
    }
    expect(s.AccountManagesTopic.principals).toEqual([{ type: "AWS", identifiers: [`arn:aws:iam::${cfg.accountId}:root`] }]);
  });

  it("every configured address gets an e-mail subscription", () => {
    const subs = resources(tf, "aws_sns_topic_subscription").map(([, x]) => x);
    expect(subs.map((x) => x.endpoint).sort()).toEqual([...cfg.monitoring.alarmEmails].sort());
    for (const x of subs) expect(x).toMatchObject({ protocol: "email", topic_arn: topicArn });
  });

  it("alarms on failed apps, unhealthy and lost nodes, HDFS, YARN memory, long idle and low core nodes", () => {
    expect(Object.keys(alarms).sort()).toEqual([
      "apps-failed", "core-nodes-low", "hdfs-utilization", "long-idle", "lost-nodes", "unhealthy-nodes", "yarn-memory-low",
    ]);
    expect(alarms["apps-failed"]).toMatchObject({ metric_name: "AppsFailed", comparison_operator: "GreaterThanOrEqualToThreshold", threshold: 1 });
    expect(alarms["unhealthy-nodes"]).toMatchObject({ metric_name: "MRUnhealthyNodes", threshold: 1 });
    expect(alarms["lost-nodes"]).toMatchObject({ metric_name: "MRLostNodes", threshold: 1 });
    expect(alarms["hdfs-utilization"]).toMatchObject({
      metric_name: "HDFSUtilization", comparison_operator: "GreaterThanThreshold", threshold: cfg.monitoring.hdfsUtilizationPercent,
    });
    expect(alarms["yarn-memory-low"]).toMatchObject({
      metric_name: "YARNMemoryAvailablePercentage", comparison_operator: "LessThanThreshold", threshold: cfg.monitoring.yarnMemoryAvailablePercent,
    });
    expect(alarms["long-idle"]).toMatchObject({ metric_name: "IsIdle", statistic: "Minimum", threshold: 1 });
    expect(alarms["long-idle"].period * alarms["long-idle"].evaluation_periods).toBe(cfg.monitoring.idleAlarmMinutes * 60);
  });

  it("the core-node alarm fires below the fewest nodes that make up the core fleet's capacity", () => {
    // dev: 1 unit of xlarge types -> 1 node; prod: 6 units of 2xlarge (weight 2) -> 3 nodes.
    expect(alarms["core-nodes-low"]).toMatchObject({
      metric_name: "CoreNodesRunning", comparison_operator: "LessThanThreshold", threshold: env === "prod" ? 3 : 1,
    });
    expect(stack.emr.minimumCoreNodes).toBe(env === "prod" ? 3 : 1);
  });

  it("every alarm watches this cluster's EMR metrics and notifies the topic", () => {
    for (const a of Object.values(alarms) as any[]) {
      expect(a.namespace).toBe("AWS/ElasticMapReduce");
      expect(a.dimensions.JobFlowId).toMatch(CLUSTER_ID);
      expect(a.actions_enabled).toBe(true);
      expect(a.alarm_actions).toEqual([topicArn]);
      expect(a.ok_actions).toEqual([topicArn]);
      expect(a.treat_missing_data).toBe("notBreaching");
      expect(a.alarm_description.length).toBeGreaterThan(10);
    }
  });

  it("an EventBridge rule sends failed/cancelled steps and TERMINATED_WITH_ERRORS to the topic", () => {
    const rule = resource(tf, "aws_cloudwatch_event_rule", "monitoring_emr-failures");
    const pattern = JSON.parse(rule.event_pattern);
    expect(pattern.source).toEqual(["aws.emr"]);
    expect(pattern["detail-type"].sort()).toEqual(["EMR Cluster State Change", "EMR Step Status Change"]);
    expect(pattern.detail.state.sort()).toEqual(["CANCELLED", "FAILED", "TERMINATED_WITH_ERRORS"]);
    expect(pattern.detail.clusterId).toEqual([expect.stringMatching(CLUSTER_ID)]);
    const target = resource(tf, "aws_cloudwatch_event_target", "monitoring_emr-failures-target");
    expect(target.arn).toBe(topicArn);
    expect(target.rule).toMatch(/aws_cloudwatch_event_rule\.monitoring_emr-failures_\w+\.name/);
  });

  it("a monthly cost budget on the environment's tag alerts the topic", () => {
    const budget = resource(tf, "aws_budgets_budget", "monitoring_budget");
    expect(budget).toMatchObject({
      name: `marketpulse-${env}-monthly`,
      budget_type: "COST",
      time_unit: "MONTHLY",
      limit_amount: String(cfg.monitoring.monthlyBudgetUsd),
      limit_unit: "USD",
      cost_filter: [{ name: "TagKeyValue", values: [`user:environment$${env}`] }],
    });
    expect(budget.notification).toHaveLength(2);
    for (const n of budget.notification) expect(n.subscriber_sns_topic_arns).toEqual([topicArn]);
    expect(budget.notification.map((n: any) => n.notification_type).sort()).toEqual(["ACTUAL", "FORECASTED"]);
    expect(budget.depends_on).toEqual([expect.stringMatching(/^aws_sns_topic_policy\./)]);
  });
});

describe("monitoring config variants", () => {
  it("thresholds and recipients come from config; subscriptions are keyed by address", () => {
    const { tf } = synthEnv("dev", {
      monitoring: { alarmEmails: ["a@example.com", "B.Ops@example.com"], hdfsUtilizationPercent: 70, idleAlarmMinutes: 30, monthlyBudgetUsd: 99.5 },
    });
    const names = resources(tf, "aws_sns_topic_subscription").map(([n]) => n);
    expect(names.some((n) => n.includes("email-a-example-com"))).toBe(true);
    expect(names.some((n) => n.includes("email-b-ops-example-com"))).toBe(true);
    const hdfs = resources(tf, "aws_cloudwatch_metric_alarm").find(([n]) => n.includes("hdfs"))![1];
    expect(hdfs.threshold).toBe(70);
    const idle = resources(tf, "aws_cloudwatch_metric_alarm").find(([n]) => n.includes("long-idle"))![1];
    expect(idle.evaluation_periods).toBe(6);
    expect(resource(tf, "aws_budgets_budget", "monitoring_budget").limit_amount).toBe("99.5");
  });

  it("no recipients, no subscriptions", () => {
    const { tf } = synthEnv("dev", { monitoring: { alarmEmails: [] } });
    expect(resources(tf, "aws_sns_topic_subscription")).toEqual([]);
  });
});
