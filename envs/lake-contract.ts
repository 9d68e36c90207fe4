/**
 * The lake's data contract, as the Spark jobs export it: spark-jobs/contract.json is rendered
 * from spark-jobs/src/marketpulse_jobs/schemas.py and metrics.py (`npm run contract:export`), and
 * a Python test fails while it is stale. The Glue tables and the data-quality alarms take their
 * columns and metric names from here, so no column is written twice.
 */
import { z } from "zod";
import contractJson from "../spark-jobs/contract.json";

const column = z.strictObject({ name: z.string().regex(/^[a-z_][a-z0-9_]*$/), type: z.string().min(1), comment: z.string().optional() });

export const lakeContractSchema = z.strictObject({
  "//": z.string(),
  datasets: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z_][a-z0-9_]*$/),
        /** The job argument the dataset lives under. */
        root: z.enum(["silver", "quarantine", "gold"]),
        /** The folder under that root. */
        path: z.string().regex(/^[a-z0-9_]+$/),
        description: z.string().min(1),
        columns: z.array(column).min(1),
        partition_keys: z.array(column).min(1),
      }),
    )
    .min(1),
  metrics: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[A-Z][A-Za-z]+$/),
        job: z.string().min(1),
        datasets: z.array(z.string().min(1)).min(1),
        unit: z.enum(["Count", "Percent"]),
        description: z.string().min(1),
      }),
    )
    .min(1),
});

export type LakeContract = z.output<typeof lakeContractSchema>;
export type LakeDataset = LakeContract["datasets"][number];
export type LakeMetric = LakeContract["metrics"][number];

/** The checked-in contract, validated (a malformed export fails every synth). */
export const LAKE_CONTRACT: LakeContract = lakeContractSchema.parse(contractJson);

/** A metric of the contract by name; throws for a name the jobs do not publish. */
export function contractMetric(name: string, contract: LakeContract = LAKE_CONTRACT): LakeMetric {
  const metric = contract.metrics.find((m) => m.name === name);
  if (!metric) throw new Error(`the lake contract has no metric ${name} (spark-jobs/contract.json)`);
  return metric;
}
