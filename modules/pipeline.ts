/**
 * Pipeline: the daily run that runs itself. A standard Step Functions state machine starts a
 * transient EMR cluster from the environment's cluster specification, runs the day's steps,
 * and terminates the cluster on every path it controls (modules/pipeline-definition.ts). An
 * EventBridge Scheduler schedule starts it; a start the scheduler cannot make lands in an
 * encrypted dead-letter queue.
 *
 * Everything is under the environment key: the state machine's data, its execution log group,
 * the schedule and the dead-letter queue.
 *
 * The state machine's role has only what the EMR integration uses, as AWS documents it for
 * createCluster/addStep/terminateCluster with .sync, scoped by the environment tag where EMR
 * supports conditions: RunJobFlow only with the environment's tags on the request, and every
 * call on an existing cluster only on clusters carrying them.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Construct } from "constructs";
import { arn, regionalArn, type AwsEnvironment } from "./arn";
import type { DataLake } from "./data-lake";
import type { Emr } from "./emr";
import { runJobFlowParameters } from "./emr-cluster-spec";
import type { EmrIam } from "./emr-iam";
import type { EncryptionKey } from "./encryption-key";
import type { LogBucket } from "./log-bucket";
import { EMR_MANAGED_TAG } from "./network";
import { pipelineDefinition, RUN_PLACEHOLDERS, type StateMachineDefinition } from "./pipeline-definition";
import { servicePrincipals, type Statement } from "./policy-document";
import { Role } from "./role";
import { BRONZE_DATASETS, JOB_OUTPUT_LAYER, JOB_PARTS, metricsKeyTemplate, RUN_FILES_PREFIX, type RunFilesJob, type SparkJobs } from "./spark-jobs";

/** The EventBridge rules Step Functions manages for the EMR .sync integrations. */
export const EMR_SYNC_RULES = [
  "StepFunctionsGetEventForEMRRunJobFlowRule",
  "StepFunctionsGetEventForEMRAddJobFlowStepsRule",
  "StepFunctionsGetEventForEMRTerminateJobFlowsRule",
];

/** What the scheduler puts in each execution's input: the time the run was scheduled for. */
export const SCHEDULED_INPUT = { scheduledTime: "<aws.scheduler.scheduled-time>" };

export interface PipelineProps {
  /** The pipeline's account and region. Required. */
  readonly env: AwsEnvironment;
  /** Physical names (envs/naming.ts). Required. */
  readonly names: {
    readonly stateMachine: string;
    readonly role: string;
    readonly logGroup: string;
    readonly schedule: string;
    readonly schedulerRole: string;
    readonly deadLetterQueue: string;
    /** Transient clusters are named `<clusterNamePrefix>-<run date>`. */
    readonly clusterNamePrefix: string;
  };
  /** The environment's tag that every pipeline cluster carries and the role's EMR permissions require. Required. */
  readonly environmentTag: { readonly key: string; readonly value: string };
  /** The cluster specification every run's cluster is launched from, its security and roles. Required. */
  readonly emr: Emr;
  readonly emrIam: EmrIam;
  /** The staged jobs; the pipeline runs `sparkJobs.pipelineJobs`, in order, one step each. Required. */
  readonly sparkJobs: SparkJobs;
  /** Bronze (where a daily run looks for input) and the layers the jobs write their metrics files to. Required. */
  readonly lake: DataLake;
  /** Jobs that write a metrics file; the pipeline publishes it once the run's cluster is terminated. Default: none. */
  readonly metricsJobs?: readonly RunFilesJob[];
  /** Where the clusters' step logs are, for failure causes. Required. */
  readonly logs: LogBucket;
  /** The environment key: state machine data, logs, schedule, dead-letter queue. Required. */
  readonly key: EncryptionKey;
  /** The namespace of the pipeline's own metrics. Required. */
  readonly metricNamespace: string;
  /** A scheduled run processes the UTC day this many days before its scheduled time. Default: 1. */
  readonly dateLagDays?: number;
  readonly timeouts: { readonly clusterStartMinutes: number; readonly stepMinutes: number; readonly executionMinutes: number };
  /** While an older run is running, check again this often. Default: 300. */
  readonly queueCheckSeconds?: number;
  /** Execution-log retention, in days. Default: 365. */
  readonly logRetentionDays?: number;
  readonly schedule: {
    /** Default: off. The schedule exists either way; off is `state = DISABLED`. */
    readonly enabled?: boolean;
    /** cron(...) or rate(...). Required. */
    readonly expression: string;
    /** Default: UTC. */
    readonly timezone?: string;
    /** 0 turns the flexible window off. Default: 15. */
    readonly flexibleWindowMinutes?: number;
    /** Default: 3. */
    readonly retryAttempts?: number;
    /** Default: 3600. */
    readonly maximumEventAgeSeconds?: number;
  };
}

