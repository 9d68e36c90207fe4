/**
 * Monitoring: one SNS topic per environment that everything worth a human's attention goes to.
 *
 * - CloudWatch alarms on the cluster's EMR metrics: failed applications, unhealthy and lost
 *   nodes, HDFS utilisation, YARN memory pressure, long idle time (a cost alarm) and core nodes
 *   below the fleet's minimum.
 * - An EventBridge rule for failed or cancelled steps and for the cluster ending in
 *   TERMINATED_WITH_ERRORS.
 * - An AWS Budgets monthly cost budget on the environment's cost-allocation tag.
 *
 * The topic is encrypted with the environment key. AWS services publish to an SSE-KMS topic
 * with their own service principal, so each one is registered as a key user (scoped to this
 * account) and allowed to publish in the topic policy (scoped to its own source ARNs).
 */
import { BudgetsBudget } from "@cdktf/provider-aws/lib/budgets-budget";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
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

export interface MonitoringProps {
  /** The environment's account and region: publish and key-use conditions are pinned to them. Required. */
  readonly env: AwsEnvironment;
  /** Names (envs/naming.ts). Every alarm's name starts with `alarmPrefix`. Required. */
  readonly names: {
    readonly topic: string;
    readonly topicDisplayName: string;
    readonly alarmPrefix: string;
    readonly failureRule: string;
    readonly budget: string;
  };
  /** The environment key: encrypts the topic. */
  readonly key: EncryptionKey;
  /** E-mail recipients; each must confirm the subscription AWS mails them. Default: none. */
  readonly alarmEmails?: readonly string[];
  /** The cluster to watch: its id and the fewest core nodes it should ever run. */
  readonly cluster: { readonly clusterId: string; readonly minimumCoreNodes: number };
  /** Alarm when HDFS is fuller than this (percent). Default: 80. */
  readonly hdfsUtilizationPercent?: number;
  /** Alarm when YARN memory available is below this (percent). Default: 15. */
  readonly yarnMemoryAvailablePercent?: number;
  /** Cost alarm after this many idle minutes (5-1440). Default: 120. */
  readonly idleAlarmMinutes?: number;
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

interface AlarmSpec {
  readonly id: string;
  readonly metric: string;
  readonly statistic: "Sum" | "Average" | "Maximum" | "Minimum";
  readonly comparison: "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold" | "LessThanThreshold";
  readonly threshold: number;
  readonly periods: number;
  readonly description: string;
}

export class Monitoring extends Construct {
  readonly topic: SnsTopic;
  readonly topicArn: string;
  readonly alarms: Record<string, CloudwatchMetricAlarm> = {};
  readonly failureRule: CloudwatchEventRule;
  readonly budget: BudgetsBudget;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { env, names } = props;
    const sourceAccount = [{ test: "StringEquals", variable: "aws:SourceAccount", values: [env.accountId] }];

    // Publishers of an SSE-KMS topic need the key; the condition keeps other accounts' alarms,
    // rules and budgets from using it through these service principals.
    props.key.addServiceUser("CloudWatchAlarmsPublishToSns", "cloudwatch.amazonaws.com", sourceAccount);
    props.key.addServiceUser("EventBridgePublishToSns", "events.amazonaws.com", sourceAccount);
    props.key.addServiceUser("BudgetsPublishToSns", "budgets.amazonaws.com", sourceAccount);

    this.topic = new SnsTopic(this, "topic", {
      name: names.topic,
      displayName: names.topicDisplayName,
      kmsMasterKeyId: props.key.keyArn,
    });
    this.topicArn = this.topic.arn;

    this.failureRule = new CloudwatchEventRule(this, "emr-failures", {
      name: names.failureRule,
      description: "EMR steps that failed or were cancelled, and the cluster terminating with errors",
      // One rule for both event types: step states never include TERMINATED_WITH_ERRORS and
      // cluster states never include FAILED or CANCELLED, so the union is exact.
      eventPattern: JSON.stringify({
        source: ["aws.emr"],
        "detail-type": ["EMR Step Status Change", "EMR Cluster State Change"],
        detail: { clusterId: [props.cluster.clusterId], state: ["FAILED", "CANCELLED", "TERMINATED_WITH_ERRORS"] },
      }),
    });
    new CloudwatchEventTarget(this, "emr-failures-target", { rule: this.failureRule.name, arn: this.topic.arn, targetId: "alerts-topic" });

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
        condition: [...sourceAccount, { test: "ArnEquals", variable: "aws:SourceArn", values: [this.failureRule.arn] }],
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

