/**
 * The operator CLI (scripts/pipeline.ts), run as a process the way an operator runs it:
 * argument mistakes on their own, then whole runs against moto in server mode, with each
 * environment's state machine created from its real synthesized definition.
 *
 * What moto 5.2.5 executes (once its execute mode is on, and only for state machines created
 * after that): Pass, Choice, Wait, Fail and Succeed states, intrinsic functions, and the SDK
 * integrations aws-sdk:s3:listObjectsV2 and aws-sdk:cloudwatch:putMetricData. What it cannot:
 * - the EMR `.sync` integrations (createCluster, addStep, terminateCluster): the execution fails
 *   with States.Runtime "Unsupported sync callback procedure in resource
 *   arn:aws:states:::elasticmapreduce:createCluster.sync", and no Catch applies. So no run here
 *   goes end to end, and moto's EMR backend is never reached;
 * - aws-sdk:sfn:listExecutions (ListRunningRuns, the one-run-at-a-time check): moto forwards the
 *   definition's PascalCase parameters to an API that expects camelCase and fails with
 *   States.Runtime `'StateMachineArn'`. Unlike AWS, which never catches States.Runtime, moto
 *   applies the state's Catch, so a run that gets this far fails as QueueCheckFailed;
 * - JSONata (ScheduledDate, for scheduled runs): parsed but not evaluated ("TypeError('NoneType'
 *   object is not callable)").
 * So these tests cover every path up to the queue check: input validation, the Bronze input
 * check and its metric, and the exact run context (job arguments) the EMR steps would get.
 */
import { CreateStateMachineCommand, type HistoryEvent, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnvConfig } from "../../envs";
import { platformNames } from "../../envs/naming";
import { describeExecution, executionHistory } from "../../scripts/pipeline/executions";
import { awsEnv, type Moto, startMoto } from "../support/moto";
import { type EnvName, RAW_ENVS, synthEnv } from "../support/synth";
import { ROOT } from "../support/venv";

const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const CLI = join(ROOT, "scripts", "pipeline.ts");
/** The CLI's wait between checks, for these tests: moto's runs take well under a second. */
const POLL_SECONDS = "0.1";

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in its own process, as `npm run pipeline -- ...` does. */
function cli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // Killed rather than left behind if it ever hangs (the test then fails on its exit code).
    const child = spawn(TSX, [CLI, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], timeout: 50_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "");

describe("pipeline CLI: a usage mistake is one line on stderr and exit 2", () => {
  // Nothing here may reach AWS: fake credentials, and an endpoint where nothing listens.
  // The wording of every message is checked in-process (pipeline-args.test.ts); this is the
  // process's contract.
  const env = awsEnv("http://127.0.0.1:9", "eu-west-1");
  const mistakes: [string, string[], RegExp][] = [
    ["no command", [], /^pipeline: error: missing command: use one of run, backfill, status, list/],
    ["an unknown command", ["rerun", "--env", "dev"], /^pipeline: error: unknown command 'rerun'/],
    ["an unknown environment", ["run", "--env", "staging", "--date", "2024-01-02"], /^pipeline: error: unknown environment 'staging': use one of dev, prod$/],
    ["no date", ["run", "--env", "dev"], /^pipeline: error: run needs --date YYYY-MM-DD$/],
    ["a malformed date", ["run", "--env", "dev", "--date", "2024-1-1"], /^pipeline: error: argument --date: invalid date '2024-1-1': expected YYYY-MM-DD$/],
    ["an impossible date", ["run", "--env", "dev", "--date", "2024-02-30"], /^pipeline: error: argument --date: invalid date '2024-02-30': day is out of range for month$/],
    ["--end before --start", ["backfill", "--env", "prod", "--start", "2024-01-05", "--end", "2024-01-01"], /^pipeline: error: --end 2024-01-01 is before --start 2024-01-05$/],
    ["--date with --start", ["run", "--env", "dev", "--date", "2024-01-02", "--start", "2024-01-01"], /^pipeline: error: argument --start: not allowed with argument --date$/],
    ["an unknown option", ["run", "--env", "dev", "--date", "2024-01-02", "--dry-run"], /^pipeline: error: unknown option --dry-run$/],
  ];

  it.concurrent.each(mistakes)("%s", async (_what, args, message) => {
    const r = await cli(args, env);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(r.stdout).toBe("");
    expect(r.code).toBe(2);
  });

  it.concurrent("--help prints the usage on stdout and exits 0", async () => {
    const r = await cli(["--help"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run pipeline -- <command>/);
    for (const command of ["run", "backfill", "status", "list"]) expect(r.stdout).toMatch(new RegExp(`^  ${command} +--env ENV`, "m"));
    expect(r.stderr).toBe("");
  });

  it.concurrent("an AWS error is one line and exit 1, never a stack trace", async () => {
    const r = await cli(["list", "--env", "dev"], env);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^pipeline: error: .*ECONNREFUSED/)]);
    expect(r.code).toBe(1);
  });
});

