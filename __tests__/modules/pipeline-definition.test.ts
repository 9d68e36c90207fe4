/**
 * The pipeline's state machine definition, built from small props without a stack: validated
 * by asl-validator, and read as a graph for what must hold on every path.
 */
import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { ERRORS, pipelineDefinition, RUN_PLACEHOLDERS, runState, TRANSIENT_EMR_ERRORS, type PipelineDefinitionProps } from "../../modules/pipeline-definition";
import type { EmrStep } from "../../modules/spark-jobs";
import { paths, reachable, successors, validate, type States } from "../support/asl";

const step = (job: string, dates: string[], name: string): EmrStep => ({
  Type: "CUSTOM_JAR",
  Name: name,
  ActionOnFailure: "CANCEL_AND_WAIT",
  Jar: "command-runner.jar",
  Args: ["spark-submit", "--py-files", "s3://artifacts/jobs.zip", `s3://artifacts/${job}.py`, ...dates, "--out", "s3://lake"],
});
const job = (name: string) => ({
  job: name,
  daily: step(name, ["--date", RUN_PLACEHOLDERS.date], `test ${name} ${RUN_PLACEHOLDERS.date}`),
  backfill: step(name, ["--start", RUN_PLACEHOLDERS.start, "--end", RUN_PLACEHOLDERS.end], `test ${name} ${RUN_PLACEHOLDERS.start}..${RUN_PLACEHOLDERS.end}`),
});

function props(overrides: Partial<PipelineDefinitionProps> = {}): PipelineDefinitionProps {
  return {
    runJobFlow: { Name: "ignored", ReleaseLabel: "emr-7.13.0", Instances: { KeepJobFlowAliveWhenNoSteps: true } },
    clusterNamePrefix: "test",
    jobs: [job("bronze_to_silver"), job("silver_to_gold")],
    inputCheck: { bucket: "bronze-bucket", datasets: ["prices", "news"] },
    dateLagDays: 1,
    timeouts: { clusterStartSeconds: 2700, stepSeconds: 3600, executionSeconds: 36000 },
    queueCheckSeconds: 300,
    stepLogsUri: "s3://logs/emr/",
    metrics: { namespace: "test/ns", pipeline: "test-pipeline" },
    ...overrides,
  };
}

const METRICS_FILES = [
  { job: "bronze_to_silver", bucket: "silver-bucket", keyTemplate: "_runs/bronze_to_silver/{}.metrics.json" },
  { job: "silver_to_gold", bucket: "gold-bucket", keyTemplate: "_runs/silver_to_gold/{}.metrics.json" },
];
const withMetrics = () => props({ metricsFiles: METRICS_FILES });

const withFeed = () => props({ jobs: [job("generate"), job("bronze_to_silver"), job("silver_to_gold")], inputCheck: { bucket: "bronze-bucket", datasets: ["prices", "news"], afterJob: "generate" } });

