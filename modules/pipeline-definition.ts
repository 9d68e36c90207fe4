/**
 * The pipeline's Amazon States Language definition, as a pure function of its inputs (no
 * constructs), so tests read it directly and a validator checks it.
 *
 * Flow (JSONPath, except the one state that does date arithmetic, which is JSONata):
 *
 *   Route ── {date} ────────────────► DailyRun ────┐
 *     │  ── {start, end} ───────────► BackfillRun ─┤
 *     │  ── {scheduledTime} ─► ScheduledDate ─► DailyRun
 *     └─ anything else ─► InvalidInput (Fail)      ▼
 *                                          ValidateDates ─ bad ─► InvalidDate (Fail)
 *                                                  ▼
 *                      [daily runs without a synthetic feed] CheckInput: no Bronze ─► NoInput (Succeed)
 *                                                  ▼
 *                     ListRunningRuns ─► IsOldestRun ─ no ─► WaitForOlderRun ─┐
 *                                                  ▼ yes  ◄───────────────────┘
 *                                           CreateCluster (.sync) ─ fails ─► ClusterFailed (Fail)
 *                                                  ▼
 *                   Run<job> (addStep.sync) per job [+ CheckInput after generate]
 *                                                  ▼              └─ any failure ─► Record<state>Failure
 *                                    TerminateCluster (.sync)                          ▼
 *                                                  ▼                  TerminateAfterFailure (.sync)
 *                    Read/Publish <job> metrics, per metrics file                      ▼
 *                              ▼           └─ fails ─► MetricsNotPublished  [the failed step's metrics]
 *                          Succeeded                                                   ▼
 *                                                                                  RunFailed (Fail)
 *
 * Every state after CreateCluster catches every error and goes to TerminateAfterFailure, so
 * no path that the state machine controls leaves a cluster running. No state while the
 * cluster exists selects a path from a result it does not control: a missing path is a
 * States.Runtime error, which no Catch (not even States.ALL) sees. Metrics files, written by
 * the jobs, are therefore read only after the cluster is terminated. (A run that hits the
 * execution timeout, or is stopped by hand, ends without running any state: the cluster's own
 * auto-termination is the backstop; docs/operations.md.)
 */
import type { RunJobFlowCommandInput } from "@aws-sdk/client-emr";
import type { EmrStep } from "./spark-jobs";

/** A state of the definition (kept loose: the validator and the tests check the shape). */
export type State = Record<string, unknown>;

export interface StateMachineDefinition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly TimeoutSeconds: number;
  readonly States: Record<string, State>;
}

/** Placeholders the step builder is given; each becomes a JSONPath into the run's input. */
export const RUN_PLACEHOLDERS = { date: "@DATE@", start: "@START@", end: "@END@" } as const;

export interface PipelineJob {
  readonly job: string;
  /** The job's step for one day, built with `RUN_PLACEHOLDERS.date`. */
  readonly daily: EmrStep;
  /** The job's step for a range, built with `RUN_PLACEHOLDERS.start` and `.end`. */
  readonly backfill: EmrStep;
}

export interface PipelineDefinitionProps {
  /** RunJobFlow parameters of every run's cluster; its Name is replaced by `<clusterNamePrefix>-<run label>`. */
  readonly runJobFlow: RunJobFlowCommandInput;
  readonly clusterNamePrefix: string;
  /** The jobs, in order. */
  readonly jobs: readonly PipelineJob[];
  /**
   * Where a daily run looks for Bronze before doing anything, and after which job (`generate`,
   * when the environment's synthetic feed writes the day first). Backfills skip the check.
   */
  readonly inputCheck: { readonly bucket: string; readonly datasets: readonly string[]; readonly afterJob?: string };
  /** A scheduled run (input `{"scheduledTime": ...}`) processes the UTC day this many days earlier. */
  readonly dateLagDays: number;
  readonly timeouts: { readonly clusterStartSeconds: number; readonly stepSeconds: number; readonly executionSeconds: number };
  /** While an older run is running, wait this long between checks. */
  readonly queueCheckSeconds: number;
  /** s3:// prefix under which EMR writes `<cluster id>/steps/<step id>/` logs, for failure causes. */
  readonly stepLogsUri: string;
  /** Namespace and dimension of the pipeline's own metric (runs that found no input). */
  readonly metrics: { readonly namespace: string; readonly pipeline: string };
  /**
   * Jobs whose run writes a metrics file (CloudWatch PutMetricData's MetricData, as JSON): the
   * bucket and the key, with `{}` for the run's label. The pipeline publishes each under
   * `metrics.namespace` once the cluster is terminated; after a failed step, only the files of the
   * failed step's jobs, in order, as long as they exist (best effort), so a run that fails on a
   * broken invariant still reports it. Default: none.
   */
  readonly metricsFiles?: readonly {
    readonly job: string;
    /** The step (one of `jobs`) that writes the file; default: `job` itself. */
    readonly step?: string;
    readonly bucket: string;
    readonly keyTemplate: string;
  }[];
}

