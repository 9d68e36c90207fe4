/** `analytics`: the lake's tables in the Glue catalog and the environment's Athena workgroup. */
import { z } from "zod";
import { bounded } from "../fields";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const realDate = (s: string) => ISO_DATE.test(s) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

export const analyticsSchema = z
  .strictObject({
    partitionProjectionStart: z
      .string()
      .refine(realDate, "expected a real date as YYYY-MM-DD")
      .default("2020-01-01")
      .describe("First trade_date Athena projects partitions for; the range runs to NOW, so new days need no crawler. Default: 2020-01-01."),
    bytesScannedCutoffPerQueryMb: bounded(10, 10_485_760, 10_240, "Athena stops any query in the workgroup that scans more than this", "MiB"),
    queryResultRetentionDays: bounded(1, 3650, 30, "Query results expire after this many days", "days"),
  })
  .prefault({})
  .describe("Silver and Gold as Glue tables with partition projection, queried through an enforced, encrypted Athena workgroup.");

export type AnalyticsConfig = z.output<typeof analyticsSchema>;