describe.each([
  ["real feeds (input checked before any cluster)", props()],
  ["a synthetic feed (input checked after generate)", withFeed()],
  ["metrics files published after the steps", withMetrics()],
])("the pipeline definition with %s", (_label, p) => {
  const def = pipelineDefinition(p);
  const states = def.States as States;
  const emrTasks = Object.entries(states).filter(([, s]) => String(s.Resource ?? "").startsWith("arn:aws:states:::elasticmapreduce:"));
  const firstStep = runState(p.jobs[0].job);

  it("is valid Amazon States Language (asl-validator)", () => {
    expect(validate(def)).toEqual({ isValid: true, errors: "" });
  });

  it("uses the optimized EMR integration: createCluster.sync, an addStep.sync per job, terminateCluster.sync", () => {
    expect(states.CreateCluster.Resource).toBe("arn:aws:states:::elasticmapreduce:createCluster.sync");
    for (const { job: j } of p.jobs) {
      expect(states[runState(j)].Resource).toBe("arn:aws:states:::elasticmapreduce:addStep.sync");
      expect(states[runState(j)].Parameters.Step.ActionOnFailure).toBe("CONTINUE");
    }
    expect(states.TerminateCluster.Resource).toBe("arn:aws:states:::elasticmapreduce:terminateCluster.sync");
  });

  it("runs the jobs in order, and only after the cluster exists", () => {
    const order = paths(states, "CreateCluster")
      .filter((path) => path.at(-1) === "Succeeded")
      .map((path) => path.filter((s) => s.startsWith("Run ")));
    expect(order).toContainEqual(p.jobs.map((j) => runState(j.job)));
    for (const run of order) expect(run).toEqual(p.jobs.map((j) => runState(j.job)).slice(0, run.length));
  });

  it("every path after the cluster exists terminates it before the run ends", () => {
    const all = paths(states, firstStep);
    expect(all.length).toBeGreaterThan(p.jobs.length); // success, and a failure branch per state
    const terminates = (s: string) => states[s].Resource === "arn:aws:states:::elasticmapreduce:terminateCluster.sync";
    for (const path of all) {
      const end = path.at(-1)!;
      // The only way to end without a terminate state is a terminate state that itself failed.
      expect(path.some(terminates) || end === "TerminateFailed", path.join(" > ")).toBe(true);
      if (end === "TerminateFailed") expect(path.some(terminates), path.join(" > ")).toBe(true);
    }
  });

  it("every task that runs while the cluster exists catches every error", () => {
    const afterCluster = reachable(states, firstStep);
    for (const name of afterCluster) {
      if (states[name].Type !== "Task") continue;
      expect(states[name].Catch?.[0]?.ErrorEquals, name).toEqual(["States.ALL"]);
    }
  });

  it("while a cluster exists, nothing selects from a result except ListObjectsV2's KeyCount (always in its response)", () => {
    // A missing path is a States.Runtime error, which no Catch sees: the cluster would outlive the run.
    // (The metrics states select from the jobs' files, and run only after termination: tested below.)
    const whileCluster = [...reachable(states, firstStep)].filter((n) => states[n].Type === "Task" && !n.includes(" metrics"));
    for (const name of whileCluster) {
      if (states[name].ResultSelector === undefined) continue;
      expect(name).toMatch(/^List Bronze \w+$/);
      expect(states[name].ResultSelector).toEqual({ "count.$": "$.KeyCount" });
    }
  });

  it("every EMR task retries throttling and transient service errors with backoff", () => {
    expect(emrTasks.length).toBe(p.jobs.length + 3 + (p.inputCheck.afterJob ? 1 : 0));
    for (const [name, s] of emrTasks) {
      expect(s.Retry, name).toEqual([expect.objectContaining({ ErrorEquals: TRANSIENT_EMR_ERRORS, BackoffRate: 2, MaxAttempts: 5 })]);
    }
    expect(TRANSIENT_EMR_ERRORS).toContain("EMR.AmazonElasticMapReduceException");
  });

  it("a bad input fails before any cluster: the input failures are reachable only before CreateCluster", () => {
    for (const fail of ["InvalidInput", "InvalidDate"]) {
      expect(states[fail]).toMatchObject({ Type: "Fail" });
      expect(reachable(states, "CreateCluster").has(fail), fail).toBe(false);
      expect(reachable(states, "Route").has(fail)).toBe(true);
    }
    expect(states.InvalidInput.Error).toBe(ERRORS.invalidInput);
    expect(states.InvalidDate.Error).toBe(ERRORS.invalidInput);
  });

  it("has a timeout per step, on the cluster's start and on the whole run", () => {
    for (const { job: j } of p.jobs) expect(states[runState(j)].TimeoutSeconds).toBe(p.timeouts.stepSeconds);
    expect(states.CreateCluster.TimeoutSeconds).toBe(p.timeouts.clusterStartSeconds);
    expect(def.TimeoutSeconds).toBe(p.timeouts.executionSeconds);
  });

  it("a failed run names the state that failed and the cluster, and where its step logs are", () => {
    expect(states.RunFailed.ErrorPath).toBe("States.Format('{} failed', $.failedState)");
    expect(states.RunFailed.CausePath).toContain("$.cluster.ClusterId");
    expect(states.RunFailed.CausePath).toContain("step logs under s3://logs/emr/{}/steps/");
    for (const { job: j } of p.jobs) {
      const recorder = states[runState(j)].Catch[0].Next;
      expect(states[recorder]).toEqual({ Type: "Pass", Result: runState(j), ResultPath: "$.failedState", Next: "TerminateAfterFailure" });
    }
    expect(successors(states.TerminateAfterFailure)).toEqual([p.metricsFiles ? "PublishAfterFailure" : "RunFailed", "TerminateFailed"]);
    const failurePaths = paths(states, "TerminateAfterFailure").map((path) => path.at(-1));
    expect(new Set(failurePaths)).toEqual(new Set(["RunFailed", "TerminateFailed"]));
  });

  it("runs one at a time: a run waits until it is the oldest running execution", () => {
    expect(states.ListRunningRuns).toMatchObject({
      Resource: "arn:aws:states:::aws-sdk:sfn:listExecutions",
      Parameters: { "StateMachineArn.$": "$$.StateMachine.Id", StatusFilter: "RUNNING" },
    });
    expect(states.IsOldestRun.Choices).toEqual([{ Variable: "$.queue.oldest.ExecutionArn", StringEqualsPath: "$$.Execution.Id", Next: "CreateCluster" }]);
    expect(states.IsOldestRun.Default).toBe("WaitForOlderRun");
    expect(states.WaitForOlderRun).toEqual({ Type: "Wait", Seconds: p.queueCheckSeconds, Next: "ListRunningRuns" });
    // The queue comes before the cluster on every way in.
    for (const path of paths(states, "Route").filter((q) => q.includes("CreateCluster"))) {
      expect(path.indexOf("IsOldestRun")).toBeLessThan(path.indexOf("CreateCluster"));
    }
  });

  it("a daily run without Bronze input starts no cluster work and ends NoInput; a backfill never checks", () => {
    expect(states.ShouldCheckInput.Choices[0]).toMatchObject({ Variable: "$.run.checkInput", BooleanEquals: true });
    expect(states.DailyRun.Parameters.checkInput).toBe(true);
    expect(states.BackfillRun.Parameters.checkInput).toBe(false);
    for (const dataset of p.inputCheck.datasets) {
      expect(states[`List Bronze ${dataset}`].Parameters).toEqual({
        Bucket: "bronze-bucket",
        "Prefix.$": `States.Format('${dataset}/date={}/', $.run.date)`,
        MaxKeys: 1,
      });
    }
    expect(states["Count run without input"].Parameters.MetricData[0]).toMatchObject({ MetricName: "RunsWithoutInput", Value: 1 });
    const noInputPaths = paths(states, "Route").filter((q) => q.at(-1) === "NoInput");
    expect(noInputPaths.length).toBeGreaterThan(0);
    for (const path of noInputPaths) {
      expect(path.filter((s) => s.startsWith("Run ") && s !== "Run generate")).toEqual([]);
      if (p.inputCheck.afterJob) expect(path).toContain("TerminateWithoutInput");
      else expect(path).not.toContain("CreateCluster");
    }
  });
});

