import { describe, expect, it } from "vitest";
import { RAW_ENVS, policyDocFor, resource, resources, statementsBySid, synthEnv, type EnvName } from "../support/synth";

const KEY_REF = /^\$\{aws_kms_key\.kms_key_\w+\.arn\}$/;
const STATE_MACHINE = /^\$\{aws_sfn_state_machine\.pipeline_state-machine_\w+\.arn\}$/;

describe.each<EnvName>(["dev", "prod"])("monitoring (%s)", (env) => {
  const { tf, stack } = synthEnv(env);
  const cfg = stack.config;
  const topic = resource(tf, "aws_sns_topic", "monitoring_topic");
  const [topicName] = resources(tf, "aws_sns_topic").find(([n]) => n.startsWith("monitoring_topic"))!;
  const topicArn = `\${aws_sns_topic.${topicName}.arn}`;
  const alarms = Object.fromEntries(resources(tf, "aws_cloudwatch_metric_alarm").map(([, a]) => [a.alarm_name.replace(`marketpulse-${env}-`, ""), a]));
  const emrAlarms = Object.entries(alarms).filter(([n]) => n.startsWith("emr-"));

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
      {
        test: "ArnEquals",
        variable: "aws:SourceArn",
        values: [
          expect.stringMatching(/aws_cloudwatch_event_rule\.monitoring_emr-failures_\w+\.arn/),
          expect.stringMatching(/aws_cloudwatch_event_rule\.monitoring_pipeline-failures_\w+\.arn/),
        ],
      },
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

  it("EMR: alarms on failed apps, unhealthy and lost nodes, HDFS, YARN memory and long idle, across every cluster of the account", () => {
    expect(emrAlarms.map(([n]) => n).sort()).toEqual([
      "emr-apps-failed", "emr-hdfs-utilization", "emr-long-idle", "emr-lost-nodes", "emr-unhealthy-nodes", "emr-yarn-memory-low",
    ]);
    const query = (name: string) => alarms[name].metric_query[0].expression;
    expect(query("emr-apps-failed")).toBe('SELECT SUM(AppsFailed) FROM SCHEMA("AWS/ElasticMapReduce", JobFlowId)');
    expect(query("emr-unhealthy-nodes")).toBe('SELECT MAX(MRUnhealthyNodes) FROM SCHEMA("AWS/ElasticMapReduce", JobFlowId)');
    expect(query("emr-lost-nodes")).toBe('SELECT MAX(MRLostNodes) FROM SCHEMA("AWS/ElasticMapReduce", JobFlowId)');
    expect(query("emr-yarn-memory-low")).toBe('SELECT MIN(YARNMemoryAvailablePercentage) FROM SCHEMA("AWS/ElasticMapReduce", JobFlowId)');
    expect(alarms["emr-hdfs-utilization"]).toMatchObject({ comparison_operator: "GreaterThanThreshold", threshold: cfg.monitoring.hdfsUtilizationPercent });
    expect(alarms["emr-yarn-memory-low"]).toMatchObject({ comparison_operator: "LessThanThreshold", threshold: cfg.monitoring.yarnMemoryAvailablePercent });
    expect(query("emr-long-idle")).toBe('SELECT MAX(IsIdle) FROM SCHEMA("AWS/ElasticMapReduce", JobFlowId)');
    expect(alarms["emr-long-idle"].metric_query[0].period * alarms["emr-long-idle"].evaluation_periods).toBe(cfg.monitoring.idleAlarmMinutes * 60);
  });

  it("EMR alarms name no cluster id (transient clusters have none at plan time) and fit Metrics Insights' 3 hours", () => {
    for (const [name, a] of emrAlarms as [string, any][]) {
      expect(a.dimensions, name).toBeUndefined();
      expect(a.metric_query).toHaveLength(1);
      expect(a.metric_query[0].period * a.evaluation_periods, name).toBeLessThanOrEqual(3 * 3600);
      expect(a.treat_missing_data).toBe("notBreaching");
    }
    expect(alarms["emr-core-nodes-low"]).toBeUndefined(); // only a long-running cluster has one
  });

  it("pipeline: failed, timed-out and throttled executions, and dead-lettered starts", () => {
    for (const [name, metric] of [
      ["pipeline-failed", "ExecutionsFailed"],
      ["pipeline-timed-out", "ExecutionsTimedOut"],
      ["pipeline-throttled", "ExecutionThrottled"],
    ]) {
      expect(alarms[name], name).toMatchObject({ namespace: "AWS/States", metric_name: metric, statistic: "Sum", threshold: 1 });
      expect(alarms[name].dimensions.StateMachineArn).toMatch(STATE_MACHINE);
    }
    expect(alarms["pipeline-dead-letters"]).toMatchObject({ namespace: "AWS/SQS", metric_name: "ApproximateNumberOfMessagesVisible", threshold: 1 });
    expect(alarms["pipeline-dead-letters"].dimensions.QueueName).toMatch(/aws_sqs_queue\.pipeline_dead-letters_\w+\.name/);
  });

  it(`freshness and no-input alarms exist exactly when the schedule is on (${env === "prod" ? "prod: on" : "dev: off"})`, () => {
    if (env === "prod") {
      expect(alarms["pipeline-stale"]).toMatchObject({
        metric_name: "ExecutionsSucceeded",
        comparison_operator: "LessThanThreshold",
        threshold: 1,
        period: 3600,
        evaluation_periods: cfg.pipeline.freshnessAlarmHours,
        datapoints_to_alarm: cfg.pipeline.freshnessAlarmHours,
        treat_missing_data: "breaching",
      });
      expect(alarms["pipeline-no-input"]).toMatchObject({
        namespace: `marketpulse/${env}`,
        metric_name: "RunsWithoutInput",
        dimensions: { Pipeline: `marketpulse-${env}-pipeline` },
        period: 86400,
        evaluation_periods: cfg.pipeline.noInputAlarmDays,
      });
    } else {
      expect(alarms["pipeline-stale"]).toBeUndefined();
      expect(alarms["pipeline-no-input"]).toBeUndefined();
    }
  });

  it("every alarm notifies the topic, in and out of alarm, and says what it means", () => {
    for (const a of Object.values(alarms) as any[]) {
      expect(a.alarm_name.startsWith(`marketpulse-${env}-`)).toBe(true);
      expect(a.actions_enabled).toBe(true);
      expect(a.alarm_actions).toEqual([topicArn]);
      expect(a.ok_actions).toEqual([topicArn]);
      expect(a.alarm_description.length).toBeGreaterThan(10);
    }
  });

  it("an EventBridge rule sends this environment's failed/cancelled steps and clusters ending with errors to the topic, by name", () => {
    const rule = resource(tf, "aws_cloudwatch_event_rule", "monitoring_emr-failures");
    const pattern = JSON.parse(rule.event_pattern);
    expect(pattern).toEqual({
      source: ["aws.emr"],
      $or: [
        { "detail-type": ["EMR Step Status Change"], detail: { state: ["FAILED", "CANCELLED"], name: [{ prefix: `marketpulse-${env} ` }] } },
        { "detail-type": ["EMR Cluster State Change"], detail: { state: ["TERMINATED_WITH_ERRORS"], name: [{ prefix: `marketpulse-${env}` }] } },
      ],
    });
    // The names the pipeline gives its steps and clusters match those prefixes.
    const definition = JSON.parse(resource(tf, "aws_sfn_state_machine", "pipeline_state-machine").definition);
    expect(definition.States.DailyRun.Parameters["clusterName.$"]).toBe(`States.Format('marketpulse-${env}-{}', $.date)`);
    expect(definition.States.DailyRun.Parameters.stepNames["bronze_to_gold.$"]).toBe(`States.Format('marketpulse-${env} bronze_to_gold {}', $.date)`);
    const target = resource(tf, "aws_cloudwatch_event_target", "monitoring_emr-failures-target");
    expect(target.arn).toBe(topicArn);
    expect(target.rule).toMatch(/aws_cloudwatch_event_rule\.monitoring_emr-failures_\w+\.name/);
  });

  it("an EventBridge rule sends failed, timed-out and aborted pipeline runs to the topic", () => {
    const rule = resource(tf, "aws_cloudwatch_event_rule", "monitoring_pipeline-failures");
    expect(JSON.parse(rule.event_pattern)).toEqual({
      source: ["aws.states"],
      "detail-type": ["Step Functions Execution Status Change"],
      detail: { status: ["FAILED", "TIMED_OUT", "ABORTED"], stateMachineArn: [expect.stringMatching(STATE_MACHINE)] },
    });
    expect(resource(tf, "aws_cloudwatch_event_target", "monitoring_pipeline-failures-target").arn).toBe(topicArn);
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
    expect(idle.metric_query[0].period).toBe(300);
    expect(resource(tf, "aws_budgets_budget", "monitoring_budget").limit_amount).toBe("99.5");
  });

  it("turning the schedule on in dev brings its freshness alarm, with the configured window", () => {
    const { tf } = synthEnv("dev", { pipeline: { ...RAW_ENVS.dev.pipeline, schedule: { enabled: true }, freshnessAlarmHours: 50 } });
    const stale = resources(tf, "aws_cloudwatch_metric_alarm").find(([n]) => n.includes("pipeline-stale"))![1];
    expect(stale.evaluation_periods).toBe(50);
  });

  it("no recipients, no subscriptions", () => {
    const { tf } = synthEnv("dev", { monitoring: { alarmEmails: [] } });
    expect(resources(tf, "aws_sns_topic_subscription")).toEqual([]);
  });
});
