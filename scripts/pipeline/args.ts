/**
 * The operator CLI's arguments: parsed with node's util.parseArgs, then checked the way the
 * Spark jobs check theirs (spark-jobs/src/marketpulse_jobs/runtime.py: `parse_date`,
 * `dates_from_args`), so a date the CLI accepts is one every job accepts too. Every mistake is
 * a UsageError with one line of text; nothing here talks to AWS.
 */
import { parseArgs } from "node:util";

/** A mistake by whoever ran the CLI: one line on stderr, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export const COMMANDS = ["run", "backfill", "status", "list"] as const;
export type CommandName = (typeof COMMANDS)[number];

/** One day (`{"date"}`) or an inclusive range (`{"start", "end"}`): the state machine's input forms. */
export type RunInput = { readonly date: string } | { readonly start: string; readonly end: string };

export type Command =
  | { readonly command: "help" }
  | { readonly command: "run" | "backfill"; readonly env: string; readonly input: RunInput; readonly wait: boolean }
  | { readonly command: "status"; readonly env: string; readonly execution?: string }
  | { readonly command: "list"; readonly env: string; readonly limit: number };

export const DEFAULT_LIST_LIMIT = 10;
/** ListExecutions returns at most this many per page; more than that is not an overview. */
export const MAX_LIST_LIMIT = 1000;

/** The --help text, with the environments' names. */
export const usage = (environments: readonly string[]) => `Usage: npm run pipeline -- <command> --env <env> [options]

Start and follow an environment's daily pipeline (its Step Functions state machine).

Commands:
  run       --env ENV --date YYYY-MM-DD [--no-wait]
            Process one UTC day.
  backfill  --env ENV --start YYYY-MM-DD --end YYYY-MM-DD [--no-wait]
            Reprocess a range of UTC days, both included.
  status    --env ENV [--execution ARN|NAME]
            One execution (default: the most recent): status, dates, state, cluster, error.
  list      --env ENV [--limit N]
            The most recent executions (default ${DEFAULT_LIST_LIMIT}): name, status, start, stop, dates.

Options:
  --env ENV      ${environments.join(" or ")} (envs/environments.ts)
  --no-wait      print the new execution's ARN and return without waiting
  -h, --help     show this help

run and backfill wait until the execution ends, printing each state it enters and the EMR
cluster id to stderr. The outcome is one line: on stdout when the run succeeded (or found no
Bronze input), on stderr when it failed. Dates are strict YYYY-MM-DD, as the jobs take them.

The state machine is found by name in the environment's region. The AWS SDK's usual settings
apply: credentials (AWS_PROFILE, ...), AWS_REGION (overrides the environment's region),
AWS_ENDPOINT_URL. MARKETPULSE_PIPELINE_POLL_SECONDS sets the wait between checks (default 10).

Exit status: 0 success (for status and list: they could answer), 1 the execution failed or
AWS refused, 2 a usage mistake.`;

const OPTIONS = {
  env: { type: "string" },
  date: { type: "string" },
  start: { type: "string" },
  end: { type: "string" },
  "no-wait": { type: "boolean" },
  execution: { type: "string" },
  limit: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;
type OptionName = keyof typeof OPTIONS;

const ALLOWED: Record<CommandName, readonly OptionName[]> = {
  // --start/--end (run) and --date (backfill) are accepted here only to say which command takes them.
  run: ["env", "date", "start", "end", "no-wait"],
  backfill: ["env", "date", "start", "end", "no-wait"],
  status: ["env", "execution"],
  list: ["env", "limit"],
};

const DATE_RE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

/**
 * A strict `YYYY-MM-DD` calendar date, as `runtime.parse_date` takes it (and with its
 * messages: Python's `datetime.date` errors), returned unchanged.
 */
export function parseDate(option: string, text: string): string {
  const fail = (why: string) => new UsageError(`argument ${option}: invalid date ${pyRepr(text)}: ${why}`);
  if (!DATE_RE.test(text)) throw fail("expected YYYY-MM-DD");
  const [year, month, day] = text.split("-").map(Number);
  if (year < 1) throw fail(`year ${year} is out of range`);
  if (month < 1 || month > 12) throw fail("month must be in 1..12");
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (day < 1 || day > daysInMonth) throw fail("day is out of range for month");
  return text;
}

/**
 * A string as Python's repr() shows it (the jobs' messages use `{text!r}`): quoted, with
 * control characters escaped, so that a message stays on one line.
 */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const named: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };
  const body = [...text]
    .map((c) => {
      if (named[c]) return named[c];
      if (c === quote) return `\\${c}`;
      const code = c.codePointAt(0)!;
      return code < 0x20 || (code >= 0x7f && code < 0xa0) ? `\\x${code.toString(16).padStart(2, "0")}` : c;
    })
    .join("");
  return `${quote}${body}${quote}`;
}

