/**
 * Field builders and value lists shared by the section schemas. A field's default is declared
 * once, here or on the field itself, and its description always states it.
 */
import { z } from "zod";

/** AWS commercial-partition regions (no GovCloud, no China): every ARN the stack builds is `arn:aws:`. */
export const COMMERCIAL_REGIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2",
  "af-south-1",
  "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
  "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
  "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
  "ca-central-1", "ca-west-1",
  "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
  "eu-south-1", "eu-south-2", "eu-north-1",
  "il-central-1", "me-south-1", "me-central-1", "mx-central-1", "sa-east-1",
] as const;

/** Retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** A CloudWatch Logs retention, in days, with its default. */
export const logRetention = (def: number, what: string) =>
  z
    .number()
    .int()
    .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
      message: `must be one of the CloudWatch Logs retention values: ${LOG_RETENTION_DAYS.join(", ")}`,
    })
    .default(def)
    .describe(`${what}, in days. Default: ${def}.`);

/** A whole number of days within a range, with its default. */
export const days = (min: number, max: number, def: number, what: string) =>
  z.number().int().min(min).max(max).default(def).describe(`${what}, in days (${min}-${max}). Default: ${def}.`);

/** A whole number within a range, with its default and unit. */
export const bounded = (min: number, max: number, def: number, what: string, unit = "") =>
  z
    .number()
    .int()
    .min(min)
    .max(max)
    .default(def)
    .describe(`${what}${unit ? `, in ${unit}` : ""} (${min}-${max}). Default: ${def}.`);

export const roleArn = z
  .string()
  .regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@\-/]{1,512}$/, "expected an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)");