/**
 * Errors worth retrying on every EMR task: throttling and transient service errors. The
 * optimized integration reports EMR API errors, throttling included, as
 * EMR.AmazonElasticMapReduceException; the other two are the SDK's own names for the same
 * conditions, listed in case the integration passes them through.
 */
export const TRANSIENT_EMR_ERRORS = ["EMR.AmazonElasticMapReduceException", "EMR.InternalServerException", "EMR.ThrottlingException"];
const EMR_RETRY = { ErrorEquals: TRANSIENT_EMR_ERRORS, IntervalSeconds: 30, MaxAttempts: 5, BackoffRate: 2, JitterStrategy: "FULL" };
/** AWS SDK reads (list executions, list objects, put metrics) are idempotent: retry any failure. */
const SDK_RETRY = { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: "FULL" };

export const ERRORS = {
  invalidInput: "InvalidInput",
  clusterFailed: "ClusterFailed",
  queueCheckFailed: "QueueCheckFailed",
  terminateFailed: "TerminateFailed",
  inputCheckFailed: "InputCheckFailed",
  metricsNotPublished: "MetricsNotPublished",
} as const;

/** Name of the Task state running `job`. */
export const runState = (job: string) => `Run ${job}`;

/** A string literal inside an intrinsic function. Refuses characters that would need escaping. */
function literal(value: string): string {
  if (/['{}\\]/.test(value) || value.includes("${")) {
    throw new Error(`pipeline: ${JSON.stringify(value)} would need escaping inside an intrinsic function; keep step arguments and names plain`);
  }
  return `'${value}'`;
}

/** A States.Format template with exactly one `{}`; the text around it must be plain. */
function formatTemplate(template: string): string {
  const parts = template.split("{}");
  if (parts.length !== 2) throw new Error(`pipeline: ${JSON.stringify(template)} must contain exactly one {}`);
  return parts.map((part) => literal(part).slice(1, -1)).join("{}");
}

/** Where each placeholder's value is in a DailyRun or BackfillRun state's input. */
const INPUT_PATHS: Record<"daily" | "backfill", Readonly<Record<string, string>>> = {
  daily: { [RUN_PLACEHOLDERS.date]: "$.date" },
  backfill: { [RUN_PLACEHOLDERS.start]: "$.start", [RUN_PLACEHOLDERS.end]: "$.end" },
};

/** `States.Array(...)` of a step's arguments, each placeholder read from the input. */
function argsExpression(args: readonly string[], paths: Readonly<Record<string, string>>): string {
  return `States.Array(${args.map((a) => paths[a] ?? literal(a)).join(", ")})`;
}

/** `States.Format(...)` of a string with placeholders in it, each read from the input. */
function formatExpression(template: string, paths: Readonly<Record<string, string>>): string {
  const placeholders = Object.keys(paths);
  const parts = template.split(new RegExp(`(${placeholders.join("|")})`));
  const values = parts.filter((p) => placeholders.includes(p)).map((p) => paths[p]);
  const text = parts.map((p) => (placeholders.includes(p) ? "{}" : literal(p).slice(1, -1))).join("");
  return values.length === 0 ? literal(text) : `States.Format('${text}', ${values.join(", ")})`;
}

/** The run context a DailyRun or BackfillRun state computes into `$.run`. */
function runContext(props: PipelineDefinitionProps, kind: "daily" | "backfill"): Record<string, unknown> {
  const paths = INPUT_PATHS[kind];
  const [start, end] = kind === "daily" ? ["$.date", "$.date"] : ["$.start", "$.end"];
  const label = kind === "daily" ? "$.date" : "States.Format('{}_{}', $.start, $.end)";
  const steps = props.jobs.map((j) => ({ job: j.job, step: kind === "daily" ? j.daily : j.backfill }));
  return {
    ...(kind === "daily" ? { "date.$": "$.date" } : {}),
    "start.$": start,
    "end.$": end,
    // The jobs' own label for the run: `<date>`, or `<start>_<end>` (their summary files use it).
    "label.$": label,
    // ValidateDates checks these with IsTimestamp: real calendar dates.
    "startCheck.$": `States.Format('{}T00:00:00Z', ${start})`,
    "endCheck.$": `States.Format('{}T00:00:00Z', ${end})`,
    "clusterName.$": `States.Format('${formatTemplate(`${props.clusterNamePrefix}-{}`)}', ${label})`,
    // Only a daily run looks for Bronze first; a backfill's jobs skip days without input.
    checkInput: kind === "daily",
    args: Object.fromEntries(steps.map(({ job, step }) => [`${job}.$`, argsExpression(step.Args, paths)])),
    stepNames: Object.fromEntries(steps.map(({ job, step }) => [`${job}.$`, formatExpression(step.Name, paths)])),
  };
}

export function pipelineDefinition(props: PipelineDefinitionProps): StateMachineDefinition {
  const states: Record<string, State> = {};
  const jobs = props.jobs.map((j) => j.job);
  const checkAfter = props.inputCheck.afterJob;
  if (checkAfter !== undefined && !jobs.includes(checkAfter)) throw new Error(`pipeline: inputCheck.afterJob ${checkAfter} is not a job`);
  const catchAll = (next: string, resultPath = "$.failure") => [{ ErrorEquals: ["States.ALL"], ResultPath: resultPath, Next: next }];

  // --- Input -------------------------------------------------------------------------------
  // Exactly one input form, and its values strings: Pass states cannot catch, so nothing that
  // would make an intrinsic function fail may get past this state.
  const only = (...fields: string[]) =>
    ["date", "start", "end", "scheduledTime"].flatMap((f) =>
      fields.includes(f) ? [{ Variable: `$.${f}`, IsPresent: true }, { Variable: `$.${f}`, IsString: true }] : [{ Variable: `$.${f}`, IsPresent: false }],
    );
  states.Route = {
    Type: "Choice",
    Comment: 'Input: {"date"} for one day, {"start", "end"} for a backfill, {"scheduledTime"} from the schedule.',
    Choices: [
      { And: only("date"), Next: "DailyRun" },
      { And: only("start", "end"), Next: "BackfillRun" },
      { And: only("scheduledTime"), Next: "ScheduledDate" },
    ],
    Default: "InvalidInput",
  };
  states.ScheduledDate = {
    Type: "Pass",
    Comment: `The UTC day ${props.dateLagDays} day(s) before the scheduled time (date arithmetic needs JSONata).`,
    QueryLanguage: "JSONata",
    Output: { date: `{% $fromMillis($toMillis($states.input.scheduledTime) - ${props.dateLagDays * 86_400_000}, '[Y0001]-[M01]-[D01]') %}` },
    Next: "DailyRun",
  };
  for (const kind of ["daily", "backfill"] as const) {
    states[kind === "daily" ? "DailyRun" : "BackfillRun"] = {
      Type: "Pass",
      Parameters: runContext(props, kind),
      ResultPath: "$.run",
      Next: "ValidateDates",
    };
  }
  states.ValidateDates = {
    Type: "Choice",
    Choices: [
      {
        And: [
          { Variable: "$.run.startCheck", IsTimestamp: true },
          { Variable: "$.run.endCheck", IsTimestamp: true },
          { Variable: "$.run.start", StringLessThanEqualsPath: "$.run.end" },
        ],
        Next: checkAfter === undefined ? "ShouldCheckInput" : "ListRunningRuns",
      },
    ],
    Default: "InvalidDate",
  };
  states.InvalidInput = {
    Type: "Fail",
    Error: ERRORS.invalidInput,
    Cause: 'expected {"date": "YYYY-MM-DD"} for one day or {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"} for a backfill',
  };
  states.InvalidDate = {
    Type: "Fail",
    Error: ERRORS.invalidInput,
    CausePath: "States.Format('invalid dates {} to {}: expected real dates as YYYY-MM-DD, start not after end', $.run.start, $.run.end)",
  };

  // --- Is there anything to process? ------------------------------------------------------
  const clusterExists = checkAfter !== undefined;
  const afterCheck = clusterExists ? runState(jobs[jobs.indexOf(checkAfter) + 1]) : "ListRunningRuns";
  states.ShouldCheckInput = {
    Type: "Choice",
    Choices: [{ Variable: "$.run.checkInput", BooleanEquals: true, Next: `List Bronze ${props.inputCheck.datasets[0]}` }],
    Default: afterCheck,
  };
  props.inputCheck.datasets.forEach((dataset, i) => {
    states[`List Bronze ${dataset}`] = {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:s3:listObjectsV2",
      Parameters: { Bucket: props.inputCheck.bucket, "Prefix.$": `States.Format('${dataset}/date={}/', $.run.date)`, MaxKeys: 1 },
      ResultSelector: { "count.$": "$.KeyCount" },
      ResultPath: `$.input.${dataset}`,
      Retry: [SDK_RETRY],
      Catch: catchAll(clusterExists ? `Record ${`List Bronze ${dataset}`} failure` : "InputCheckFailed"),
      Next: i + 1 < props.inputCheck.datasets.length ? `List Bronze ${props.inputCheck.datasets[i + 1]}` : "HasInput",
    };
  });
  states.HasInput = {
    Type: "Choice",
    Choices: [{ Or: props.inputCheck.datasets.map((d) => ({ Variable: `$.input.${d}.count`, NumericGreaterThan: 0 })), Next: afterCheck }],
    Default: "Count run without input",
  };
  states["Count run without input"] = {
    Type: "Task",
    Comment: "A day with no Bronze (a weekend, a holiday, a broken feed): no cluster runs. An alarm fires when this lasts.",
    Resource: "arn:aws:states:::aws-sdk:cloudwatch:putMetricData",
    Parameters: {
      Namespace: props.metrics.namespace,
      MetricData: [{ MetricName: "RunsWithoutInput", Dimensions: [{ Name: "Pipeline", Value: props.metrics.pipeline }], Value: 1, Unit: "Count" }],
    },
    ResultPath: null,
    Retry: [SDK_RETRY],
    // Losing this count must not fail a run that had nothing to do.
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: clusterExists ? "TerminateWithoutInput" : "NoInput" }],
    Next: clusterExists ? "TerminateWithoutInput" : "NoInput",
  };
  if (clusterExists) {
    states.TerminateWithoutInput = terminate("NoInput", "Record TerminateWithoutInput failure");
  } else {
    states.InputCheckFailed = { Type: "Fail", Error: ERRORS.inputCheckFailed, CausePath: "States.JsonToString($.failure)" };
  }
  states.NoInput = { Type: "Succeed", Comment: "Nothing to process for this day." };

  // --- One run at a time --------------------------------------------------------------------
  // A backfill rewrites every later Gold day, so two runs of one environment must never
  // overlap: each run waits until it is the oldest running execution (ListExecutions is
  // newest first, so the oldest is the last item).
  states.ListRunningRuns = {
    Type: "Task",
    Resource: "arn:aws:states:::aws-sdk:sfn:listExecutions",
    Parameters: { "StateMachineArn.$": "$$.StateMachine.Id", StatusFilter: "RUNNING", MaxResults: 1000 },
    ResultSelector: { "oldest.$": "States.ArrayGetItem($.Executions, States.MathAdd(States.ArrayLength($.Executions), -1))" },
    ResultPath: "$.queue",
    Retry: [SDK_RETRY],
    Catch: catchAll("QueueCheckFailed"),
    Next: "IsOldestRun",
  };
  states.IsOldestRun = {
    Type: "Choice",
    Choices: [{ Variable: "$.queue.oldest.ExecutionArn", StringEqualsPath: "$$.Execution.Id", Next: "CreateCluster" }],
    Default: "WaitForOlderRun",
  };
  states.WaitForOlderRun = { Type: "Wait", Seconds: props.queueCheckSeconds, Next: "ListRunningRuns" };
  states.QueueCheckFailed = { Type: "Fail", Error: ERRORS.queueCheckFailed, CausePath: "States.JsonToString($.failure)" };

  // --- The cluster and the steps ------------------------------------------------------------
  const { Name: _name, ...runJobFlow } = props.runJobFlow;
  states.CreateCluster = {
    Type: "Task",
    Resource: "arn:aws:states:::elasticmapreduce:createCluster.sync",
    Parameters: { "Name.$": "$.run.clusterName", ...runJobFlow },
    ResultSelector: { "ClusterId.$": "$.ClusterId" },
    ResultPath: "$.cluster",
    TimeoutSeconds: props.timeouts.clusterStartSeconds,
    Retry: [EMR_RETRY],
    // No cluster id to terminate: a cluster that failed to start has terminated itself, and one
    // still starting when the timeout hits stops on its own idle timeout.
    Catch: catchAll("ClusterFailed"),
    Next: runState(jobs[0]),
  };
  states.ClusterFailed = {
    Type: "Fail",
    Error: ERRORS.clusterFailed,
    CausePath: "States.Format('the cluster for {} did not start: {}', $.run.label, States.JsonToString($.failure))",
  };

  jobs.forEach((job, i) => {
    const name = runState(job);
    states[name] = {
      Type: "Task",
      Resource: "arn:aws:states:::elasticmapreduce:addStep.sync",
      Parameters: {
        "ClusterId.$": "$.cluster.ClusterId",
        Step: {
          "Name.$": `$.run.stepNames.${job}`,
          // The state machine decides what happens next (terminate), not EMR.
          ActionOnFailure: "CONTINUE",
          HadoopJarStep: { Jar: "command-runner.jar", "Args.$": `$.run.args.${job}` },
        },
      },
      // The whole result, unselected: a path into it that did not exist would be a
      // States.Runtime error, which no Catch sees, and the cluster would outlive the run.
      ResultPath: `$.steps.${job}`,
      TimeoutSeconds: props.timeouts.stepSeconds,
      Retry: [EMR_RETRY],
      Catch: catchAll(`Record ${name} failure`),
      Next: job === checkAfter ? "ShouldCheckInput" : i + 1 < jobs.length ? runState(jobs[i + 1]) : "TerminateCluster",
    };
  });

  // Every state that runs while the cluster exists records which one failed, then terminates.
  const afterCluster = [
    ...jobs.map(runState),
    ...(clusterExists ? props.inputCheck.datasets.map((d) => `List Bronze ${d}`) : []),
    ...(clusterExists ? ["TerminateWithoutInput"] : []),
  ];
  for (const failed of afterCluster) {
    states[`Record ${failed} failure`] = {
      Type: "Pass",
      Result: failed,
      ResultPath: "$.failedState",
      Next: failed === "TerminateWithoutInput" ? "TerminateFailed" : "TerminateAfterFailure",
    };
  }
  // The jobs' metrics are published once the cluster is gone, so nothing about a metrics file
  // (missing, malformed) can keep a cluster running.
  const stepOf = (file: { readonly job: string; readonly step?: string }) => file.step ?? file.job;
  const files = (props.metricsFiles ?? []).filter((m) => jobs.includes(stepOf(m)));
  states.TerminateCluster = terminate(files.length > 0 ? readMetricsState(files[0].job) : "Succeeded", "Record TerminateCluster failure");
  states["Record TerminateCluster failure"] = { Type: "Pass", Result: "TerminateCluster", ResultPath: "$.failedState", Next: "TerminateFailed" };
  files.forEach((file, i) => {
    const next = i + 1 < files.length ? readMetricsState(files[i + 1].job) : "Succeeded";
    Object.assign(states, metricsStates(props, file, { next, onFailure: "MetricsNotPublished", resultPath: "$.failure" }));
    // After a failed step: publish what the failed step's jobs wrote, in order, as long as the
    // files are there (a job that finds its invariant broken writes its metrics, then fails; a
    // job that did not run has no file), then report the step's failure.
    const nextOfStep = files.slice(i + 1).find((f) => stepOf(f) === stepOf(file));
    const afterFailure = nextOfStep ? `${readMetricsState(nextOfStep.job)} after failure` : "RunFailed";
    Object.assign(states, metricsStates(props, file, { next: afterFailure, onFailure: "RunFailed", resultPath: "$.metricsFailure", suffix: " after failure" }));
  });
  states.Succeeded = { Type: "Succeed" };
  if (files.length > 0) {
    states.MetricsNotPublished = {
      Type: "Fail",
      Error: ERRORS.metricsNotPublished,
      CausePath: "States.Format('the jobs succeeded and the cluster is terminated, but a metrics file could not be published: {}', States.JsonToString($.failure))",
    };
  }
  states.TerminateAfterFailure = {
    ...terminate(files.length > 0 ? "PublishAfterFailure" : "RunFailed", "TerminateFailed"),
    // Keep the original failure for RunFailed's cause.
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.terminateFailure", Next: "TerminateFailed" }],
  };
  if (files.length > 0) {
    states.PublishAfterFailure = {
      Type: "Choice",
      // The first file of each step that writes any.
      Choices: files
        .filter((f, i) => files.findIndex((g) => stepOf(g) === stepOf(f)) === i)
        .map((f) => ({ Variable: "$.failedState", StringEquals: runState(stepOf(f)), Next: `${readMetricsState(f.job)} after failure` })),
      Default: "RunFailed",
    };
  }
  states.RunFailed = {
    Type: "Fail",
    ErrorPath: "States.Format('{} failed', $.failedState)",
    CausePath: `States.Format('{} failed on cluster {} (terminated; step logs under ${formatTemplate(`${props.stepLogsUri}{}`)}/steps/): {}', $.failedState, $.cluster.ClusterId, $.cluster.ClusterId, States.JsonToString($.failure))`,
  };
  states.TerminateFailed = {
    Type: "Fail",
    Error: ERRORS.terminateFailed,
    CausePath: "States.Format('could not terminate cluster {}; it stops on its own idle timeout, or terminate it by hand', $.cluster.ClusterId)",
  };

  return {
    Comment: "MarketPulse daily pipeline: a transient EMR cluster per run, always terminated.",
    StartAt: "Route",
    TimeoutSeconds: props.timeouts.executionSeconds,
    States: states,
  };
}