/** `runtime.dates_from_args`: `--date`, or `--start` with `--end` not before it. */
export function datesFromArgs(args: { date?: string; start?: string; end?: string }): RunInput | undefined {
  const date = args.date === undefined ? undefined : parseDate("--date", args.date);
  const start = args.start === undefined ? undefined : parseDate("--start", args.start);
  const end = args.end === undefined ? undefined : parseDate("--end", args.end);
  if (date !== undefined) {
    if (start !== undefined) throw new UsageError("argument --start: not allowed with argument --date");
    if (end !== undefined) throw new UsageError("--end goes with --start, not with --date");
    return { date };
  }
  if (start === undefined && end === undefined) return undefined;
  if (start === undefined) throw new UsageError("--end needs --start");
  if (end === undefined) throw new UsageError("--start needs --end (use run --date for a single day)");
  // Strict YYYY-MM-DD strings order as the dates do.
  if (end < start) throw new UsageError(`--end ${end} is before --start ${start}`);
  return { start, end };
}

/** Parses `argv` (without node and the script) against the known environment names. */
export function parseCommand(argv: readonly string[], environments: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    throw new UsageError(parseArgsMessage(err));
  }
  const { values, positionals, tokens } = parsed;
  if (values.help || positionals[0] === "help") return { command: "help" };

  const [name, ...extra] = positionals;
  if (name === undefined) throw new UsageError(`missing command: use one of ${COMMANDS.join(", ")} (--help for usage)`);
  if (!(COMMANDS as readonly string[]).includes(name)) throw new UsageError(`unknown command ${pyRepr(name)}: use one of ${COMMANDS.join(", ")}`);
  const command = name as CommandName;
  if (extra.length > 0) throw new UsageError(`unexpected argument ${pyRepr(extra[0])}`);

  const seen = new Set<string>();
  for (const token of tokens ?? []) {
    if (token.kind !== "option") continue;
    if (!(ALLOWED[command] as readonly string[]).includes(token.name)) throw new UsageError(`${token.rawName} does not apply to ${command}`);
    if (seen.has(token.name)) throw new UsageError(`${token.rawName} given more than once`);
    seen.add(token.name);
  }

  const env = values.env;
  if (env === undefined) throw new UsageError(`missing --env: use one of ${environments.join(", ")}`);
  if (!environments.includes(env)) throw new UsageError(`unknown environment ${pyRepr(env)}: use one of ${environments.join(", ")}`);

  switch (command) {
    case "run":
    case "backfill": {
      const input = datesFromArgs(values);
      if (command === "run" && input === undefined) throw new UsageError("run needs --date YYYY-MM-DD");
      if (command === "run" && !("date" in input!)) throw new UsageError("run takes --date; use backfill for --start/--end");
      if (command === "backfill" && input === undefined) throw new UsageError("backfill needs --start YYYY-MM-DD and --end YYYY-MM-DD");
      if (command === "backfill" && "date" in input!) throw new UsageError("backfill takes --start and --end; use run for --date");
      return { command, env, input: input!, wait: !values["no-wait"] };
    }
    case "status":
      if (values.execution !== undefined && values.execution.trim() === "") throw new UsageError("--execution needs an execution ARN or name");
      return { command, env, execution: values.execution };
    case "list":
      return { command, env, limit: values.limit === undefined ? DEFAULT_LIST_LIMIT : parseLimit(values.limit) };
  }
}

function parseLimit(text: string): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_LIST_LIMIT)) throw new UsageError(`argument --limit: expected a whole number from 1 to ${MAX_LIST_LIMIT}, got ${pyRepr(text)}`);
  return n;
}

/** util.parseArgs errors, shortened to what the operator needs to know. */
function parseArgsMessage(err: unknown): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${option ?? message}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      // A missing value, a value that looks like an option, or a value given to a flag.
      if (option && /does not take an argument/.test(message)) return `${option} takes no value`;
      return option && /argument missing|ambiguous/.test(message) ? `${option} needs a value` : message.split(/\.\s/)[0];
    default:
      return message.split(/\.\s/)[0];
  }
}

/** The poll interval while waiting, from MARKETPULSE_PIPELINE_POLL_SECONDS (default 10 s). */
export const POLL_ENV = "MARKETPULSE_PIPELINE_POLL_SECONDS";
export function pollMilliseconds(env: NodeJS.ProcessEnv): number {
  const raw = env[POLL_ENV];
  if (raw === undefined || raw.trim() === "") return 10_000;
  const seconds = /^\s*[0-9]*\.?[0-9]+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!(seconds > 0 && seconds <= 3600)) throw new UsageError(`${POLL_ENV}=${pyRepr(raw)} is not a number of seconds from 0 to 3600 (e.g. 10 or 0.5)`);
  return seconds * 1000;
}
