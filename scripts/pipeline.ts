/**
 * The pipeline's operator CLI: start a run or a backfill of an environment's state machine and
 * follow it, or look at its executions.
 *
 *   npm run pipeline -- run --env dev --date 2024-01-02
 *   npm run pipeline -- backfill --env prod --start 2024-01-01 --end 2024-01-31 --no-wait
 *   npm run pipeline -- status --env prod
 *   npm run pipeline -- list --env prod --limit 20
 *
 * The environment comes from envs/environments.ts (what main.ts synthesizes), validated with parseEnvConfigs as synth
 * validates it; the state machine is found by its name (envs/naming.ts) with ListStateMachines,
 * so the CLI needs no account id and works against any endpoint the SDK is pointed at. Usage
 * mistakes are one line and exit 2; a failed execution or an AWS error is one line and exit 1.
 * `npm run pipeline -- --help` prints the usage (scripts/pipeline/args.ts).
 */
import { type DescribeExecutionCommandOutput, SFNClient } from "@aws-sdk/client-sfn";
import { ConfigError, parseEnvConfigs } from "../envs";
import { platformNames } from "../envs/naming";
import { ENVIRONMENTS } from "../envs/environments";
import { type Command, parseCommand, pollMilliseconds, type RunInput, usage, UsageError } from "./pipeline/args";
import {
  describeExecution,
  describeInput,
  duration,
  executionHistory,
  executionName,
  findStateMachine,
  nameOf,
  NO_INPUT_STATE,
  oneLine,
  readProgress,
  recentExecutions,
  startExecution,
  timestamp,
} from "./pipeline/executions";

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

interface Output {
  out(line: string): void;
  err(line: string): void;
}

const stdio: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Where a command runs: the environment's state machine, found in its region. */
interface Target {
  readonly env: string;
  readonly region: string;
  readonly client: SFNClient;
  readonly stateMachineName: string;
  readonly stateMachineArn: string;
}

/** A failure to report in one line, with its exit code. */
class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: Output = stdio): Promise<number> {
  let client: SFNClient | undefined;
  try {
    const environments = Object.keys(ENVIRONMENTS);
    const command = parseCommand(argv, environments);
    if (command.command === "help") {
      io.out(usage(environments));
      return EXIT.ok;
    }
    const pollMs = command.command === "run" || command.command === "backfill" ? pollMilliseconds(env) : 0;

    let configs;
    try {
      configs = parseEnvConfigs(ENVIRONMENTS);
    } catch (err) {
      if (err instanceof ConfigError) throw new CliFailure(`invalid environment configuration: ${err.problems.join("; ")}`);
      throw err;
    }
    const config = configs[command.env];
    // The environment's region unless AWS_REGION says otherwise (an emulator, a DR region).
    const region = env.AWS_REGION || config.region;
    const stateMachineName = platformNames(config).stateMachine;
    // The SDK warns (8 lines on stderr) that its releases after January 2027 need Node 22; this
    // project runs Node 20 on a pinned SDK, and the CLI's errors are one line. Set the variable
    // to "false" to see the warning.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    client = new SFNClient({ region });
    const stateMachineArn = await findStateMachine(client, stateMachineName);
    if (stateMachineArn === undefined) {
      const from = region === config.region ? "" : ` (from AWS_REGION; ${command.env}'s region is ${config.region})`;
      throw new CliFailure(`state machine ${stateMachineName} not found in ${region}${from}: is the ${command.env} stack deployed?`);
    }
    const target: Target = { env: command.env, region, client, stateMachineName, stateMachineArn };

    if (command.command === "status") return await status(target, command.execution, io);
    if (command.command === "list") return await list(target, command.limit, io);
    return await startRun(target, command, pollMs, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`pipeline: error: ${err.message.replace(/\r?\n/g, "\\n")}`);
      return EXIT.usage;
    }
    if (err instanceof CliFailure) {
      io.err(`pipeline: error: ${err.message}`);
      return err.exitCode;
    }
    io.err(`pipeline: error: ${awsErrorMessage(err)}`);
    return EXIT.failed;
  } finally {
    client?.destroy();
  }
}

