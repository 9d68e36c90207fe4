/**
 * What the CLI asks Step Functions, and how it reads an execution's history. State names and
 * the shape of CreateCluster's output are the definition's (modules/pipeline-definition.ts).
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  type HistoryEvent,
  paginateGetExecutionHistory,
  paginateListExecutions,
  paginateListStateMachines,
  type SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { RunInput } from "./args";

/** The state that starts each run's cluster; its output carries `{"ClusterId": ...}`. */
export const CREATE_CLUSTER_STATE = "CreateCluster";
/** The Succeed state of a day without Bronze input. */
export const NO_INPUT_STATE = "NoInput";

/** The ARN of the state machine called `name`, or undefined. Names are unique per account and region. */
export async function findStateMachine(client: SFNClient, name: string): Promise<string | undefined> {
  for await (const page of paginateListStateMachines({ client }, { maxResults: 1000 })) {
    const hit = page.stateMachines?.find((sm) => sm.name === name);
    if (hit) return hit.stateMachineArn;
  }
  return undefined;
}

/**
 * A unique, readable execution name: `run-2024-01-02-20261128T152953Z-1a2b` or
 * `backfill-2024-01-01_2024-01-31-...`. Step Functions allows letters, digits, `-` and `_`, at
 * most 80 characters; the random suffix keeps two starts in the same second apart.
 */
export function executionName(input: RunInput, now: Date, random: () => number = Math.random): string {
  const what = "date" in input ? `run-${input.date}` : `backfill-${input.start}_${input.end}`;
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
  const suffix = Math.floor(random() * 0x10000).toString(16).padStart(4, "0");
  return `${what}-${stamp}-${suffix}`;
}

export async function startExecution(client: SFNClient, stateMachineArn: string, name: string, input: RunInput): Promise<string> {
  const out = await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  return out.executionArn!;
}

export async function describeExecution(client: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return client.send(new DescribeExecutionCommand({ executionArn }));
}

/** The `limit` most recent executions, newest first. */
export async function recentExecutions(client: SFNClient, stateMachineArn: string, limit: number): Promise<ExecutionListItem[]> {
  const items: ExecutionListItem[] = [];
  for await (const page of paginateListExecutions({ client, pageSize: Math.min(limit, 1000) }, { stateMachineArn })) {
    items.push(...(page.executions ?? []));
    if (items.length >= limit) break;
  }
  // ListExecutions is newest first already; sorting keeps that true of any emulator too.
  return items.sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0)).slice(0, limit);
}

/** Every event of an execution's history, oldest first. */
export async function executionHistory(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for await (const page of paginateGetExecutionHistory({ client, pageSize: 1000 }, { executionArn })) events.push(...(page.events ?? []));
  return events.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
}

/** What a history says about a run, so far. */
export interface RunProgress {
  /** Every state entered, in order (a state entered twice appears twice). */
  readonly states: string[];
  /** The EMR cluster the run started, once CreateCluster has succeeded. */
  readonly clusterId?: string;
}

export function readProgress(events: readonly HistoryEvent[]): RunProgress {
  const states: string[] = [];
  let clusterId: string | undefined;
  for (const event of events) {
    const entered = event.stateEnteredEventDetails?.name;
    if (entered !== undefined) states.push(entered);
    // The task's own result ({"ClusterId": ...}), and the state's output, where the
    // definition's ResultSelector and ResultPath put it ($.cluster.ClusterId).
    const current = states[states.length - 1];
    if (current === CREATE_CLUSTER_STATE && event.taskSucceededEventDetails?.output) {
      clusterId ??= stringAt(event.taskSucceededEventDetails.output, ["ClusterId"]);
    }
    if (event.stateExitedEventDetails?.name === CREATE_CLUSTER_STATE && event.stateExitedEventDetails.output) {
      clusterId ??= stringAt(event.stateExitedEventDetails.output, ["cluster", "ClusterId"]);
    }
  }
  return { states, clusterId };
}

function stringAt(json: string, path: readonly string[]): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  for (const key of path) value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === "string" ? value : undefined;
}

/** How an execution's input reads to an operator: `2024-01-02`, `2024-01-01..2024-01-31`, ... */
export function describeInput(input: string | undefined): string {
  if (input === undefined) return "-";
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch {
    return oneLine(input);
  }
  const v = (value ?? {}) as Record<string, unknown>;
  const keys = value !== null && typeof value === "object" ? Object.keys(v).sort().join(",") : "";
  if (keys === "date" && typeof v.date === "string") return v.date;
  if (keys === "end,start" && typeof v.start === "string" && typeof v.end === "string") return `${v.start}..${v.end}`;
  if (keys === "scheduledTime" && typeof v.scheduledTime === "string") return `scheduled ${v.scheduledTime}`;
  return oneLine(JSON.stringify(value));
}

/** Collapses whitespace so that a message fits on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** The execution's name; some emulators leave it out of list items, but it ends the ARN. */
export function nameOf(item: { name?: string; executionArn?: string }): string {
  return item.name ?? item.executionArn?.split(":").pop() ?? "?";
}

/** `2026-11-28T15:29:53Z` (UTC, to the second). */
export function timestamp(date: Date | undefined): string {
  return date === undefined ? "-" : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `45s`, `3m07s`, `1h02m05s`. */
export function duration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}h${pad(m)}m${pad(s)}s` : m > 0 ? `${m}m${pad(s)}s` : `${s}s`;
}
