/**
 * Monitoring: one SNS topic per environment that everything worth a human's attention goes to.
 *
 * - EMR: clusters come and go with pipeline runs, so their ids are unknown at plan time. The
 *   alarms are CloudWatch Metrics Insights queries over every EMR cluster in the account (one
 *   account per environment, so that is this environment's clusters): failed applications,
 *   unhealthy and lost nodes, HDFS utilisation, YARN memory pressure and a long-idle cluster
 *   (a cost alarm). An EventBridge rule matches failed or cancelled steps and clusters ending
 *   TERMINATED_WITH_ERRORS by their names, which all carry the environment's prefix. Only a
 *   long-running cluster, whose id Terraform knows, also gets the per-cluster core-node alarm.
 * - The pipeline: alarms on failed, timed-out and throttled executions; a freshness alarm (no
 *   successful run for a while) and an alarm on days without input, when the schedule is on;
 *   an alarm on starts the scheduler dead-lettered; and an EventBridge rule for failed,
 *   timed-out and aborted executions.
 * - An AWS Budgets monthly cost budget on the environment's cost-allocation tag.
 *
 * The topic is encrypted with the environment key. AWS services publish to an SSE-KMS topic
 * with their own service principal, so each one is registered as a key user (scoped to this
 * account) and allowed to publish in the topic policy (scoped to its own source ARNs).
 */
import { BudgetsBudget } from "@cdktf/provider-aws/lib/budgets-budget";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import { accountRootArn, arn, regionalArn, type AwsEnvironment } from "./arn";
import type { EncryptionKey } from "./encryption-key";
import { PolicyDocument, awsPrincipals, servicePrincipals } from "./policy-document";

/** EMR publishes its cluster metrics here every 5 minutes, keyed by JobFlowId. */
const EMR_NAMESPACE = "AWS/ElasticMapReduce";
const PERIOD_SECONDS = 300;
/** Metrics Insights alarms evaluate only the most recent 3 hours of data. */
export const METRICS_INSIGHTS_WINDOW_SECONDS = 3 * 3600;

export interface MonitoringProps {
  /** The environment's account and region: publish and key-use conditions are pinned to them. Required. */
  readonly env: AwsEnvironment;
  /** Names (envs/naming.ts). Every alarm's name starts with `alarmPrefix`. Required. */
  readonly names: {
    readonly topic: string;
    readonly topicDisplayName: string;
    readonly alarmPrefix: string;
    readonly emrFailureRule: string;
    readonly pipelineFailureRule: string;
    readonly budget: string;
  };
  /** The environment key: encrypts the topic. Required. */
  readonly key: EncryptionKey;
  /** E-mail recipients; each must confirm the subscription AWS mails them. Default: none. */
  readonly alarmEmails?: readonly string[];
  /** What the EMR alarms and rule watch. Required. */
  readonly emr: {
    /** Every cluster's name starts with this (transient: `<prefix>-<run date>`). */
    readonly clusterNamePrefix: string;
    /** Every step's name starts with this. */
    readonly stepNamePrefix: string;
    /** The long-running cluster, when there is one: its id and the fewest core nodes it should run. */
    readonly longRunning?: { readonly clusterId: string; readonly minimumCoreNodes: number };
  };
  /** Alarm when HDFS is fuller than this (percent). Default: 80. */
  readonly hdfsUtilizationPercent?: number;
  /** Alarm when YARN memory available is below this (percent). Default: 15. */
  readonly yarnMemoryAvailablePercent?: number;
  /** Cost alarm after this many idle minutes (5-180: Metrics Insights sees 3 hours). Default: 120. */
  readonly idleAlarmMinutes?: number;
  /** What the pipeline alarms and rule watch. Default: no pipeline. */
  readonly pipeline?: {
    readonly stateMachineArn: string;
    /** Name used as the dimension of the pipeline's own metrics. */
    readonly name: string;
    readonly metricNamespace: string;
    readonly deadLetterQueueName: string;
    /** With the schedule on: alarm when no run has succeeded for this many hours. Default: no alarm. */
    readonly freshnessHours?: number;
    /** With the schedule on: alarm when runs found no input this many days in a row. Default: no alarm. */
    readonly noInputDays?: number;
  };
  /**
   * Data quality, from the metrics each run publishes (names from the lake contract). Alarms:
   * a dataset's quarantine share above the threshold, a run with no Silver rows at all, and any
   * conservation-invariant violation. Default: none.
   */
  readonly dataQuality?: {
    readonly namespace: string;
    /** The job that publishes them and its datasets, e.g. bronze_to_silver: prices, news. */
    readonly job: string;
    readonly datasets: readonly string[];
    readonly metrics: { readonly silverRows: string; readonly quarantineShare: string; readonly invariantViolations: string };
    /** Percent. */
    readonly maxQuarantinePercent: number;
  };
  /** The monthly cost budget. Required. */
  readonly budget: {
    /** Monthly cost limit in USD. */
    readonly monthlyUsd: number;
    /** Cost-allocation tag that identifies the environment's spend, e.g. environment=dev. */
    readonly tag: { readonly key: string; readonly value: string };
    /** Alert when actual spend passes this share of the limit (percent). Default: 80. */
    readonly actualAlertPercent?: number;
  };
}

