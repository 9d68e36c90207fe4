import { describe, expect, it } from "vitest";
import { parseEnvConfig } from "../../envs";
import { scheduleEnabled } from "../../envs/schema";
import { problems } from "../support/config";
import { RAW_ENVS } from "../support/synth";

const { dev, prod } = RAW_ENVS;
const devPipeline = (pipeline: Record<string, unknown>) => ({ ...dev, pipeline: { ...dev.pipeline, ...pipeline } });

describe("pipeline defaults", () => {
  const minimal = { environment: "qa", accountId: "333333333333", region: "eu-west-1", owner: "o", costCenter: "c" };

  it("a config without a pipeline section gets the daily 02:00 UTC schedule, the previous day, no synthetic feed", () => {
    const cfg = parseEnvConfig(minimal);
    expect(cfg.pipeline).toEqual({
      schedule: { expression: "cron(0 2 * * ? *)", timezone: "UTC", flexibleWindowMinutes: 15, retryAttempts: 3, maximumEventAgeMinutes: 60 },
      dateLagDays: 1,
      clusterStartTimeoutMinutes: 45,
      stepTimeoutMinutes: 180,
      executionTimeoutMinutes: 720,
      queueCheckSeconds: 300,
      freshnessAlarmHours: 26,
      noInputAlarmDays: 3,
      syntheticFeed: { enabled: false, symbols: 5, seed: 42, ticksPerHour: 60, defectRate: 0.01 },
    });
  });

  it("the schedule is on in prod and off elsewhere unless the config says otherwise", () => {
    expect(scheduleEnabled(parseEnvConfig(prod))).toBe(true);
    expect(scheduleEnabled(parseEnvConfig(dev))).toBe(false);
    expect(scheduleEnabled(parseEnvConfig({ ...minimal }))).toBe(false);
    expect(scheduleEnabled(parseEnvConfig(devPipeline({ schedule: { enabled: true } })))).toBe(true);
    expect(scheduleEnabled(parseEnvConfig({ ...prod, pipeline: { schedule: { enabled: false } } }))).toBe(false);
  });

  it("dev runs the synthetic feed; prod does not", () => {
    expect(parseEnvConfig(dev).pipeline.syntheticFeed.enabled).toBe(true);
    expect(parseEnvConfig(prod).pipeline.syntheticFeed.enabled).toBe(false);
  });
});

describe("pipeline validation: one exact line per problem", () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ["a schedule that is not cron or rate", { schedule: { expression: "every day at 2" } }, ["pipeline.schedule.expression: expected an EventBridge Scheduler cron(...) or rate(...) expression"]],
    ["a one-off at() schedule", { schedule: { expression: "at(2026-12-01T02:00:00)" } }, ["pipeline.schedule.expression: expected an EventBridge Scheduler cron(...) or rate(...) expression"]],
    ["a cron with five fields (Unix style)", { schedule: { expression: "cron(0 2 * * *)" } }, ["pipeline.schedule.expression: expected an EventBridge Scheduler cron(...) or rate(...) expression"]],
    ["an unknown time zone", { schedule: { timezone: "Mars/Olympus" } }, ["pipeline.schedule.timezone: expected an IANA time zone, e.g. UTC or Europe/London"]],
    ["a flexible window over a day", { schedule: { flexibleWindowMinutes: 1441 } }, ["pipeline.schedule.flexibleWindowMinutes: Too big: expected number to be <=1440"]],
    ["a negative lag", { dateLagDays: -1 }, ["pipeline.dateLagDays: Too small: expected number to be >=0"]],
    [
      "a run shorter than its cluster start and one step",
      { clusterStartTimeoutMinutes: 45, stepTimeoutMinutes: 180, executionTimeoutMinutes: 200 },
      ["pipeline.executionTimeoutMinutes: must be more than clusterStartTimeoutMinutes + stepTimeoutMinutes (225): a run that times out skips its terminate state"],
    ],
    ["a defect rate over 1", { syntheticFeed: { enabled: true, defectRate: 1.5 } }, ["pipeline.syntheticFeed.defectRate: Too big: expected number to be <=1"]],
    ["a typo", { schedul: {} }, ["pipeline.schedul: unknown key (not in the schema; check the spelling)"]],
  ])("%s", (_name, pipeline, expected) => {
    expect(problems(devPipeline(pipeline))).toEqual(expected);
  });

  it("accepts rate() and weekday cron expressions in another time zone", () => {
    for (const expression of ["rate(12 hours)", "cron(30 6 ? * MON-FRI *)"]) {
      expect(() => parseEnvConfig(devPipeline({ schedule: { expression, timezone: "America/New_York" } }))).not.toThrow();
    }
  });

  it("prod never runs the synthetic feed", () => {
    expect(problems({ ...prod, pipeline: { syntheticFeed: { enabled: true } } })).toEqual([
      "pipeline.syntheticFeed.enabled: prod never runs the synthetic feed: it would write generated records into prod's Bronze; set it to false",
    ]);
  });
});
