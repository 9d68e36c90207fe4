/** `dataLake`: the bronze, silver, gold and artifacts buckets. */
import { z } from "zod";
import { days } from "../fields";
import { BUCKET_ROLES, bucketName } from "../naming";
import { simpleRule, type ConfigRule } from "../rules";
import type { EnvConfig } from "../schema";
import { prodRule } from "./production";

export const BUCKET_PREFIX = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export const dataLakeSchema = z
  .strictObject({
    bucketPrefix: z
      .string()
      .regex(BUCKET_PREFIX, "expected lowercase letters, digits and hyphens, not starting or ending with a hyphen")
      .optional()
      .describe("Prefix of every bucket name: <prefix>-<role>-<accountId>. Default: <project>-<environment>."),
    bronzeInfrequentAccessDays: days(30, 3650, 30, "Age at which bronze objects move to S3 Standard-IA (S3 minimum 30)"),
    bronzeGlacierDays: days(
      60,
      3650,
      90,
      "Age at which bronze objects move to Glacier Flexible Retrieval. A backfill cannot read them until they are restored (docs/operations.md)",
    ),
    noncurrentVersionExpirationDays: days(1, 3650, 90, "Expiry of noncurrent object versions in every lake bucket"),
    abortIncompleteUploadDays: days(1, 30, 7, "Age after which incomplete multipart uploads are aborted in every bucket"),
    destroyProtection: z
      .boolean()
      .default(true)
      .describe("prevent_destroy on the bronze, silver and gold buckets; prod requires true. Default: true."),
  })
  .prefault({})
  .describe("Bronze/silver/gold/artifacts buckets.");

export const dataLakeRules: ConfigRule<EnvConfig>[] = [
  simpleRule(
    "glacier-after-ia",
    "dataLake.bronzeGlacierDays",
    "Bronze moves to Glacier at least 30 days after it moves to Standard-IA (the IA minimum storage duration).",
    (c) => c.dataLake.bronzeGlacierDays < c.dataLake.bronzeInfrequentAccessDays + 30,
    "must be at least 30 days after bronzeInfrequentAccessDays (Standard-IA minimum storage duration)",
  ),
  {
    code: "bucket-names",
    path: "dataLake.bucketPrefix",
    description: "Every bucket name `<bucketPrefix>-<role>-<accountId>` follows the S3 naming rules and stays within 63 characters.",
    check: (cfg) => {
      // An invalid prefix is already reported by its own field.
      if (cfg.dataLake.bucketPrefix !== undefined && !BUCKET_PREFIX.test(cfg.dataLake.bucketPrefix)) return [];
      for (const role of BUCKET_ROLES) {
        const name = bucketName(cfg, role);
        if (name.length > 63) return [{ message: `bucket name ${name} is ${name.length} characters; S3 allows 63` }];
        if (!BUCKET_NAME.test(name) || name.includes("--")) return [{ message: `bucket name ${name} breaks S3 naming rules` }];
      }
      return [];
    },
  },
  prodRule("prod-destroy-protection", "dataLake.destroyProtection", "destroy protection on data buckets", (c) => !c.dataLake.destroyProtection),
];