/** Name of the state that reads `job`'s metrics file, and of the one that publishes it. */
export const readMetricsState = (job: string) => `Read ${job} metrics`;
export const publishMetricsState = (job: string) => `Publish ${job} metrics`;

/** Read a job's metrics file from S3, then put its MetricData to CloudWatch. */
function metricsStates(
  props: PipelineDefinitionProps,
  file: NonNullable<PipelineDefinitionProps["metricsFiles"]>[number],
  flow: { readonly next: string; readonly onFailure: string; readonly resultPath: string; readonly suffix?: string },
): Record<string, State> {
  const suffix = flow.suffix ?? "";
  const read = `${readMetricsState(file.job)}${suffix}`;
  const publish = `${publishMetricsState(file.job)}${suffix}`;
  const onFailure = [{ ErrorEquals: ["States.ALL"], ResultPath: flow.resultPath, Next: flow.onFailure }];
  return {
    [read]: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:s3:getObject",
      Parameters: { Bucket: file.bucket, "Key.$": `States.Format('${formatTemplate(file.keyTemplate)}', $.run.label)` },
      ResultSelector: { "data.$": "States.StringToJson($.Body)" },
      ResultPath: `$.metrics.${file.job}`,
      Retry: [SDK_RETRY],
      Catch: onFailure,
      Next: publish,
    },
    [publish]: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:cloudwatch:putMetricData",
      Parameters: { Namespace: props.metrics.namespace, "MetricData.$": `$.metrics.${file.job}.data.MetricData` },
      ResultPath: null,
      Retry: [SDK_RETRY],
      Catch: onFailure,
      Next: flow.next,
    },
  };
}

function terminate(next: string, onFailure: string): State {
  return {
    Type: "Task",
    Resource: "arn:aws:states:::elasticmapreduce:terminateCluster.sync",
    Parameters: { "ClusterId.$": "$.cluster.ClusterId" },
    ResultPath: null,
    Retry: [EMR_RETRY],
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.terminateFailure", Next: onFailure }],
    Next: next,
  };
}