describe("publishing the jobs' metrics files", () => {
  const states = pipelineDefinition(withMetrics()).States as States;

  it("once the cluster is terminated: each job's file for the run's label, its MetricData put to the namespace", () => {
    expect(states["Run silver_to_gold"].Next).toBe("TerminateCluster");
    expect(states.TerminateCluster.Next).toBe("Read bronze_to_silver metrics");
    expect(states["Read bronze_to_silver metrics"]).toMatchObject({
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:s3:getObject",
      Parameters: { Bucket: "silver-bucket", "Key.$": "States.Format('_runs/bronze_to_silver/{}.metrics.json', $.run.label)" },
      ResultSelector: { "data.$": "States.StringToJson($.Body)" },
      ResultPath: "$.metrics.bronze_to_silver",
      Next: "Publish bronze_to_silver metrics",
    });
    expect(states["Publish bronze_to_silver metrics"]).toMatchObject({
      Resource: "arn:aws:states:::aws-sdk:cloudwatch:putMetricData",
      Parameters: { Namespace: "test/ns", "MetricData.$": "$.metrics.bronze_to_silver.data.MetricData" },
      ResultPath: null,
      Next: "Read silver_to_gold metrics",
    });
    expect(states["Read silver_to_gold metrics"].Parameters.Bucket).toBe("gold-bucket");
    expect(states["Publish silver_to_gold metrics"].Next).toBe("Succeeded");
  });

  it("no metrics state is reachable while a cluster may be running: a malformed file cannot keep one alive", () => {
    for (const name of Object.keys(states).filter((n) => n.includes(" metrics"))) {
      const before = paths(states, "CreateCluster").filter((path) => path.includes(name));
      expect(before.length, name).toBeGreaterThan(0);
      for (const path of before) {
        const terminated = path.findIndex((s) => states[s].Resource === "arn:aws:states:::elasticmapreduce:terminateCluster.sync");
        expect(terminated, path.join(" > ")).toBeGreaterThanOrEqual(0);
        expect(terminated, path.join(" > ")).toBeLessThan(path.indexOf(name));
      }
    }
  });

  it("no step selects from its result: a missing path would be a States.Runtime error that no Catch sees", () => {
    for (const { job: j } of withMetrics().jobs) expect(states[runState(j)].ResultSelector, j).toBeUndefined();
  });

  it("a file that cannot be read or published after a successful run fails it as MetricsNotPublished", () => {
    for (const state of ["Read bronze_to_silver metrics", "Publish bronze_to_silver metrics", "Read silver_to_gold metrics", "Publish silver_to_gold metrics"]) {
      expect(states[state].Retry).toEqual([expect.objectContaining({ ErrorEquals: ["States.TaskFailed"], MaxAttempts: 3 })]);
      expect(states[state].Catch).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: "MetricsNotPublished" }]);
    }
    expect(states.MetricsNotPublished).toMatchObject({ Type: "Fail", Error: ERRORS.metricsNotPublished });
  });

  it("after a failed step, publishes only the failed job's file (best effort), keeping the step's failure for the cause", () => {
    expect(states.PublishAfterFailure).toEqual({
      Type: "Choice",
      Choices: [
        { Variable: "$.failedState", StringEquals: "Run bronze_to_silver", Next: "Read bronze_to_silver metrics after failure" },
        { Variable: "$.failedState", StringEquals: "Run silver_to_gold", Next: "Read silver_to_gold metrics after failure" },
      ],
      Default: "RunFailed",
    });
    const read = states["Read bronze_to_silver metrics after failure"];
    const publish = states["Publish bronze_to_silver metrics after failure"];
    expect(read.Parameters).toEqual(states["Read bronze_to_silver metrics"].Parameters);
    expect(read.Next).toBe("Publish bronze_to_silver metrics after failure");
    expect(publish.Next).toBe("RunFailed");
    for (const s of [read, publish]) expect(s.Catch).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.metricsFailure", Next: "RunFailed" }]);
  });

  it("is valid ASL with the metrics states in it", () => {
    expect(validate(pipelineDefinition(withMetrics()))).toEqual({ isValid: true, errors: "" });
  });

  it("ignores a metrics file of a job the run does not have; without files, the run ends at TerminateCluster", () => {
    const only = pipelineDefinition(props({ metricsFiles: [{ job: "generate", bucket: "b", keyTemplate: "_runs/generate/{}.metrics.json" }] })).States as States;
    expect(Object.keys(only).filter((n) => n.includes(" metrics"))).toEqual([]);
    expect(only.TerminateCluster.Next).toBe("Succeeded");
    expect(only.TerminateAfterFailure.Next).toBe("RunFailed");
  });

  it("refuses a key template without exactly one {}", () => {
    const bad = [{ job: "bronze_to_silver", bucket: "b", keyTemplate: "_runs/bronze_to_silver/latest.json" }];
    expect(() => pipelineDefinition(props({ metricsFiles: bad }))).toThrow(/exactly one \{\}/);
  });
});