/** What an alarm measures and when it fires; the topic, actions and name are added here. */
type AlarmSpec = Omit<CloudwatchMetricAlarmConfig, "alarmName" | "alarmActions" | "okActions" | "actionsEnabled">;

export class Monitoring extends Construct {
  readonly topic: SnsTopic;
  readonly topicArn: string;
  readonly alarms: Record<string, CloudwatchMetricAlarm> = {};
  readonly emrFailureRule: CloudwatchEventRule;
  readonly pipelineFailureRule?: CloudwatchEventRule;
  readonly budget: BudgetsBudget;
  private readonly alarmPrefix: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { env, names } = props;
    this.alarmPrefix = names.alarmPrefix;
    const sourceAccount = [{ test: "StringEquals", variable: "aws:SourceAccount", values: [env.accountId] }];

    // Publishers of an SSE-KMS topic need the key; the condition keeps other accounts' alarms,
    // rules and budgets from using it through these service principals.
    props.key.addServiceUser("CloudWatchAlarmsPublishToSns", "cloudwatch.amazonaws.com", sourceAccount);
    props.key.addServiceUser("EventBridgePublishToSns", "events.amazonaws.com", sourceAccount);
    props.key.addServiceUser("BudgetsPublishToSns", "budgets.amazonaws.com", sourceAccount);

    this.topic = new SnsTopic(this, "topic", { name: names.topic, displayName: names.topicDisplayName, kmsMasterKeyId: props.key.keyArn });
    this.topicArn = this.topic.arn;

    this.emrFailureRule = new CloudwatchEventRule(this, "emr-failures", {
      name: names.emrFailureRule,
      description: "EMR steps that failed or were cancelled, and clusters terminating with errors, by name prefix",
      eventPattern: JSON.stringify({
        source: ["aws.emr"],
        $or: [
          { "detail-type": ["EMR Step Status Change"], detail: { state: ["FAILED", "CANCELLED"], name: [{ prefix: props.emr.stepNamePrefix }] } },
          { "detail-type": ["EMR Cluster State Change"], detail: { state: ["TERMINATED_WITH_ERRORS"], name: [{ prefix: props.emr.clusterNamePrefix }] } },
        ],
      }),
    });
    const rules = [this.emrFailureRule];
    if (props.pipeline) {
      this.pipelineFailureRule = new CloudwatchEventRule(this, "pipeline-failures", {
        name: names.pipelineFailureRule,
        description: "Pipeline runs that failed, timed out or were aborted",
        eventPattern: JSON.stringify({
          source: ["aws.states"],
          "detail-type": ["Step Functions Execution Status Change"],
          detail: { status: ["FAILED", "TIMED_OUT", "ABORTED"], stateMachineArn: [props.pipeline.stateMachineArn] },
        }),
      });
      rules.push(this.pipelineFailureRule);
    }
    for (const rule of rules) {
      new CloudwatchEventTarget(this, `${rule.node.id}-target`, { rule: rule.name, arn: this.topic.arn, targetId: "alerts-topic" });
    }