export class Pipeline extends Construct {
  readonly stateMachine: SfnStateMachine;
  readonly stateMachineArn: string;
  readonly definition: StateMachineDefinition;
  readonly role: Role;
  readonly logGroup: CloudwatchLogGroup;
  readonly schedule: SchedulerSchedule;
  readonly schedulerRole: Role;
  readonly deadLetterQueue: SqsQueue;

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    const { env, names, key } = props;
    // Built from names, not read from the resource: the role's policy names the state machine
    // and the state machine names the role, which Terraform cannot order otherwise.
    this.stateMachineArn = regionalArn(env, "states", `stateMachine:${names.stateMachine}`);
    const clusters = regionalArn(env, "elasticmapreduce", "cluster/*");
    const tagged = (on: "RequestTag" | "ResourceTag") => [
      { test: "StringEquals", variable: `aws:${on}/${props.environmentTag.key}`, values: [props.environmentTag.value] },
    ];

    const jobs = props.sparkJobs.pipelineJobs;
    const logPrefix = props.emrIam.logPrefix;
    const bronze = props.lake.buckets.bronze;
    // Each metrics file is written by the step that runs its job.
    const stepOf = (job: RunFilesJob) => jobs.find((step) => JOB_PARTS[step].includes(job));
    const metricsJobs = (props.metricsJobs ?? []).filter((job) => stepOf(job) !== undefined);
    this.definition = pipelineDefinition({
      runJobFlow: runJobFlowParameters(props.emr.spec),
      clusterNamePrefix: names.clusterNamePrefix,
      jobs: jobs.map((job) => ({
        job,
        daily: props.sparkJobs.step(job, { date: RUN_PLACEHOLDERS.date }),
        backfill: props.sparkJobs.step(job, { start: RUN_PLACEHOLDERS.start, end: RUN_PLACEHOLDERS.end }),
      })),
      inputCheck: {
        bucket: bronze.bucketName,
        datasets: BRONZE_DATASETS,
        afterJob: jobs.includes("generate") ? "generate" : undefined,
      },
      dateLagDays: props.dateLagDays ?? 1,
      timeouts: {
        clusterStartSeconds: props.timeouts.clusterStartMinutes * 60,
        stepSeconds: props.timeouts.stepMinutes * 60,
        executionSeconds: props.timeouts.executionMinutes * 60,
      },
      queueCheckSeconds: props.queueCheckSeconds ?? 300,
      stepLogsUri: `${props.logs.bucket.s3Uri(logPrefix)}/`,
      metrics: { namespace: props.metricNamespace, pipeline: names.stateMachine },
      metricsFiles: metricsJobs.map((job) => ({
        job,
        step: stepOf(job),
        bucket: props.lake.buckets[JOB_OUTPUT_LAYER[job]].bucketName,
        keyTemplate: metricsKeyTemplate(job),
      })),
    });

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: names.logGroup,
      retentionInDays: props.logRetentionDays ?? 365,
      kmsKeyId: key.keyArn,
    });

    this.role = new Role(this, "role", {
      roleName: names.role,
      description: "The pipeline state machine: one transient EMR cluster per run",
      grantSid: "PipelineStateMachine",
      assumedBy: [
        {
          effect: "Allow",
          principals: servicePrincipals("states.amazonaws.com"),
          actions: ["sts:AssumeRole"],
          condition: [
            { test: "StringEquals", variable: "aws:SourceAccount", values: [env.accountId] },
            { test: "ArnLike", variable: "aws:SourceArn", values: [this.stateMachineArn] },
          ],
        },
      ],
    });
    const role = this.role;
    const emrStatements: Statement[] = [
      {
        sid: "RunTaggedClusters",
        effect: "Allow",
        actions: ["elasticmapreduce:RunJobFlow"],
        // RunJobFlow has no resource type: "*" is the only resource it accepts. The request
        // must tag the cluster as this environment's and as EMR-managed-policy-usable.
        resources: ["*"],
        condition: [
          ...tagged("RequestTag"),
          {
            test: "StringEquals",
            variable: `aws:RequestTag/${Object.keys(EMR_MANAGED_TAG)[0]}`,
            values: [Object.values(EMR_MANAGED_TAG)[0]],
          },
        ],
      },
      {
        sid: "TagClustersAtLaunch",
        effect: "Allow",
        actions: ["elasticmapreduce:AddTags"],
        resources: [clusters],
        condition: tagged("RequestTag"),
      },
      {
        sid: "ManageOwnClusters",
        effect: "Allow",
        actions: [
          "elasticmapreduce:DescribeCluster",
          "elasticmapreduce:TerminateJobFlows",
          "elasticmapreduce:AddJobFlowSteps",
          "elasticmapreduce:DescribeStep",
          "elasticmapreduce:CancelSteps",
        ],
        resources: [clusters],
        condition: tagged("ResourceTag"),
      },
      {
        sid: "SyncIntegrationRules",
        effect: "Allow",
        actions: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
        resources: EMR_SYNC_RULES.map((rule) => regionalArn(env, "events", `rule/${rule}`)),
      },
      {
        sid: "PassEmrServiceRole",
        effect: "Allow",
        actions: ["iam:PassRole"],
        resources: [props.emrIam.serviceRoleArn],
        condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["elasticmapreduce.amazonaws.com"] }],
      },
      {
        sid: "PassEmrInstanceRole",
        effect: "Allow",
        actions: ["iam:PassRole"],
        resources: [props.emrIam.instanceRoleArn],
        condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["ec2.amazonaws.com"] }],
      },
      {
        // EMR needs its cleanup service-linked role to terminate instances of failed clusters;
        // the first createCluster in an account creates it.
        sid: "EmrCleanupServiceLinkedRole",
        effect: "Allow",
        actions: ["iam:CreateServiceLinkedRole"],
        resources: [arn("iam", "role/aws-service-role/elasticmapreduce.amazonaws.com*/AWSServiceRoleForEMRCleanup*", { account: env.accountId })],
        condition: [{ test: "StringEquals", variable: "iam:AWSServiceName", values: ["elasticmapreduce.amazonaws.com"] }],
      },
    ];
    role.addToPolicy("emr", ...emrStatements);
    role.addToPolicy(
      "run-control",
      {
        sid: "ListOwnExecutions",
        effect: "Allow",
        actions: ["states:ListExecutions"],
        resources: [this.stateMachineArn],
      },
      {
        sid: "PutPipelineMetrics",
        effect: "Allow",
        actions: ["cloudwatch:PutMetricData"],
        // PutMetricData has no resource-level permissions; the namespace condition scopes it.
        resources: ["*"],
        condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: [props.metricNamespace] }],
      },
      {
        sid: "ListBronzeDays",
        effect: "Allow",
        actions: ["s3:ListBucket"],
        resources: [bronze.arn],
        condition: [{ test: "StringLike", variable: "s3:prefix", values: BRONZE_DATASETS.map((d) => `${d}/date=*`) }],
      },
    );
    // The metrics files the jobs write, and nothing else of the lake (decrypt comes with the grant).
    for (const layer of new Set(metricsJobs.map((job) => JOB_OUTPUT_LAYER[job]))) {
      props.lake.grantRead(role, layer, { prefix: RUN_FILES_PREFIX, sid: `Read${layer.charAt(0).toUpperCase()}${layer.slice(1)}RunFiles`, keyViaS3Only: true });
    }
    role.addToPolicy(
      "logs-and-tracing",
      {
        sid: "ExecutionLogDelivery",
        effect: "Allow",
        actions: [
          "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
        ],
        // CloudWatch Logs vended-delivery actions have no resource-level permissions.
        resources: ["*"],
      },
      {
        sid: "XRayTracing",
        effect: "Allow",
        actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
        // X-Ray has no resource-level permissions for these actions.
        resources: ["*"],
      },
    );
    // The state machine's data is encrypted under the key with its ARN as encryption context.
    key.grantEncryptDecrypt(role, {
      purpose: "StateMachineData",
      condition: [{ test: "StringEquals", variable: "kms:EncryptionContext:aws:states:stateMachineArn", values: [this.stateMachineArn] }],
    });
    // Execution logs of a CMK-encrypted state machine are delivered encrypted, by the logs service.
    key.grantEncryptDecrypt(role, {
      purpose: "ExecutionLogs",
      condition: [{ test: "StringLike", variable: "kms:EncryptionContext:SourceArn", values: [regionalArn(env, "logs", "*")] }],
    });
    key.addServiceUser("LogDeliveryForStateMachine", "delivery.logs.amazonaws.com", [
      { test: "StringEquals", variable: "aws:SourceAccount", values: [env.accountId] },
    ]);

    this.stateMachine = new SfnStateMachine(this, "state-machine", {
      name: names.stateMachine,
      type: "STANDARD",
      roleArn: role.arn,
      definition: JSON.stringify(this.definition),
      loggingConfiguration: { logDestination: `${this.logGroup.arn}:*`, includeExecutionData: true, level: "ALL" },
      tracingConfiguration: { enabled: true },
      encryptionConfiguration: { type: "CUSTOMER_MANAGED_KMS_KEY", kmsKeyId: key.keyArn, kmsDataKeyReusePeriodSeconds: 300 },
      // Step Functions checks the role's logging permissions when it creates the state machine.
      dependsOn: role.policies,
    });

    // --- Schedule ---------------------------------------------------------------------------
    this.deadLetterQueue = new SqsQueue(this, "dead-letters", {
      name: names.deadLetterQueue,
      kmsMasterKeyId: key.keyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      // The longest SQS keeps a message: two weeks to notice and replay a missed run.
      messageRetentionSeconds: 1_209_600,
    });
    const scheduleArn = regionalArn(env, "scheduler", `schedule/default/${names.schedule}`);
    this.schedulerRole = new Role(this, "scheduler-role", {
      roleName: names.schedulerRole,
      description: "EventBridge Scheduler: starts the pipeline, dead-letters what it cannot start",
      grantSid: "PipelineScheduler",
      assumedBy: [
        {
          effect: "Allow",
          principals: servicePrincipals("scheduler.amazonaws.com"),
          actions: ["sts:AssumeRole"],
          condition: [
            { test: "StringEquals", variable: "aws:SourceAccount", values: [env.accountId] },
            { test: "ArnEquals", variable: "aws:SourceArn", values: [scheduleArn] },
          ],
        },
      ],
    });
    this.schedulerRole.addToPolicy(
      "start-pipeline",
      { sid: "StartPipeline", effect: "Allow", actions: ["states:StartExecution"], resources: [this.stateMachineArn] },
      { sid: "DeadLetter", effect: "Allow", actions: ["sqs:SendMessage"], resources: [this.deadLetterQueue.arn] },
    );
    // The schedule, the execution input and the dead-letter queue are all under the key.
    key.grantEncryptDecrypt(this.schedulerRole);

    const s = props.schedule;
    const window = s.flexibleWindowMinutes ?? 15;
    this.schedule = new SchedulerSchedule(this, "schedule", {
      name: names.schedule,
      groupName: "default",
      description: "Runs the MarketPulse pipeline for the previous UTC day",
      scheduleExpression: s.expression,
      scheduleExpressionTimezone: s.timezone ?? "UTC",
      state: s.enabled ? "ENABLED" : "DISABLED",
      flexibleTimeWindow: window > 0 ? { mode: "FLEXIBLE", maximumWindowInMinutes: window } : { mode: "OFF" },
      kmsKeyArn: key.keyArn,
      target: {
        arn: this.stateMachine.arn,
        roleArn: this.schedulerRole.arn,
        input: JSON.stringify(SCHEDULED_INPUT),
        retryPolicy: { maximumRetryAttempts: s.retryAttempts ?? 3, maximumEventAgeInSeconds: s.maximumEventAgeSeconds ?? 3600 },
        deadLetterConfig: { arn: this.deadLetterQueue.arn },
      },
      dependsOn: this.schedulerRole.policies,
    });
  }
}
