/**
 * The operator CLI's pieces, in-process: its argument rules (the same as the Spark jobs', checked
 * against the jobs' own `parse_date`), its execution names, and how it reads a history. The
 * process's contract (one line, exit codes) and real runs are in pipeline-cli.test.ts.
 */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ENVIRONMENTS } from "../../envs/environments";
import { type Command, DEFAULT_LIST_LIMIT, parseCommand, parseDate, pollMilliseconds, POLL_ENV, UsageError } from "../../scripts/pipeline/args";
import { CREATE_CLUSTER_STATE, describeInput, executionName, readProgress } from "../../scripts/pipeline/executions";
import { ROOT, VENV_BIN } from "../support/venv";

const ENVS = Object.keys(ENVIRONMENTS);

function mistake(argv: string[]): string {
  try {
    parseCommand(argv, ENVS);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`accepted: ${argv.join(" ")}`);
}

describe("dates: the CLI takes exactly what the jobs take", () => {
  const candidates = [
    "2024-01-02", "2024-02-29", "2000-02-29", "2023-02-29", "2100-02-29", "2024-02-30", "2024-04-31", "2024-12-31",
    "2024-1-1", "2024-13-01", "2024-00-10", "2024-01-00", "0000-01-01", "0001-01-01", "9999-12-31", "24-01-02",
    "2024/01/02", "20240102", "2024-01-02T00:00:00Z", " 2024-01-02", "2024-01-02 ", "2024-01-02\n", "", "it's", "2024-01-0x",
  ];

  it("accepts and rejects the same strings as runtime.parse_date, with its messages", () => {
    // The jobs' own parser, from the venv vitest's globalSetup prepared.
    const script = [
      "import argparse, json, sys",
      "from marketpulse_jobs.runtime import parse_date",
      "out = []",
      "for text in json.load(sys.stdin):",
      "    try:",
      "        out.append(parse_date(text).isoformat())",
      "    except argparse.ArgumentTypeError as exc:",
      "        out.append({'error': str(exc)})",
      "print(json.dumps(out))",
    ].join("\n");
    const r = spawnSync(join(VENV_BIN, "python"), ["-c", script], {
      input: JSON.stringify(candidates),
      encoding: "utf8",
      // Nothing may be written into src/: it is what gets staged.
      env: { ...process.env, PYTHONPATH: join(ROOT, "spark-jobs", "src"), PYTHONDONTWRITEBYTECODE: "1" },
    });
    expect(r.status, r.stderr).toBe(0);
    const jobs: (string | { error: string })[] = JSON.parse(r.stdout);
    const cli = candidates.map((text) => {
      try {
        return parseDate("--date", text);
      } catch (err) {
        return { error: (err as Error).message.replace(/^argument --date: /, "") };
      }
    });
    expect(cli).toEqual(jobs);
    // Both sides reject something, and accept something: the comparison means something.
    expect(jobs.filter((j) => typeof j === "string").length).toBeGreaterThan(3);
    expect(jobs.filter((j) => typeof j !== "string").length).toBeGreaterThan(10);
  });
});

describe("parseCommand", () => {
  it.each<[string[], string]>([
    [[], "missing command: use one of run, backfill, status, list (--help for usage)"],
    [["rerun"], "unknown command 'rerun': use one of run, backfill, status, list"],
    [["run", "--date", "2024-01-02"], `missing --env: use one of ${ENVS.join(", ")}`],
    [["run", "--env", "staging"], `unknown environment 'staging': use one of ${ENVS.join(", ")}`],
    [["run", "--env"], "--env needs a value"],
    [["run", "--env", "dev"], "run needs --date YYYY-MM-DD"],
    [["run", "--env", "dev", "--date"], "--date needs a value"],
    [["run", "--env", "dev", "--date", "--no-wait"], "--date needs a value"],
    [["run", "--env", "dev", "--date", "2024-01-02", "--date", "2024-01-03"], "--date given more than once"],
    [["run", "--env", "dev", "--date", "2024-01-02", "extra"], "unexpected argument 'extra'"],
    [["run", "--env", "dev", "--date", "2024-01-02", "--no-wait=yes"], "--no-wait takes no value"],
    [["run", "--env", "dev", "--date", "2024-01-02", "-x"], "unknown option -x"],
    [["run", "--env", "dev", "--date", "2024-01-02", "--start", "2024-01-01"], "argument --start: not allowed with argument --date"],
    [["run", "--env", "dev", "--date", "2024-01-02", "--end", "2024-01-03"], "--end goes with --start, not with --date"],
    [["run", "--env", "dev", "--start", "2024-01-01", "--end", "2024-01-02"], "run takes --date; use backfill for --start/--end"],
    [["backfill", "--env", "dev"], "backfill needs --start YYYY-MM-DD and --end YYYY-MM-DD"],
    [["backfill", "--env", "dev", "--date", "2024-01-02"], "backfill takes --start and --end; use run for --date"],
    [["backfill", "--env", "dev", "--start", "2024-01-01"], "--start needs --end (use run --date for a single day)"],
    [["backfill", "--env", "dev", "--end", "2024-01-01"], "--end needs --start"],
    [["backfill", "--env", "dev", "--start", "2024-01-02", "--end", "2024-01-01"], "--end 2024-01-01 is before --start 2024-01-02"],
    [["backfill", "--env", "dev", "--start", "2024-01-01", "--end", "2024-02-30"], "argument --end: invalid date '2024-02-30': day is out of range for month"],
    [["status", "--env", "dev", "--date", "2024-01-02"], "--date does not apply to status"],
    [["status", "--env", "dev", "--execution", " "], "--execution needs an execution ARN or name"],
    [["list", "--env", "dev", "--no-wait"], "--no-wait does not apply to list"],
    [["list", "--env", "dev", "--limit", "0"], "argument --limit: expected a whole number from 1 to 1000, got '0'"],
    [["list", "--env", "dev", "--limit", "1e3"], "argument --limit: expected a whole number from 1 to 1000, got '1e3'"],
    [["list", "--env", "dev", "--limit", "1001"], "argument --limit: expected a whole number from 1 to 1000, got '1001'"],
  ])("%j: %s", (argv, message) => {
    expect(mistake(argv)).toBe(message);
  });

  it("keeps a message on one line whatever was typed", () => {
    expect(mistake(["run", "--env", "dev", "--date", "2024-01-02\n"])).toBe("argument --date: invalid date '2024-01-02\\n': expected YYYY-MM-DD");
    expect(mistake(["run\nx"])).not.toContain("\n");
  });

  it.each<[string[], Command]>([
    [["run", "--env", "prod", "--date", "2024-02-29"], { command: "run", env: "prod", input: { date: "2024-02-29" }, wait: true }],
    [["run", "--no-wait", "--env=dev", "--date=2024-01-02"], { command: "run", env: "dev", input: { date: "2024-01-02" }, wait: false }],
    [["backfill", "--env", "dev", "--start", "2024-01-01", "--end", "2024-01-01"], { command: "backfill", env: "dev", input: { start: "2024-01-01", end: "2024-01-01" }, wait: true }],
    [["status", "--env", "prod"], { command: "status", env: "prod", execution: undefined }],
    [["status", "--env", "prod", "--execution", "run-x"], { command: "status", env: "prod", execution: "run-x" }],
    [["list", "--env", "dev"], { command: "list", env: "dev", limit: DEFAULT_LIST_LIMIT }],
    [["list", "--env", "dev", "--limit", "3"], { command: "list", env: "dev", limit: 3 }],
    [["--help"], { command: "help" }],
    [["run", "-h"], { command: "help" }],
  ])("%j", (argv, command) => {
    expect(parseCommand(argv, ENVS)).toEqual(command);
  });
});