/**
 * The synthesized definition with each Terraform interpolation (`${aws_iam_role.x.arn}`, ...)
 * replaced by a plausible literal, as Terraform would before creating the state machine.
 */
function deployableDefinition(definition: string, region: string, account: string): string {
  const literal = definition.replace(/(\$?)\$\{([^}]*)\}/g, (match, escaped: string, expression: string) => {
    if (escaped) return match.slice(1); // `$${` is Terraform's escape for a literal `${`
    const [type, name, attribute] = expression.split(".");
    const resource = type.replace(/^aws_/, "");
    const service = resource.split("_")[0];
    if (attribute === "arn") return `arn:aws:${service}:${service === "iam" ? "" : region}:${account}:${resource}/${name}`;
    return `${name}-${attribute}`.toLowerCase().replace(/_/g, "-");
  });
  expect(literal, "every interpolation replaced").not.toMatch(/\$\{/);
  return literal;
}

const entered = (events: readonly HistoryEvent[]) => events.flatMap((e) => (e.stateEnteredEventDetails?.name ? [e.stateEnteredEventDetails.name] : []));
/** The output of the first exit of `state`, parsed. */
function exitOutput(events: readonly HistoryEvent[], state: string): any {
  const exit = events.find((e) => e.stateExitedEventDetails?.name === state);
  if (!exit?.stateExitedEventDetails?.output) throw new Error(`${state} never exited: ${entered(events).join(" > ")}`);
  return JSON.parse(exit.stateExitedEventDetails.output);
}

