import { describe, expect, it } from "vitest";
import { parseEnvConfig } from "../../envs";
import { problems } from "../support/config";
import { RAW_ENVS } from "../support/synth";

const { dev } = RAW_ENVS;
const minimal = { environment: "qa", accountId: "333333333333", region: "eu-west-1", owner: "o", costCenter: "c" };

describe("analytics and data-quality defaults", () => {
  it("a config without an analytics section projects from 2020-01-01, stops queries at 10 GiB, keeps results 30 days", () => {
    const cfg = parseEnvConfig(minimal);
    expect(cfg.analytics).toEqual({ partitionProjectionStart: "2020-01-01", bytesScannedCutoffPerQueryMb: 10_240, queryResultRetentionDays: 30 });
    expect(cfg.monitoring.maxQuarantinePercent).toBe(5);
  });

  it("a partial section keeps the other defaults", () => {
    const cfg = parseEnvConfig({ ...minimal, analytics: { queryResultRetentionDays: 7 } });
    expect(cfg.analytics).toEqual({ partitionProjectionStart: "2020-01-01", bytesScannedCutoffPerQueryMb: 10_240, queryResultRetentionDays: 7 });
  });
});

describe("analytics validation: one exact line per problem", () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ["a date that does not exist", { analytics: { partitionProjectionStart: "2024-02-30" } }, ["analytics.partitionProjectionStart: expected a real date as YYYY-MM-DD"]],
    ["a date in another format", { analytics: { partitionProjectionStart: "01/02/2024" } }, ["analytics.partitionProjectionStart: expected a real date as YYYY-MM-DD"]],
    ["a cutoff below Athena's 10 MiB minimum", { analytics: { bytesScannedCutoffPerQueryMb: 5 } }, ["analytics.bytesScannedCutoffPerQueryMb: Too small: expected number to be >=10"]],
    ["results kept for no time", { analytics: { queryResultRetentionDays: 0 } }, ["analytics.queryResultRetentionDays: Too small: expected number to be >=1"]],
    ["a quarantine threshold over 100%", { monitoring: { maxQuarantinePercent: 101 } }, ["monitoring.maxQuarantinePercent: Too big: expected number to be <=100"]],
    ["a typo", { analytics: { workgroup: "x" } }, ["analytics.workgroup: unknown key (not in the schema; check the spelling)"]],
  ])("%s", (_name, patch, expected) => {
    expect(problems({ ...dev, ...patch })).toEqual(expected);
  });
});
