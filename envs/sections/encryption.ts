/** `encryption`: the environment's customer-managed KMS key. */
import { z } from "zod";
import { days } from "../fields";
import type { ConfigRule } from "../rules";
import type { EnvConfig } from "../schema";
import { prodRule } from "./production";

export const encryptionSchema = z
  .strictObject({
    keyDeletionWindowDays: days(7, 30, 30, "KMS key deletion window; prod requires 30"),
  })
  .prefault({})
  .describe("The environment's customer-managed KMS key.");

export const encryptionRules: ConfigRule<EnvConfig>[] = [
  prodRule(
    "prod-key-deletion-window",
    "encryption.keyDeletionWindowDays",
    "a 30-day key deletion window",
    (c) => c.encryption.keyDeletionWindowDays !== 30,
  ),
];