describe("pipeline CLI against moto (server mode, execute mode on)", () => {
  let moto: Moto;
  let sfn: SFNClient;
  const stateMachines: Partial<Record<EnvName, { name: string; arn: string; region: string; bronze: string }>> = {};
  const config = (env: EnvName) => parseEnvConfig(RAW_ENVS[env]);
  const target = (env: EnvName) => stateMachines[env]!;
  const cliEnv = (env: EnvName) => awsEnv(moto.endpoint, config(env).region, { MARKETPULSE_PIPELINE_POLL_SECONDS: POLL_SECONDS });
  let executions = 0;

  beforeAll(async () => {
    // moto comes from spark-jobs/.venv, which vitest's globalSetup has created or updated.
    moto = await startMoto();
    await moto.executeStateMachines();
    const region = config("prod").region;
    expect(config("dev").region, "one moto client serves both environments").toBe(region);
    sfn = new SFNClient({ region, endpoint: moto.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    for (const env of ["dev", "prod"] as const) {
      const { tf } = synthEnv(env);
      const [machine] = Object.values(tf.resource.aws_sfn_state_machine) as any[];
      const name = platformNames(config(env)).stateMachine;
      expect(machine.name, "the synthesized state machine has the name the CLI looks for").toBe(name);
      const definition = deployableDefinition(machine.definition, region, config(env).accountId);
      const bronze = JSON.parse(definition).States["List Bronze prices"].Parameters.Bucket;
      expect(bronze, "the input check looks in the environment's Bronze bucket").toBe(platformNames(config(env)).buckets.bronze);
      const created = await sfn.send(
        new CreateStateMachineCommand({ name, definition, roleArn: `arn:aws:iam::${config(env).accountId}:role/${name}`, type: "STANDARD" }),
      );
      stateMachines[env] = { name, arn: created.stateMachineArn!, region, bronze };
    }
    await moto.boto3(region, [["s3", "create_bucket", { Bucket: target("prod").bronze, CreateBucketConfiguration: { LocationConstraint: region } }]]);
  }, 120_000);

  afterAll(async () => {
    sfn?.destroy();
    await moto?.stop();
  });

  /** The execution a CLI run started, from its "started <name>" progress line. */
  function startedBy(env: EnvName, r: CliResult): string {
    const name = /\] started (\S+) /.exec(r.stderr)?.[1];
    if (!name) throw new Error(`no "started" line in:\n${r.stderr}`);
    return `${target(env).arn.replace(":stateMachine:", ":execution:")}:${name}`;
  }

  async function waitForEnd(executionArn: string): Promise<void> {
    for (let attempt = 0; attempt < 600; attempt++) {
      if ((await describeExecution(sfn, executionArn)).status !== "RUNNING") return;
      await new Promise((r) => setTimeout(r, Number(POLL_SECONDS) * 1000));
    }
    throw new Error(`${executionArn} still running after 600 checks`);
  }

  /** Starts an execution straight through the SDK (none of the CLI's checks) and waits until it ends. */
  async function startDirectly(env: EnvName, input: string): Promise<string> {
    // moto needs a name (AWS would generate one).
    const name = `sdk-${++executions}-${Date.now()}`;
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: target(env).arn, name, input }));
    await waitForEnd(executionArn!);
    return executionArn!;
  }

  const history = (arn: string) => executionHistory(sfn, arn);

  it("prod, a day without Bronze: exits 0 saying so, starts no cluster, and counts the run", async () => {
    const date = "2024-03-04";
    const r = await cli(["run", "--env", "prod", "--date", date], cliEnv("prod"));
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual([expect.stringMatching(new RegExp(`^run ${date} on prod: no Bronze input, nothing to process \\(NoInput\\); no cluster started;`))]);
    expect(r.stderr).not.toMatch(/^pipeline:/m);

    const events = await history(startedBy("prod", r));
    const states = entered(events);
    expect(states).toEqual(expect.arrayContaining(["List Bronze prices", "List Bronze news", "HasInput", "Count run without input"]));
    expect(states[states.length - 1]).toBe("NoInput");
    expect(states).not.toContain("ListRunningRuns");
    expect(states).not.toContain("CreateCluster");
    // Progress: every state the run entered, in order, on stderr.
    expect(lines(r.stderr).flatMap((l) => /^\[[\d:]+\] state (.+)$/.exec(l)?.[1] ?? [])).toEqual(states);

    const { metricNamespace, stateMachine } = platformNames(config("prod"));
    const [metrics] = await moto.boto3(target("prod").region, [["cloudwatch", "list_metrics", { Namespace: metricNamespace, MetricName: "RunsWithoutInput" }]]);
    expect(metrics.Metrics).toEqual([{ Namespace: metricNamespace, MetricName: "RunsWithoutInput", Dimensions: [{ Name: "Pipeline", Value: stateMachine }] }]);
  });

  it("prod, a day with Bronze: passes the input check with exactly the staged steps' arguments, then stops where moto does", async () => {
    const date = "2024-03-05";
    await moto.boto3(target("prod").region, [["s3", "put_object", { Bucket: target("prod").bronze, Key: `prices/date=${date}/hour=00/part-0000.jsonl`, Body: "{}\n" }]]);
    const r = await cli(["run", "--env", "prod", "--date", date], cliEnv("prod"));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    // One line says what failed (progress lines aside): the error and cause of the execution.
    const failures = lines(r.stderr).filter((l) => l.startsWith("pipeline:"));
    expect(failures).toEqual([expect.stringMatching(new RegExp(`^pipeline: run ${date} on prod failed: QueueCheckFailed: .*States\\.Runtime`))]);
    expect(lines(r.stderr).at(-1)).toBe(failures[0]);

    const events = await history(startedBy("prod", r));
    const states = entered(events);
    expect(exitOutput(events, "List Bronze prices").input.prices.count).toBe(1);
    expect(states).toContain("ListRunningRuns");
    expect(states).not.toContain("NoInput");
    expect(states).not.toContain("CreateCluster");

    // The run context holds, per job, the staged step file's Args with the day filled in.
    const { sparkJobs } = synthEnv("prod").stack;
    const run = exitOutput(events, "DailyRun").run;
    expect(Object.keys(run.args)).toEqual([...sparkJobs.pipelineJobs]);
    for (const job of sparkJobs.pipelineJobs) {
      const staged = sparkJobs.steps[job]!;
      expect(run.args[job]).toEqual(staged.Args.map((a) => a.replaceAll("@DATE@", date)));
      expect(run.args[job]).toEqual(sparkJobs.step(job, { date }).Args);
      expect(run.stepNames[job]).toBe(staged.Name.replaceAll("@DATE@", date));
    }
  });

  it("a backfill through the CLI reaches the run context as start, end and label start_end", async () => {
    const [start, end] = ["2024-02-01", "2024-02-29"];
    const r = await cli(["backfill", "--env", "prod", "--start", start, "--end", end], cliEnv("prod"));
    expect(r.code).toBe(1);
    expect(lines(r.stderr).filter((l) => l.startsWith("pipeline:"))).toEqual([
      expect.stringMatching(new RegExp(`^pipeline: backfill ${start}\\.\\.${end} on prod failed: QueueCheckFailed: `)),
    ]);

    const events = await history(startedBy("prod", r));
    const run = exitOutput(events, "BackfillRun").run;
    expect({ start: run.start, end: run.end, label: run.label, checkInput: run.checkInput }).toEqual({ start, end, label: `${start}_${end}`, checkInput: false });
    const { sparkJobs } = synthEnv("prod").stack;
    expect(Object.keys(run.args)).toEqual([...sparkJobs.pipelineJobs]);
    for (const job of sparkJobs.pipelineJobs) expect(run.args[job]).toEqual(sparkJobs.step(job, { start, end }).Args);
    // A backfill skips the Bronze check (its jobs skip days without input).
    expect(entered(events).filter((s) => s.startsWith("List Bronze"))).toEqual([]);
  });

  const badInputs = [
    "{}",
    '{"date": 5}',
    '{"date": "2024-02-30"}',
    '{"date": "2024-01-02", "start": "2024-01-01", "end": "2024-01-03"}',
    '{"start": "2024-01-05", "end": "2024-01-01"}',
  ];
  it.each(badInputs)("input %s, started without the CLI, fails InvalidInput before any cluster", async (input) => {
    const arn = await startDirectly("prod", input);
    const execution = await describeExecution(sfn, arn);
    expect(execution.status).toBe("FAILED");
    expect(execution.error).toBe("InvalidInput");
    const states = entered(await history(arn));
    expect(states).not.toContain("CreateCluster");
    expect(states.filter((s) => s.startsWith("Run "))).toEqual([]);
  });

  it("status (latest, by ARN, by name) and list show executions with their status", async () => {
    const date = "2024-03-06";
    const started = await cli(["run", "--env", "prod", "--date", date, "--no-wait"], cliEnv("prod"));
    expect(started.code, started.stderr).toBe(0);
    // --no-wait prints the execution's ARN, and only that, on stdout.
    const succeeded = started.stdout.trim();
    expect(succeeded).toBe(startedBy("prod", started));
    await waitForEnd(succeeded);
    const failed = await startDirectly("prod", '{"start": "2024-03-09", "end": "2024-03-08"}');

    const field = (out: string, key: string) => lines(out).find((l) => l.startsWith(`${key} `))?.slice(9);
    const latest = await cli(["status", "--env", "prod"], cliEnv("prod"));
    expect(latest.code, latest.stderr).toBe(0);
    expect(field(latest.stdout, "arn")).toBe(failed);

    const byArn = await cli(["status", "--env", "prod", "--execution", succeeded], cliEnv("prod"));
    expect(byArn.code, byArn.stderr).toBe(0);
    expect(field(byArn.stdout, "status")).toBe("SUCCEEDED");
    expect(field(byArn.stdout, "dates")).toBe(date);
    expect(field(byArn.stdout, "state")).toBe("NoInput (last)");
    expect(field(byArn.stdout, "outcome")).toBe("no Bronze input, nothing processed");
    expect(field(byArn.stdout, "cluster")).toBe("none started");

    const byName = await cli(["status", "--env", "prod", "--execution", failed.split(":").pop()!], cliEnv("prod"));
    expect(byName.code, byName.stderr).toBe(0);
    expect(field(byName.stdout, "arn")).toBe(failed);
    expect(field(byName.stdout, "status")).toBe("FAILED");
    expect(field(byName.stdout, "dates")).toBe("2024-03-09..2024-03-08");
    expect(field(byName.stdout, "state")).toBe("InvalidDate (last)");
    expect(field(byName.stdout, "error")).toBe("InvalidInput");

    const list = await cli(["list", "--env", "prod", "--limit", "2"], cliEnv("prod"));
    expect(list.code, list.stderr).toBe(0);
    const rows = lines(list.stdout).map((l) => l.split(/\s{2,}/));
    expect(rows.map((r) => [r[0], r[1], r[4]])).toEqual([
      ["NAME", "STATUS", "DATES"],
      [failed.split(":").pop(), "FAILED", "2024-03-09..2024-03-08"],
      [succeeded.split(":").pop(), "SUCCEEDED", date],
    ]);
  });

  it("status refuses an execution of another environment's state machine", async () => {
    const devExecution = await startDirectly("dev", "{}");
    const r = await cli(["status", "--env", "prod", "--execution", devExecution], cliEnv("prod"));
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`pipeline: error: ${devExecution} is an execution of ${target("dev").arn}, not of ${target("prod").name}`]);
  });

  it("dev (synthetic feed) goes from ValidateDates straight to the queue check, and the CLI reports moto's failure there in one line", async () => {
    // Dev's input check comes after the generate step, on the cluster; a daily run's first
    // task is ListRunningRuns (aws-sdk:sfn:listExecutions), which moto cannot run.
    const date = "2024-03-05";
    const r = await cli(["run", "--env", "dev", "--date", date], cliEnv("dev"));
    expect(r.code).toBe(1);
    const failures = lines(r.stderr).filter((l) => l.startsWith("pipeline:"));
    expect(failures).toEqual([expect.stringMatching(new RegExp(`^pipeline: run ${date} on dev failed: QueueCheckFailed: .*States\\.Runtime.*StateMachineArn`))]);
    const states = entered(await history(startedBy("dev", r)));
    expect(states.slice(states.indexOf("ValidateDates"), states.indexOf("ValidateDates") + 2)).toEqual(["ValidateDates", "ListRunningRuns"]);
    expect(states).not.toContain("CreateCluster");
  });

  it("a state machine that is not there is named in one line, with its region", async () => {
    const r = await cli(["status", "--env", "prod"], { ...cliEnv("prod"), AWS_REGION: "us-east-2" });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      `pipeline: error: state machine ${target("prod").name} not found in us-east-2 (from AWS_REGION; prod's region is ${config("prod").region}): is the prod stack deployed?`,
    ]);
  });
});