/** An SDK or network error in one line: its name and message, never a stack trace. */
function awsErrorMessage(err: unknown): string {
  if (!(err instanceof Error)) return oneLine(String(err));
  // Node reports a refused connection to a host with several addresses as an AggregateError.
  const inner = err instanceof AggregateError && err.errors.length > 0 ? err.errors[0] : undefined;
  const message = err.message || (inner instanceof Error ? inner.message : "") || String((err as { code?: string }).code ?? "");
  return oneLine(err.name && err.name !== "Error" ? `${err.name}: ${message}` : message);
}

const runLabel = (input: RunInput) => ("date" in input ? `run ${input.date}` : `backfill ${input.start}..${input.end}`);

async function startRun(target: Target, command: Extract<Command, { command: "run" | "backfill" }>, pollMs: number, io: Output): Promise<number> {
  const name = executionName(command.input, new Date());
  const arn = await startExecution(target.client, target.stateMachineArn, name, command.input);
  const label = `${runLabel(command.input)} on ${target.env}`;
  io.err(`[${clock(new Date())}] started ${name} (${target.stateMachineName}, ${target.region})`);
  if (!command.wait) {
    io.err(`follow it with: npm run pipeline -- status --env ${target.env} --execution ${name}`);
    io.out(arn);
    return EXIT.ok;
  }
  let final;
  try {
    final = await follow(target, arn, pollMs, io);
  } catch (err) {
    throw new CliFailure(`${awsErrorMessage(err)}; stopped waiting, the execution goes on: npm run pipeline -- status --env ${target.env} --execution ${name}`);
  }
  const { execution, progress } = final;
  const took = duration((execution.stopDate?.getTime() ?? Date.now()) - (execution.startDate?.getTime() ?? Date.now()));
  const cluster = progress.clusterId;
  const last = progress.states[progress.states.length - 1] ?? "-";
  switch (execution.status) {
    case "SUCCEEDED":
      if (last === NO_INPUT_STATE) {
        const clusterNote = cluster ? `cluster ${cluster} terminated` : "no cluster started";
        io.out(`${label}: no Bronze input, nothing to process (${NO_INPUT_STATE}); ${clusterNote}; took ${took}; execution ${name}`);
      } else {
        io.out(`${label}: succeeded${cluster ? ` on cluster ${cluster} (terminated)` : ""}; took ${took}; execution ${name}`);
      }
      return EXIT.ok;
    case "FAILED":
      // The definition's Fail states name the failed state and the cluster in error and cause.
      io.err(`pipeline: ${label} failed: ${oneLine(execution.error ?? "unknown error")}: ${oneLine(execution.cause ?? "no cause given")} (execution ${name})`);
      return EXIT.failed;
    default: {
      // TIMED_OUT or ABORTED: no state of the definition runs, so nothing terminates the cluster.
      const clusterNote = cluster ? `; cluster ${cluster} is left to its idle timeout (or terminate it by hand)` : "";
      io.err(`pipeline: ${label} ${String(execution.status).toLowerCase().replace("_", " ")} after ${took} in state ${last}${clusterNote} (execution ${name})`);
      return EXIT.failed;
    }
  }
}

