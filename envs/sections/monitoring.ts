/** `monitoring`: alarms, notifications and the monthly budget. */
import { z } from "zod";
import type { ConfigRule } from "../rules";
import type { EnvConfig } from "../schema";
import { prodRule } from "./production";

export const monitoringSchema = z
  .strictObject({
    alarmEmails: z
      .array(z.email({ error: "expected an e-mail address" }))
      .default([])
      .describe("E-mail recipients of alarms, failed steps and budget alerts (each must confirm the SNS subscription); prod requires one. Default: none."),
    monthlyBudgetUsd: z
      .number()
      .positive()
      .max(1_000_000)
      .default(500)
      .describe("Monthly AWS Budgets cost limit for the environment, in USD. Default: 500."),
    hdfsUtilizationPercent: z.number().int().min(1).max(100).default(80).describe("Alarm when HDFS utilisation exceeds this percentage. Default: 80."),
    yarnMemoryAvailablePercent: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(15)
      .describe("Alarm when YARN memory available drops below this percentage. Default: 15."),
    idleAlarmMinutes: z
      .number()
      .int()
      .min(5)
      .max(180)
      .default(120)
      .describe(
        "Cost alarm: a cluster has been idle this many minutes (5-180; the alarm is a Metrics Insights query over every cluster, and those see 3 hours). Default: 120.",
      ),
    maxQuarantinePercent: z
      .number()
      .min(0)
      .max(100)
      .default(5)
      .describe("Data-quality alarm: a run quarantined more than this share of a dataset's Bronze lines (percent). Default: 5."),
  })
  .prefault({})
  .describe("Alarms (infrastructure, pipeline and data quality), notifications and the monthly budget.");

export type MonitoringConfig = z.output<typeof monitoringSchema>;

export const monitoringRules: ConfigRule<EnvConfig>[] = [
  {
    code: "alarm-emails-unique",
    path: "monitoring.alarmEmails",
    description: "No address is listed twice, ignoring case (each is one SNS subscription).",
    check: ({ monitoring: m }) => {
      const lower = m.alarmEmails.map((e) => e.toLowerCase());
      return m.alarmEmails.flatMap((e, i) =>
        lower.indexOf(lower[i]) !== i ? [{ at: [i], message: `${e} is listed twice (addresses are compared without case)` }] : [],
      );
    },
  },
  prodRule(
    "prod-alarm-recipient",
    "monitoring.alarmEmails",
    "at least one alarm e-mail recipient",
    (c) => c.monitoring.alarmEmails.length === 0,
  ),
];