describe("pollMilliseconds", () => {
  it("defaults to 10 s and takes fractions", () => {
    expect(pollMilliseconds({})).toBe(10_000);
    expect(pollMilliseconds({ [POLL_ENV]: "0.25" })).toBe(250);
    expect(pollMilliseconds({ [POLL_ENV]: "30" })).toBe(30_000);
  });

  it.each(["0", "-1", "soon", "1e2", "3601"])("refuses %j", (value) => {
    expect(() => pollMilliseconds({ [POLL_ENV]: value })).toThrow(new RegExp(`^${POLL_ENV}='${value}' is not a number of seconds`));
  });
});

describe("executionName", () => {
  // Step Functions: 1-80 characters, and only these for names that CloudWatch logs can carry.
  const valid = /^[A-Za-z0-9_-]{1,80}$/;
  const now = new Date();

  it("is readable, valid and unique for a day and for the longest range", () => {
    const day = executionName({ date: "2024-01-02" }, now);
    const range = executionName({ start: "2024-01-01", end: "9999-12-31" }, now);
    expect(day).toMatch(valid);
    expect(range).toMatch(valid);
    expect(day.startsWith("run-2024-01-02-")).toBe(true);
    expect(range.startsWith("backfill-2024-01-01_9999-12-31-")).toBe(true);
    // Two starts in the same second differ by their random suffix.
    expect(executionName({ date: "2024-01-02" }, now, () => 0)).not.toBe(executionName({ date: "2024-01-02" }, now, () => 0.5));
  });
});

describe("readProgress", () => {
  const entered = (id: number, type: string, name: string): HistoryEvent => ({
    id,
    type: type as HistoryEvent["type"],
    timestamp: new Date(),
    stateEnteredEventDetails: { name, input: "{}" },
  });

  it("finds the cluster id in CreateCluster's task result, or in the state's output", () => {
    const clusterId = "j-1K48XXXXXXHCB";
    const taskResult: HistoryEvent[] = [
      entered(1, "PassStateEntered", "DailyRun"),
      entered(2, "TaskStateEntered", CREATE_CLUSTER_STATE),
      { id: 3, type: "TaskSucceeded", timestamp: new Date(), taskSucceededEventDetails: { resourceType: "elasticmapreduce", resource: "createCluster.sync", output: JSON.stringify({ ClusterId: clusterId }) } },
    ];
    expect(readProgress(taskResult)).toEqual({ states: ["DailyRun", CREATE_CLUSTER_STATE], clusterId });

    const stateOutput: HistoryEvent[] = [
      entered(2, "TaskStateEntered", CREATE_CLUSTER_STATE),
      { id: 4, type: "TaskStateExited", timestamp: new Date(), stateExitedEventDetails: { name: CREATE_CLUSTER_STATE, output: JSON.stringify({ cluster: { ClusterId: clusterId } }) } },
      entered(5, "TaskStateEntered", "Run bronze_to_gold"),
    ];
    expect(readProgress(stateOutput).clusterId).toBe(clusterId);
    expect(readProgress(stateOutput.slice(0, 1)).clusterId).toBeUndefined();
  });
});

describe("describeInput", () => {
  it.each([
    ['{"date": "2024-01-02"}', "2024-01-02"],
    ['{"start": "2024-01-01", "end": "2024-01-31"}', "2024-01-01..2024-01-31"],
    ['{"scheduledTime": "2024-01-03T02:00:00Z"}', "scheduled 2024-01-03T02:00:00Z"],
    ['{"date": 5}', '{"date":5}'],
    ["{}", "{}"],
    ["not json\nat all", "not json at all"],
  ])("%s", (input, shown) => {
    expect(describeInput(input)).toBe(shown);
  });
});