    const policy = new PolicyDocument(this, "topic-policy", [
      {
        // What SNS's default topic policy grants the owning account, kept explicitly.
        sid: "AccountManagesTopic",
        effect: "Allow",
        principals: awsPrincipals(accountRootArn(env)),
        actions: [
          "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission", "sns:RemovePermission",
          "sns:DeleteTopic", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish",
        ],
        resources: [this.topic.arn],
      },
      {
        sid: "CloudWatchAlarmsPublish",
        effect: "Allow",
        principals: servicePrincipals("cloudwatch.amazonaws.com"),
        actions: ["sns:Publish"],
        resources: [this.topic.arn],
        condition: [
          ...sourceAccount,
          { test: "ArnLike", variable: "aws:SourceArn", values: [regionalArn(env, "cloudwatch", `alarm:${names.alarmPrefix}*`)] },
        ],
      },
      {
        sid: "EventBridgePublish",
        effect: "Allow",
        principals: servicePrincipals("events.amazonaws.com"),
        actions: ["sns:Publish"],
        resources: [this.topic.arn],
        condition: [...sourceAccount, { test: "ArnEquals", variable: "aws:SourceArn", values: rules.map((r) => r.arn) }],
      },
      {
        sid: "BudgetsPublish",
        effect: "Allow",
        principals: servicePrincipals("budgets.amazonaws.com"),
        actions: ["sns:Publish"],
        resources: [this.topic.arn],
        condition: [...sourceAccount, { test: "ArnLike", variable: "aws:SourceArn", values: [arn("budgets", "*", { account: env.accountId })] }],
      },
    ]);
    const topicPolicy = new SnsTopicPolicy(this, "topic-policy-attachment", { arn: this.topic.arn, policy: policy.json });

    for (const email of props.alarmEmails ?? []) {
      // Id from the address, not the list index: reordering the list must not resubscribe anyone.
      new SnsTopicSubscription(this, `email-${email.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`, {
        topicArn: this.topic.arn,
        protocol: "email",
        endpoint: email,
      });
    }

    this.emrAlarms(props);
    if (props.pipeline) this.pipelineAlarms(props.pipeline);
    if (props.dataQuality) this.dataQualityAlarms(props.dataQuality);