describe("a step that runs two jobs (bronze_to_gold), and so writes two metrics files", () => {
  const files = METRICS_FILES.map((f) => ({ ...f, step: "bronze_to_gold" }));
  const def = pipelineDefinition(props({ jobs: [job("bronze_to_gold")], metricsFiles: files }));
  const states = def.States as States;
  const afterFailure = ["bronze_to_silver", "silver_to_gold"].flatMap((j) => [`Read ${j} metrics after failure`, `Publish ${j} metrics after failure`]);

  it("is valid ASL", () => {
    expect(validate(def)).toEqual({ isValid: true, errors: "" });
  });

  it("publishes both files once the cluster is terminated after a successful run", () => {
    expect(states["Run bronze_to_gold"].Next).toBe("TerminateCluster");
    expect(states.TerminateCluster.Next).toBe("Read bronze_to_silver metrics");
    expect(states["Publish bronze_to_silver metrics"].Next).toBe("Read silver_to_gold metrics");
    expect(states["Publish silver_to_gold metrics"].Next).toBe("Succeeded");
  });

  it("after the step fails, publishes its jobs' files in order as long as they exist, then reports the failure", () => {
    expect(states.PublishAfterFailure.Choices).toEqual([
      { Variable: "$.failedState", StringEquals: "Run bronze_to_gold", Next: "Read bronze_to_silver metrics after failure" },
    ]);
    expect(afterFailure.map((s) => states[s].Next)).toEqual([
      "Publish bronze_to_silver metrics after failure",
      "Read silver_to_gold metrics after failure",
      "Publish silver_to_gold metrics after failure",
      "RunFailed",
    ]);
    // A missing file (its job failed, or never ran) ends the publishing, not the report.
    for (const s of afterFailure) expect(states[s].Catch).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.metricsFailure", Next: "RunFailed" }]);
    for (const path of paths(states, "Record Run bronze_to_gold failure")) expect(["RunFailed", "TerminateFailed"]).toContain(path.at(-1));
  });
});

