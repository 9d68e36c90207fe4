/**
 * The daily pipeline as synthesized for each environment: the state machine, its role, its
 * schedule and the dead-letter queue. The definition's own semantics are specified in
 * __tests__/modules/pipeline-definition.test.ts; here, what the stack makes of it.
 */
import { describe, expect, it } from "vitest";
import { EMR_SYNC_RULES, SCHEDULED_INPUT } from "../../modules/pipeline";
import { RUN_PLACEHOLDERS, runState } from "../../modules/pipeline-definition";
import { validate, type States } from "../support/asl";
import { policyDocFor, resource, resources, statementsBySid, synthEnv, type EnvName, type TerraformJson } from "../support/synth";

const KEY_REF = /^\$\{aws_kms_key\.kms_key_\w+\.arn\}$/;

/** Inline policy statements of the role whose construct path contains `fragment`, by policy name. */
function rolePolicies(tf: TerraformJson, fragment: string): Record<string, Record<string, any>> {
  const [roleName] = resources(tf, "aws_iam_role").find(([n]) => n.startsWith(fragment))!;
  return Object.fromEntries(
    resources(tf, "aws_iam_role_policy")
      .filter(([, p]) => p.role === `\${aws_iam_role.${roleName}.id}`)
      .map(([, p]) => [p.name, statementsBySid(policyDocFor(tf, p.policy))]),
  );
}

