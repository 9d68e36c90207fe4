/** `logging`: the log bucket and CloudWatch log retention. */
import { z } from "zod";
import { days, logRetention } from "../fields";

export const loggingSchema = z
  .strictObject({
    logBucketExpirationDays: days(1, 3650, 180, "Expiry of objects in the log bucket"),
    noncurrentVersionExpirationDays: days(1, 365, 30, "Expiry of noncurrent object versions in the log bucket"),
    logRetentionDays: logRetention(365, "Retention of the environment's CloudWatch log groups"),
  })
  .prefault({})
  .describe("The log bucket (EMR logs, S3 access logs) and CloudWatch log retention.");