    const actual = props.budget.actualAlertPercent ?? 80;
    this.budget = new BudgetsBudget(this, "budget", {
      name: names.budget,
      budgetType: "COST",
      limitAmount: String(props.budget.monthlyUsd),
      limitUnit: "USD",
      timeUnit: "MONTHLY",
      // Only spend carrying the environment tag (the provider's default_tags; the pipeline's
      // clusters carry it through the cluster specification); the tag must be activated as a
      // cost-allocation tag in Billing first (docs/operations.md).
      costFilter: [{ name: "TagKeyValue", values: [`user:${props.budget.tag.key}$${props.budget.tag.value}`] }],
      notification: [
        { comparisonOperator: "GREATER_THAN", notificationType: "ACTUAL", threshold: actual, thresholdType: "PERCENTAGE", subscriberSnsTopicArns: [this.topic.arn] },
        { comparisonOperator: "GREATER_THAN", notificationType: "FORECASTED", threshold: 100, thresholdType: "PERCENTAGE", subscriberSnsTopicArns: [this.topic.arn] },
      ],
      // Budgets publishes only if the topic policy already lets it.
      dependsOn: [topicPolicy],
    });
  }

  /**
   * An alarm named `<alarmPrefix><name>` that notifies the topic, in and out of ALARM. `id` is
   * its construct id (part of its Terraform address); `name` defaults to it.
   */
  alarm(id: string, spec: AlarmSpec, name = id): CloudwatchMetricAlarm {
    const alarm = new CloudwatchMetricAlarm(this, id, {
      ...spec,
      alarmName: `${this.alarmPrefix}${name}`,
      actionsEnabled: true,
      alarmActions: [this.topic.arn],
      okActions: [this.topic.arn],
    });
    this.alarms[id] = alarm;
    return alarm;
  }

  private emrAlarms(props: MonitoringProps): void {
    const idleMinutes = props.idleAlarmMinutes ?? 120;
    const periods = (minutes: number) => Math.max(1, Math.ceil(minutes / (PERIOD_SECONDS / 60)));
    // Every EMR cluster in the account, whatever its id: one Metrics Insights query each. The
    // construct ids are those of the former per-cluster alarms (their Terraform addresses).
    const acrossClusters = (id: string, statistic: "MAX" | "MIN" | "SUM", metric: string, alarm: Omit<AlarmSpec, "metricQuery">) => {
      if ((alarm.evaluationPeriods as number) * PERIOD_SECONDS > METRICS_INSIGHTS_WINDOW_SECONDS) {
        throw new Error(`Monitoring: emr-${id} looks back further than the 3 hours Metrics Insights alarms see`);
      }
      this.alarm(id, {
        ...alarm,
        metricQuery: [
          {
            id: "q",
            expression: `SELECT ${statistic}(${metric}) FROM SCHEMA("${EMR_NAMESPACE}", JobFlowId)`,
            period: PERIOD_SECONDS,
            returnData: true,
          },
        ],
        // No data means no cluster: nothing to alarm on (a run's failure is the pipeline's alarm).
        treatMissingData: "notBreaching",
      }, `emr-${id}`);
    };
    acrossClusters("apps-failed", "SUM", "AppsFailed", {
      alarmDescription: "A YARN application (Spark job) failed on a cluster of this environment.",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: 1,
    });
    acrossClusters("unhealthy-nodes", "MAX", "MRUnhealthyNodes", {
      alarmDescription: "YARN reports unhealthy nodes (usually full disks) for 10 minutes.",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: 2,
    });
    acrossClusters("lost-nodes", "MAX", "MRLostNodes", {
      alarmDescription: "YARN lost contact with nodes for 10 minutes (spot reclaims or failed instances).",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: 2,
    });
    acrossClusters("hdfs-utilization", "MAX", "HDFSUtilization", {
      alarmDescription: "HDFS on a cluster's core nodes is filling up; jobs will fail when it is full.",
      comparisonOperator: "GreaterThanThreshold",
      threshold: props.hdfsUtilizationPercent ?? 80,
      evaluationPeriods: 2,
    });
    acrossClusters("yarn-memory-low", "MIN", "YARNMemoryAvailablePercentage", {
      alarmDescription: "YARN memory has been nearly exhausted for 15 minutes; check managed scaling limits.",
      comparisonOperator: "LessThanThreshold",
      threshold: props.yarnMemoryAvailablePercent ?? 15,
      evaluationPeriods: 3,
    });
    acrossClusters("long-idle", "MAX", "IsIdle", {
      alarmDescription: `Cost: a cluster has run no work for ${idleMinutes} minutes and is still billed.`,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: periods(idleMinutes),
    });
    const lr = props.emr.longRunning;
    if (lr) {
      this.alarm("core-nodes-low", {
        alarmDescription: `Fewer than ${lr.minimumCoreNodes} core nodes on the long-running cluster for 10 minutes: HDFS and capacity are at risk.`,
        namespace: EMR_NAMESPACE,
        metricName: "CoreNodesRunning",
        dimensions: { JobFlowId: lr.clusterId },
        statistic: "Minimum",
        comparisonOperator: "LessThanThreshold",
        threshold: lr.minimumCoreNodes,
        period: PERIOD_SECONDS,
        evaluationPeriods: 2,
        treatMissingData: "notBreaching",
      }, "emr-core-nodes-low");
    }
  }

  private dataQualityAlarms(q: NonNullable<MonitoringProps["dataQuality"]>): void {
    if (q.datasets.length === 0) throw new Error("Monitoring: dataQuality needs at least one dataset");
    // A run publishes once: a day-long period keeps its verdict for the day, and no data (no run)
    // is no news.
    const daily = { period: 86_400, evaluationPeriods: 1, treatMissingData: "notBreaching" } as const;
    const dims = (dataset: string) => ({ Job: q.job, Dataset: dataset });
    for (const dataset of q.datasets) {
      this.alarm(`dq-quarantine-${dataset}`, {
        alarmDescription: `A run quarantined more than ${q.maxQuarantinePercent}% of the ${dataset} Bronze lines; see the quarantine reasons.`,
        namespace: q.namespace,
        metricName: q.metrics.quarantineShare,
        dimensions: dims(dataset),
        statistic: "Maximum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: q.maxQuarantinePercent,
        ...daily,
      });
      this.alarm(`dq-invariant-${dataset}`, {
        alarmDescription: `The conservation invariant failed for ${dataset}: Bronze lines != Silver + quarantined + duplicates. This must never happen.`,
        namespace: q.namespace,
        metricName: q.metrics.invariantViolations,
        dimensions: dims(dataset),
        statistic: "Maximum",
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        ...daily,
      });
    }
    // Summed over the datasets: a day with news but no prices (a weekend) is not "no rows".
    const ids = q.datasets.map((_, i) => `rows${i}`);
    this.alarm("dq-no-silver-rows", {
      alarmDescription: "A run produced no Silver rows at all (every record quarantined, or nothing parsed).",
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
      metricQuery: [
        ...q.datasets.map((dataset, i) => ({
          id: ids[i],
          returnData: false,
          metric: { namespace: q.namespace, metricName: q.metrics.silverRows, dimensions: dims(dataset), stat: "Sum", period: 86_400 },
        })),
        { id: "total", expression: ids.join(" + "), label: "Silver rows", returnData: true },
      ],
    });
  }

  private pipelineAlarms(p: NonNullable<MonitoringProps["pipeline"]>): void {
    const states = (id: string, metric: string, description: string) =>
      this.alarm(id, {
        alarmDescription: description,
        namespace: "AWS/States",
        metricName: metric,
        dimensions: { StateMachineArn: p.stateMachineArn },
        statistic: "Sum",
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        period: PERIOD_SECONDS,
        evaluationPeriods: 1,
        treatMissingData: "notBreaching",
      });
    states("pipeline-failed", "ExecutionsFailed", "A pipeline run failed; its error names the state and the cluster.");
    states("pipeline-timed-out", "ExecutionsTimedOut", "A pipeline run hit its execution timeout; its cluster stops on its idle timeout.");
    states("pipeline-throttled", "ExecutionThrottled", "Step Functions throttled the pipeline.");
    this.alarm("pipeline-dead-letters", {
      alarmDescription: "The scheduler could not start a run; the start waits in the dead-letter queue.",
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: p.deadLetterQueueName },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      period: PERIOD_SECONDS,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
    });
    if (p.freshnessHours !== undefined) {
      this.alarm("pipeline-stale", {
        alarmDescription: `No pipeline run has succeeded for ${p.freshnessHours} hours.`,
        namespace: "AWS/States",
        metricName: "ExecutionsSucceeded",
        dimensions: { StateMachineArn: p.stateMachineArn },
        statistic: "Sum",
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        period: 3600,
        evaluationPeriods: p.freshnessHours,
        datapointsToAlarm: p.freshnessHours,
        // No data is no successful run: that is exactly what this alarm is for.
        treatMissingData: "breaching",
      });
    }
    if (p.noInputDays !== undefined) {
      this.alarm("pipeline-no-input", {
        alarmDescription: `Scheduled runs found no Bronze input ${p.noInputDays} days in a row: is the feed down?`,
        namespace: p.metricNamespace,
        metricName: "RunsWithoutInput",
        dimensions: { Pipeline: p.name },
        statistic: "Sum",
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        period: 86_400,
        evaluationPeriods: p.noInputDays,
        datapointsToAlarm: p.noInputDays,
        treatMissingData: "notBreaching",
      });
    }
  }
}