describe.each<EnvName>(["dev", "prod"])("pipeline (%s)", (env) => {
  const { tf, stack } = synthEnv(env);
  const cfg = stack.config;
  const account = cfg.accountId;
  const region = cfg.region;
  const stateMachineArn = `arn:aws:states:${region}:${account}:stateMachine:marketpulse-${env}-pipeline`;
  const sm = resource(tf, "aws_sfn_state_machine", "pipeline_state-machine");
  const definition = JSON.parse(sm.definition);
  const states = definition.States as States;

  it("is one standard state machine whose synthesized definition is valid ASL (asl-validator)", () => {
    expect(resources(tf, "aws_sfn_state_machine")).toHaveLength(1);
    expect(sm).toMatchObject({ name: `marketpulse-${env}-pipeline`, type: "STANDARD" });
    expect(validate(definition)).toEqual({ isValid: true, errors: "" });
  });

  it("logs every execution, with its data, to a KMS-encrypted log group; traces with X-Ray; encrypts its data with the environment key", () => {
    const group = resource(tf, "aws_cloudwatch_log_group", "pipeline_logs");
    expect(group).toMatchObject({ name: `/marketpulse/${env}/pipeline`, retention_in_days: cfg.logging.logRetentionDays });
    expect(group.kms_key_id).toMatch(KEY_REF);
    expect(sm.logging_configuration).toEqual({
      level: "ALL",
      include_execution_data: true,
      log_destination: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.pipeline_logs_\w+\.arn\}:\*$/),
    });
    expect(sm.tracing_configuration).toEqual({ enabled: true });
    expect(sm.encryption_configuration).toEqual({ type: "CUSTOMER_MANAGED_KMS_KEY", kms_key_id: expect.stringMatching(KEY_REF), kms_data_key_reuse_period_seconds: 300 });
    // Step Functions checks the role's logging permissions when it creates the state machine.
    expect(sm.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_iam_role_policy\.pipeline_role-logs-and-tracing_/)]));
  });

  it("runs the environment's steps in order (the ETL as one), each exactly as staged, with the date from the run", () => {
    const jobs = stack.sparkJobs.pipelineJobs;
    expect(jobs).toEqual(env === "dev" ? ["generate", "bronze_to_gold"] : ["bronze_to_gold"]);
    for (const job of jobs) {
      // The staged step's arguments, with the run's date where the step file has @DATE@.
      const staged = stack.sparkJobs.steps[job]!.Args.map((a) => (a === RUN_PLACEHOLDERS.date ? "$.date" : `'${a}'`));
      expect(states.DailyRun.Parameters.args[`${job}.$`]).toBe(`States.Array(${staged.join(", ")})`);
      expect(states[runState(job)].Parameters.Step["HadoopJarStep"]).toEqual({ Jar: "command-runner.jar", "Args.$": `$.run.args.${job}` });
    }
  });

  it("timeouts come from the config", () => {
    expect(definition.TimeoutSeconds).toBe(cfg.pipeline.executionTimeoutMinutes * 60);
    expect(states.CreateCluster.TimeoutSeconds).toBe(cfg.pipeline.clusterStartTimeoutMinutes * 60);
    for (const job of stack.sparkJobs.pipelineJobs) expect(states[runState(job)].TimeoutSeconds).toBe(cfg.pipeline.stepTimeoutMinutes * 60);
    expect(states.WaitForOlderRun.Seconds).toBe(cfg.pipeline.queueCheckSeconds);
  });

  it(`checks for Bronze input ${env === "dev" ? "after generate writes it (synthetic feed)" : "before starting any cluster"}`, () => {
    if (env === "dev") {
      expect(states[runState("generate")].Next).toBe("ShouldCheckInput");
      expect(states.ValidateDates.Choices[0].Next).toBe("ListRunningRuns");
    } else {
      expect(states.ValidateDates.Choices[0].Next).toBe("ShouldCheckInput");
    }
    expect(states["List Bronze prices"].Parameters.Bucket).toBe(`marketpulse-${env}-bronze-${account}`);
  });

  describe("the state machine's role", () => {
    const role = resource(tf, "aws_iam_role", "pipeline_role");
    const policies = rolePolicies(tf, "pipeline_role");

    it("trusts only Step Functions running this state machine in this account", () => {
      expect(role.name).toBe(`marketpulse-${env}-pipeline`);
      expect(policyDocFor(tf, role.assume_role_policy).statement).toEqual([
        {
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["states.amazonaws.com"] }],
          actions: ["sts:AssumeRole"],
          condition: [
            { test: "StringEquals", variable: "aws:SourceAccount", values: [account] },
            { test: "ArnLike", variable: "aws:SourceArn", values: [stateMachineArn] },
          ],
        },
      ]);
    });

    it("has exactly the EMR actions the integration uses, on this environment's tagged clusters", () => {
      const emr = policies.emr;
      expect(Object.keys(emr).sort()).toEqual([
        "EmrCleanupServiceLinkedRole", "ManageOwnClusters", "PassEmrInstanceRole", "PassEmrServiceRole", "RunTaggedClusters", "SyncIntegrationRules", "TagClustersAtLaunch",
      ]);
      expect(emr.ManageOwnClusters.actions.sort()).toEqual([
        "elasticmapreduce:AddJobFlowSteps", "elasticmapreduce:CancelSteps", "elasticmapreduce:DescribeCluster", "elasticmapreduce:DescribeStep", "elasticmapreduce:TerminateJobFlows",
      ]);
      expect(emr.ManageOwnClusters.resources).toEqual([`arn:aws:elasticmapreduce:${region}:${account}:cluster/*`]);
      expect(emr.ManageOwnClusters.condition).toEqual([{ test: "StringEquals", variable: "aws:ResourceTag/environment", values: [env] }]);
      expect(emr.RunTaggedClusters.condition).toEqual([
        { test: "StringEquals", variable: "aws:RequestTag/environment", values: [env] },
        { test: "StringEquals", variable: "aws:RequestTag/for-use-with-amazon-emr-managed-policies", values: ["true"] },
      ]);
      // Tags only at launch, and only with this environment's tag: it cannot re-tag another cluster in.
      expect(emr.TagClustersAtLaunch).toEqual({
        sid: "TagClustersAtLaunch",
        effect: "Allow",
        actions: ["elasticmapreduce:AddTags"],
        resources: [`arn:aws:elasticmapreduce:${region}:${account}:cluster/*`],
        condition: [{ test: "StringEquals", variable: "aws:RequestTag/environment", values: [env] }],
      });
      // The clusters it launches carry exactly the tag its permissions require.
      const tags = Object.fromEntries(states.CreateCluster.Parameters.Tags.map((t: any) => [t.Key, t.Value]));
      expect(tags.environment).toBe(env);
    });

    it("may pass only the EMR service role to EMR and the instance role to EC2", () => {
      expect(policies.emr.PassEmrServiceRole).toEqual({
        sid: "PassEmrServiceRole",
        effect: "Allow",
        actions: ["iam:PassRole"],
        resources: [expect.stringMatching(/^\$\{aws_iam_role\.emr-iam_service-role_\w+\.arn\}$/)],
        condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["elasticmapreduce.amazonaws.com"] }],
      });
      expect(policies.emr.PassEmrInstanceRole.resources).toEqual([expect.stringMatching(/^\$\{aws_iam_role\.emr-iam_instance-role_\w+\.arn\}$/)]);
      expect(policies.emr.PassEmrInstanceRole.condition).toEqual([{ test: "StringEquals", variable: "iam:PassedToService", values: ["ec2.amazonaws.com"] }]);
      // And those are the roles every cluster runs under.
      expect(states.CreateCluster.Parameters.ServiceRole).toBe(policies.emr.PassEmrServiceRole.resources[0]);
    });

    it("manages only the EventBridge rules .sync needs, and creates only EMR's cleanup service-linked role", () => {
      expect(policies.emr.SyncIntegrationRules).toEqual({
        sid: "SyncIntegrationRules",
        effect: "Allow",
        actions: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
        resources: EMR_SYNC_RULES.map((r) => `arn:aws:events:${region}:${account}:rule/${r}`),
      });
      expect(EMR_SYNC_RULES).toEqual([
        "StepFunctionsGetEventForEMRRunJobFlowRule", "StepFunctionsGetEventForEMRAddJobFlowStepsRule", "StepFunctionsGetEventForEMRTerminateJobFlowsRule",
      ]);
      expect(policies.emr.EmrCleanupServiceLinkedRole).toMatchObject({
        actions: ["iam:CreateServiceLinkedRole"],
        resources: [`arn:aws:iam::${account}:role/aws-service-role/elasticmapreduce.amazonaws.com*/AWSServiceRoleForEMRCleanup*`],
        condition: [{ test: "StringEquals", variable: "iam:AWSServiceName", values: ["elasticmapreduce.amazonaws.com"] }],
      });
    });

    it("lists only its own executions, lists Bronze days only, and publishes metrics only to its namespace", () => {
      const c = policies["run-control"];
      expect(c.ListOwnExecutions.resources).toEqual([stateMachineArn]);
      expect(c.ListBronzeDays).toMatchObject({ actions: ["s3:ListBucket"], condition: [{ test: "StringLike", variable: "s3:prefix", values: ["prices/date=*", "news/date=*"] }] });
      expect(c.ListBronzeDays.resources).toEqual([expect.stringMatching(/^\$\{aws_s3_bucket\.lake_bronze_bucket_\w+\.arn\}$/)]);
      expect(c.PutPipelineMetrics.condition).toEqual([{ test: "StringEquals", variable: "cloudwatch:namespace", values: [`marketpulse/${env}`] }]);
    });

    it("reads only the jobs' run files of the lake: the metrics files under _runs/", () => {
      const s3 = policies["data-lake"];
      expect(Object.keys(s3).sort()).toEqual(["ReadGoldRunFiles", "ReadGoldRunFilesList", "ReadGoldRunFilesLocation", "ReadSilverRunFiles", "ReadSilverRunFilesList", "ReadSilverRunFilesLocation"]);
      for (const layer of ["silver", "gold"]) {
        const sid = `Read${layer[0].toUpperCase()}${layer.slice(1)}RunFiles`;
        expect(s3[sid].actions).not.toContain("s3:PutObject");
        expect(s3[sid].resources).toEqual([expect.stringMatching(new RegExp(`^\\$\\{aws_s3_bucket\\.lake_${layer}_bucket_\\w+\\.arn\\}/_runs/\\*$`))]);
        expect(s3[`${sid}List`].condition).toEqual([{ test: "StringLike", variable: "s3:prefix", values: ["_runs/*", "_runs"] }]);
      }
    });

    it("uses the key only for its own data (encryption context), its execution logs and, through S3, the run files", () => {
      const kms = policies["environment-key"];
      expect(kms.UseEnvironmentKeyStateMachineData.condition).toEqual([
        { test: "StringEquals", variable: "kms:EncryptionContext:aws:states:stateMachineArn", values: [stateMachineArn] },
      ]);
      expect(kms.UseEnvironmentKeyExecutionLogs.condition).toEqual([
        { test: "StringLike", variable: "kms:EncryptionContext:SourceArn", values: [`arn:aws:logs:${region}:${account}:*`] },
      ]);
      for (const layer of ["Silver", "Gold"]) {
        const viaS3 = kms[`UseEnvironmentKeyVia${layer}Bucket`];
        expect(viaS3.actions).toEqual(["kms:Decrypt", "kms:DescribeKey"]);
        expect(viaS3.condition).toEqual([
          { test: "StringEquals", variable: "kms:ViaService", values: [`s3.${region}.amazonaws.com`] },
          { test: "StringLike", variable: "kms:EncryptionContext:aws:s3:arn", values: [expect.stringMatching(/\.arn\}$/), expect.stringMatching(/\.arn\}\/\*$/)] },
        ]);
      }
      expect(kms.UseEnvironmentKey).toBeUndefined(); // no unconditional use
      // CloudWatch Logs' delivery service writes the execution logs for this account only.
      const keyPolicy = statementsBySid(Object.entries(tf.data.aws_iam_policy_document).find(([n]) => n.startsWith("kms_policy"))![1]);
      expect(keyPolicy.LogDeliveryForStateMachine).toMatchObject({
        principals: [{ type: "Service", identifiers: ["delivery.logs.amazonaws.com"] }],
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account] }],
      });
    });
  });

  describe("the schedule", () => {
    const schedule = resource(tf, "aws_scheduler_schedule", "pipeline_schedule");
    const s = cfg.pipeline.schedule;

    it(`is an EventBridge Scheduler schedule, ${env === "prod" ? "enabled (prod's default)" : "disabled (the default outside prod)"}`, () => {
      expect(schedule).toMatchObject({
        name: `marketpulse-${env}-pipeline`,
        group_name: "default",
        schedule_expression: s.expression,
        schedule_expression_timezone: s.timezone,
        state: env === "prod" ? "ENABLED" : "DISABLED",
        flexible_time_window: { mode: "FLEXIBLE", maximum_window_in_minutes: s.flexibleWindowMinutes },
      });
      expect(s.expression).toBe("cron(0 2 * * ? *)");
      expect(schedule.kms_key_arn).toMatch(KEY_REF);
      expect(resources(tf, "aws_cloudwatch_event_rule").every(([, r]) => r.schedule_expression === undefined)).toBe(true);
    });

    it("starts the state machine with its scheduled time, retries, and dead-letters what it cannot start", () => {
      expect(schedule.target.arn).toMatch(/aws_sfn_state_machine\.pipeline_state-machine_\w+\.arn/);
      expect(JSON.parse(schedule.target.input)).toEqual(SCHEDULED_INPUT);
      expect(SCHEDULED_INPUT).toEqual({ scheduledTime: "<aws.scheduler.scheduled-time>" });
      expect(schedule.target.retry_policy).toEqual({ maximum_retry_attempts: s.retryAttempts, maximum_event_age_in_seconds: s.maximumEventAgeMinutes * 60 });
      expect(schedule.target.dead_letter_config).toEqual({ arn: expect.stringMatching(/aws_sqs_queue\.pipeline_dead-letters_\w+\.arn/) });
    });

    it("the dead-letter queue is encrypted with the environment key and keeps messages two weeks", () => {
      const queue = resource(tf, "aws_sqs_queue", "pipeline_dead-letters");
      expect(queue).toMatchObject({ name: `marketpulse-${env}-pipeline-dlq`, message_retention_seconds: 1209600 });
      expect(queue.kms_master_key_id).toMatch(KEY_REF);
    });

    it("its role may only start this state machine and send to its dead-letter queue", () => {
      const role = resource(tf, "aws_iam_role", "pipeline_scheduler-role");
      const [trust] = policyDocFor(tf, role.assume_role_policy).statement;
      expect(trust.principals).toEqual([{ type: "Service", identifiers: ["scheduler.amazonaws.com"] }]);
      expect(trust.condition).toEqual([
        { test: "StringEquals", variable: "aws:SourceAccount", values: [account] },
        { test: "ArnEquals", variable: "aws:SourceArn", values: [`arn:aws:scheduler:${region}:${account}:schedule/default/marketpulse-${env}-pipeline`] },
      ]);
      const policies = rolePolicies(tf, "pipeline_scheduler-role");
      expect(Object.keys(policies).sort()).toEqual(["environment-key", "start-pipeline"]);
      // Key use (the schedule, the execution input and the queue are under the key): this key only.
      expect(Object.values(policies["environment-key"])).toEqual([
        expect.objectContaining({ effect: "Allow", resources: [expect.stringMatching(KEY_REF)] }),
      ]);
      expect(Object.values(policies["environment-key"])[0].actions.some((a: string) => /Grant|Delete|Disable|Put|Schedule|\*/.test(a))).toBe(false);
      expect(policies["start-pipeline"]).toEqual({
        StartPipeline: { sid: "StartPipeline", effect: "Allow", actions: ["states:StartExecution"], resources: [stateMachineArn] },
        DeadLetter: { sid: "DeadLetter", effect: "Allow", actions: ["sqs:SendMessage"], resources: [expect.stringMatching(/aws_sqs_queue\.pipeline_dead-letters_\w+\.arn/)] },
      });
    });
  });

  it("exposes the state machine, the schedule and the dead-letter queue as outputs", () => {
    expect(tf.output.pipeline_state_machine_arn.value).toMatch(/aws_sfn_state_machine\.pipeline_state-machine_\w+\.arn/);
    expect(tf.output.pipeline_state_machine_name.value).toMatch(/aws_sfn_state_machine\.pipeline_state-machine_\w+\.name/);
    expect(tf.output.pipeline_schedule.value).toMatch(/aws_scheduler_schedule\.pipeline_schedule_\w+\.name/);
    expect(tf.output.pipeline_dead_letter_queue.value).toMatch(/aws_sqs_queue\.pipeline_dead-letters_\w+\.url/);
  });
});

describe("pipeline config variants", () => {
  it("a schedule without a flexible window, in another time zone, looking back three days", () => {
    const { tf } = synthEnv("dev", {
      pipeline: { schedule: { enabled: true, expression: "cron(30 6 ? * MON-FRI *)", timezone: "Europe/London", flexibleWindowMinutes: 0 }, dateLagDays: 3 },
    });
    const schedule = resource(tf, "aws_scheduler_schedule", "pipeline_schedule");
    expect(schedule).toMatchObject({
      state: "ENABLED",
      schedule_expression: "cron(30 6 ? * MON-FRI *)",
      schedule_expression_timezone: "Europe/London",
      flexible_time_window: { mode: "OFF" },
    });
    const definition = JSON.parse(resource(tf, "aws_sfn_state_machine", "pipeline_state-machine").definition);
    expect(definition.States.ScheduledDate.Output.date).toContain(`- ${3 * 86_400_000}`);
  });
});