/** Polls until the execution ends, printing each state it enters and the cluster id once known. */
async function follow(target: Target, executionArn: string, pollMs: number, io: Output) {
  let printedStates = 0;
  let printedCluster = false;
  const stop = () => {
    io.err(`pipeline: stopped waiting; the execution goes on: npm run pipeline -- status --env ${target.env} --execution ${nameOf({ executionArn })}`);
    process.exit(130);
  };
  process.once("SIGINT", stop);
  try {
    for (;;) {
      const execution = await describeExecution(target.client, executionArn);
      const events = await executionHistory(target.client, executionArn);
      const progress = readProgress(events);
      const entered = events.filter((e) => e.stateEnteredEventDetails?.name !== undefined);
      for (const event of entered.slice(printedStates)) io.err(`[${clock(event.timestamp)}] state ${event.stateEnteredEventDetails!.name}`);
      printedStates = entered.length;
      if (progress.clusterId && !printedCluster) {
        io.err(`[${clock(new Date())}] cluster ${progress.clusterId}`);
        printedCluster = true;
      }
      // PENDING_REDRIVE: a redrive has been asked for and the execution runs again.
      if (execution.status !== "RUNNING" && execution.status !== "PENDING_REDRIVE") return { execution, progress };
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    process.removeListener("SIGINT", stop);
  }
}

async function status(target: Target, execution: string | undefined, io: Output): Promise<number> {
  let arn = execution;
  if (arn === undefined) {
    const [latest] = await recentExecutions(target.client, target.stateMachineArn, 1);
    if (latest === undefined) {
      io.out(`no executions of ${target.stateMachineName} in ${target.region} yet`);
      return EXIT.ok;
    }
    arn = latest.executionArn!;
  } else if (!arn.startsWith("arn:")) {
    // A name: executions live under the state machine's ARN.
    arn = `${target.stateMachineArn.replace(":stateMachine:", ":execution:")}:${arn}`;
  }
  const described = await describeExecution(target.client, arn);
  if (described.stateMachineArn !== target.stateMachineArn) {
    throw new CliFailure(`${arn} is an execution of ${described.stateMachineArn}, not of ${target.stateMachineName}`);
  }
  const progress = readProgress(await executionHistory(target.client, arn));
  for (const [key, value] of statusLines(described, progress.states, progress.clusterId)) io.out(`${key.padEnd(9)}${value}`);
  return EXIT.ok;
}

function statusLines(e: DescribeExecutionCommandOutput, states: string[], clusterId: string | undefined): [string, string][] {
  const last = states[states.length - 1];
  const stopped = e.stopDate ? `${timestamp(e.stopDate)} (after ${duration(e.stopDate.getTime() - (e.startDate?.getTime() ?? 0))})` : "-";
  const lines: [string, string][] = [
    ["name", nameOf(e)],
    ["arn", e.executionArn ?? "-"],
    ["status", String(e.status)],
    ["dates", describeInput(e.input)],
    ["started", timestamp(e.startDate)],
    ["stopped", stopped],
    ["state", last === undefined ? "-" : e.status === "RUNNING" ? `${last} (now)` : `${last} (last)`],
    ["cluster", clusterId ?? "none started"],
  ];
  if (e.status === "SUCCEEDED") lines.push(["outcome", last === NO_INPUT_STATE ? "no Bronze input, nothing processed" : "processed"]);
  if (e.error !== undefined) lines.push(["error", oneLine(e.error)]);
  if (e.cause !== undefined) lines.push(["cause", oneLine(e.cause)]);
  return lines;
}

async function list(target: Target, limit: number, io: Output): Promise<number> {
  const items = await recentExecutions(target.client, target.stateMachineArn, limit);
  if (items.length === 0) {
    io.out(`no executions of ${target.stateMachineName} in ${target.region} yet`);
    return EXIT.ok;
  }
  // ListExecutions has no input: describe each, a few at a time (DescribeExecution is throttled).
  const inputs: string[] = [];
  for (let i = 0; i < items.length; i += 5) {
    const batch = items.slice(i, i + 5).map((item) => describeExecution(target.client, item.executionArn!));
    inputs.push(...(await Promise.all(batch)).map((d) => describeInput(d.input)));
  }
  const rows = [
    ["NAME", "STATUS", "STARTED", "STOPPED", "DATES"],
    ...items.map((item, i) => [nameOf(item), String(item.status), timestamp(item.startDate), timestamp(item.stopDate), inputs[i]]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) io.out(row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]))).join("  "));
  return EXIT.ok;
}

/** `15:29:53` (UTC). */
function clock(date: Date | undefined): string {
  return (date ?? new Date()).toISOString().slice(11, 19);
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
