/** `pipeline`: the daily run (Step Functions + a transient EMR cluster), its schedule and synthetic feed. */
import { z } from "zod";
import { bounded } from "../fields";
import type { ConfigRule } from "../rules";
import type { EnvConfig } from "../schema";
import { isProduction, prodRule } from "./production";

/** EventBridge Scheduler expressions: cron(...) or rate(...); at(...) would run only once. */
const SCHEDULE_EXPRESSION = /^(cron\(\S+( \S+){5}\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/;

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const scheduleSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .optional()
      .describe("Run the pipeline on the schedule. Default: on in production (prod), off elsewhere."),
    expression: z
      .string()
      .regex(SCHEDULE_EXPRESSION, "expected an EventBridge Scheduler cron(...) or rate(...) expression")
      .default("cron(0 2 * * ? *)")
      .describe("When the pipeline runs (EventBridge Scheduler syntax). Default: cron(0 2 * * ? *), 02:00 daily, as the original team ran it."),
    timezone: z
      .string()
      .refine(isTimeZone, "expected an IANA time zone, e.g. UTC or Europe/London")
      .default("UTC")
      .describe("Time zone of the expression. Default: UTC."),
    flexibleWindowMinutes: bounded(0, 1440, 15, "How late the scheduler may start a run, spreading load (0 turns the window off)", "minutes"),
    retryAttempts: bounded(0, 185, 3, "Scheduler retries when it cannot start an execution (throttled or failed StartExecution)"),
    maximumEventAgeMinutes: bounded(1, 1440, 60, "How long the scheduler keeps retrying a start before it sends it to the dead-letter queue", "minutes"),
  })
  .prefault({})
  .describe("The EventBridge Scheduler schedule of the pipeline; missed starts go to an encrypted dead-letter queue.");

export const syntheticFeedSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe("Generate each run's Bronze on the cluster first (the generate job), so the environment runs end to end with no external data. Never in prod. Default: off."),
    symbols: bounded(1, 500, 5, "Symbols generated"),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42).describe("Random seed: the same seed gives the same data. Default: 42."),
    ticksPerHour: bounded(1, 3600, 60, "Price ticks per symbol and hour"),
    defectRate: z.number().min(0).max(1).default(0.01).describe("Share of generated records with a defect, to exercise quarantine (0-1). Default: 0.01."),
  })
  .prefault({})
  .describe("A synthetic market-data feed for environments without real data.");

export const pipelineSchema = z
  .strictObject({
    schedule: scheduleSchema,
    dateLagDays: bounded(0, 30, 1, "A scheduled run processes the UTC day this many days before its scheduled time", "days"),
    clusterStartTimeoutMinutes: bounded(10, 180, 45, "How long a run waits for its cluster to start", "minutes"),
    stepTimeoutMinutes: bounded(5, 1440, 180, "How long one step (the ETL step, bronze_to_gold, runs both ETL jobs) may run before the run gives up and terminates its cluster", "minutes"),
    executionTimeoutMinutes: bounded(30, 10080, 720, "How long a whole run may take, waiting for older runs included", "minutes"),
    queueCheckSeconds: bounded(30, 3600, 300, "While an older run is still running, how often a new run checks again", "seconds"),
    freshnessAlarmHours: bounded(2, 168, 26, "Alarm when no run has succeeded for this long (only with the schedule on)", "hours"),
    noInputAlarmDays: bounded(1, 14, 3, "Alarm when this many days in a row had scheduled runs that found no Bronze input", "days"),
    syntheticFeed: syntheticFeedSchema,
  })
  .prefault({})
  .describe("The daily pipeline: a Step Functions state machine that starts a transient EMR cluster, runs the day's jobs and always terminates it.");

export type PipelineConfig = z.output<typeof pipelineSchema>;

/** Whether the schedule is on: as configured, else on in production only. */
export function scheduleEnabled(cfg: Pick<EnvConfig, "environment" | "pipeline">): boolean {
  return cfg.pipeline.schedule.enabled ?? isProduction(cfg.environment);
}

export const pipelineRules: ConfigRule<EnvConfig>[] = [
  {
    code: "execution-outlasts-steps",
    path: "pipeline.executionTimeoutMinutes",
    description: "A run may last longer than its cluster start and one step together (`clusterStartTimeoutMinutes` + `stepTimeoutMinutes`).",
    check: ({ pipeline: p }) =>
      p.executionTimeoutMinutes <= p.clusterStartTimeoutMinutes + p.stepTimeoutMinutes
        ? [
            {
              message: `must be more than clusterStartTimeoutMinutes + stepTimeoutMinutes (${p.clusterStartTimeoutMinutes + p.stepTimeoutMinutes}): a run that times out skips its terminate state`,
            },
          ]
        : [],
  },
  prodRule(
    "prod-no-synthetic-feed",
    "pipeline.syntheticFeed.enabled",
    "real data only: no synthetic feed (it would write generated records into prod's Bronze)",
    (c) => c.pipeline.syntheticFeed.enabled,
    "prod never runs the synthetic feed: it would write generated records into prod's Bronze; set it to false",
  ),
];