describe("the run context", () => {
  const states = pipelineDefinition(props()).States as States;

  it("a daily run passes --date from its input to every step; a backfill passes --start and --end", () => {
    expect(states.DailyRun.Parameters.args["bronze_to_silver.$"]).toBe(
      "States.Array('spark-submit', '--py-files', 's3://artifacts/jobs.zip', 's3://artifacts/bronze_to_silver.py', '--date', $.date, '--out', 's3://lake')",
    );
    expect(states.BackfillRun.Parameters.args["silver_to_gold.$"]).toBe(
      "States.Array('spark-submit', '--py-files', 's3://artifacts/jobs.zip', 's3://artifacts/silver_to_gold.py', '--start', $.start, '--end', $.end, '--out', 's3://lake')",
    );
    expect(states.DailyRun.Parameters.stepNames["bronze_to_silver.$"]).toBe("States.Format('test bronze_to_silver {}', $.date)");
    expect(states.BackfillRun.Parameters.stepNames["bronze_to_silver.$"]).toBe("States.Format('test bronze_to_silver {}..{}', $.start, $.end)");
  });

  it("names the cluster after the environment and the run, as the jobs label their runs", () => {
    expect(states.DailyRun.Parameters["clusterName.$"]).toBe("States.Format('test-{}', $.date)");
    expect(states.BackfillRun.Parameters["label.$"]).toBe("States.Format('{}_{}', $.start, $.end)");
  });

  it("refuses a step argument that would need escaping inside an intrinsic function", () => {
    const bad = job("quoted");
    const withQuote = { ...bad, daily: { ...bad.daily, Args: [...bad.daily.Args, "it's"] } };
    expect(() => pipelineDefinition(props({ jobs: [withQuote] }))).toThrow(/would need escaping/);
  });

  it("accepts exactly one input form with string values, and refuses anything else", () => {
    const [daily, backfill, scheduled] = states.Route.Choices;
    expect(daily.Next).toBe("DailyRun");
    expect(daily.And).toContainEqual({ Variable: "$.date", IsString: true });
    expect(daily.And).toContainEqual({ Variable: "$.start", IsPresent: false });
    expect(backfill.Next).toBe("BackfillRun");
    expect(scheduled.Next).toBe("ScheduledDate");
    expect(states.Route.Default).toBe("InvalidInput");
    expect(states.ValidateDates.Choices[0].And).toEqual([
      { Variable: "$.run.startCheck", IsTimestamp: true },
      { Variable: "$.run.endCheck", IsTimestamp: true },
      { Variable: "$.run.start", StringLessThanEqualsPath: "$.run.end" },
    ]);
  });
});

describe("the scheduled date (JSONata, evaluated with the jsonata library)", () => {
  const dateOf = async (lag: number, scheduledTime: string) => {
    const state = pipelineDefinition(props({ dateLagDays: lag })).States.ScheduledDate as any;
    expect(state.QueryLanguage).toBe("JSONata");
    const expression = /^\{% (.*) %\}$/.exec(state.Output.date)![1];
    return jsonata(expression).evaluate({}, { states: { input: { scheduledTime } } });
  };

  it.each([
    [1, "2026-11-28T02:00:00Z", "2026-11-27"],
    [1, "2026-03-01T02:00:00Z", "2026-02-28"],
    [1, "2024-03-01T02:00:00Z", "2024-02-29"], // leap year
    [1, "2027-01-01T00:00:00Z", "2026-12-31"],
    [3, "2026-11-30T02:15:00Z", "2026-11-27"],
    [0, "2026-11-28T23:59:00Z", "2026-11-28"],
  ])("lag %i at %s processes %s (UTC)", async (lag, at, day) => {
    expect(await dateOf(lag, at)).toBe(day);
  });

  it("is what the scheduler passes: its scheduled time", () => {
    const state = pipelineDefinition(props()).States.ScheduledDate as any;
    expect(state.Output.date).toContain("$states.input.scheduledTime");
    expect(state.Next).toBe("DailyRun");
  });
});