    const idleMinutes = props.idleAlarmMinutes ?? 120;
    const specs: AlarmSpec[] = [
      {
        id: "apps-failed",
        metric: "AppsFailed",
        statistic: "Sum",
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        periods: 1,
        description: "A YARN application (Spark job) failed on the cluster.",
      },
      {
        id: "unhealthy-nodes",
        metric: "MRUnhealthyNodes",
        statistic: "Maximum",
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        periods: 2,
        description: "YARN reports unhealthy nodes (usually full disks) for 10 minutes.",
      },
      {
        id: "lost-nodes",
        metric: "MRLostNodes",
        statistic: "Maximum",
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        periods: 2,
        description: "YARN lost contact with nodes for 10 minutes (spot reclaims or failed instances).",
      },
      {
        id: "hdfs-utilization",
        metric: "HDFSUtilization",
        statistic: "Average",
        comparison: "GreaterThanThreshold",
        threshold: props.hdfsUtilizationPercent ?? 80,
        periods: 2,
        description: "HDFS on the core nodes is filling up; jobs will fail when it is full.",
      },
      {
        id: "yarn-memory-low",
        metric: "YARNMemoryAvailablePercentage",
        statistic: "Average",
        comparison: "LessThanThreshold",
        threshold: props.yarnMemoryAvailablePercent ?? 15,
        periods: 3,
        description: "YARN memory has been nearly exhausted for 15 minutes; check managed scaling limits.",
      },
      {
        id: "long-idle",
        metric: "IsIdle",
        statistic: "Minimum",
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        periods: Math.max(1, Math.ceil(idleMinutes / 5)),
        description: `Cost: the cluster has run no work for ${idleMinutes} minutes and is still billed.`,
      },
      {
        id: "core-nodes-low",
        metric: "CoreNodesRunning",
        statistic: "Minimum",
        comparison: "LessThanThreshold",
        threshold: props.cluster.minimumCoreNodes,
        periods: 2,
        description: `Fewer than ${props.cluster.minimumCoreNodes} core nodes for 10 minutes: HDFS and capacity are at risk.`,
      },
    ];
    for (const spec of specs) {
      this.alarms[spec.id] = new CloudwatchMetricAlarm(this, spec.id, {
        alarmName: `${names.alarmPrefix}emr-${spec.id}`,
        alarmDescription: spec.description,
        namespace: EMR_NAMESPACE,
        metricName: spec.metric,
        dimensions: { JobFlowId: props.cluster.clusterId },
        statistic: spec.statistic,
        comparisonOperator: spec.comparison,
        threshold: spec.threshold,
        period: PERIOD_SECONDS,
        evaluationPeriods: spec.periods,
        // No data means no cluster (dev terminates when idle); a cluster that dies with errors
        // is reported by the EventBridge rule instead.
        treatMissingData: "notBreaching",
        actionsEnabled: true,
        alarmActions: [this.topic.arn],
        okActions: [this.topic.arn],
      });
    }

    const actual = props.budget.actualAlertPercent ?? 80;
    this.budget = new BudgetsBudget(this, "budget", {
      name: names.budget,
      budgetType: "COST",
      limitAmount: String(props.budget.monthlyUsd),
      limitUnit: "USD",
      timeUnit: "MONTHLY",
      // Only spend carrying the environment tag (from the provider's default_tags); the tag must
      // be activated as a cost-allocation tag in Billing first (docs/operations.md).
      costFilter: [{ name: "TagKeyValue", values: [`user:${props.budget.tag.key}$${props.budget.tag.value}`] }],
      notification: [
        {
          comparisonOperator: "GREATER_THAN",
          notificationType: "ACTUAL",
          threshold: actual,
          thresholdType: "PERCENTAGE",
          subscriberSnsTopicArns: [this.topic.arn],
        },
        {
          comparisonOperator: "GREATER_THAN",
          notificationType: "FORECASTED",
          threshold: 100,
          thresholdType: "PERCENTAGE",
          subscriberSnsTopicArns: [this.topic.arn],
        },
      ],
      // Budgets publishes only if the topic policy already lets it.
      dependsOn: [topicPolicy],
    });
  }
}
