/**
 * The environment configuration schema: the single source of truth for what an environment
 * may say. One schema per section lives in envs/sections/; this file composes them. Every
 * object is strict (an unknown key is an error, so typos are caught), every field carries its
 * default and a description, and every rule that spans fields is one entry of ENV_RULES.
 *
 * docs/configuration.md and docs/env-config.schema.json are generated from this file
 * (`npm run docs:config`); a test fails when they are stale.
 */
import { z } from "zod";
import { COMMERCIAL_REGIONS, roleArn } from "./fields";
import { problemPath, type ConfigRule } from "./rules";
import { analyticsSchema } from "./sections/analytics";
import { backendRules, backendSchema } from "./sections/backend";
import { dataLakeRules, dataLakeSchema } from "./sections/data-lake";
import { emrRules, emrSchema } from "./sections/emr";
import { encryptionRules, encryptionSchema } from "./sections/encryption";
import { loggingSchema } from "./sections/logging";
import { monitoringRules, monitoringSchema } from "./sections/monitoring";
import { networkRules, networkSchema } from "./sections/network";
import { pipelineRules, pipelineSchema } from "./sections/pipeline";

export { COMMERCIAL_REGIONS, LOG_RETENTION_DAYS } from "./fields";
export { isProduction, PRODUCTION_ENVIRONMENTS } from "./sections/production";
export { subnetCidrsOf } from "./sections/network";

const fieldsSchema = z.strictObject({
  project: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,14}[a-z0-9]$/, "expected 3-16 lowercase letters, digits or hyphens, starting with a letter")
    .default("marketpulse")
    .describe("Project prefix used in every name. Default: marketpulse."),
  environment: z
    .string()
    .regex(/^[a-z][a-z0-9]{1,9}$/, "expected 2-10 lowercase letters or digits, starting with a letter")
    .describe("Environment name; the stack is <project>-<environment>. `prod` is held to production rules. Required."),
  accountId: z.string().regex(/^\d{12}$/, "expected a 12-digit AWS account id").describe("The only AWS account this environment may deploy to (allowed_account_ids). Required."),
  region: z.enum(COMMERCIAL_REGIONS).describe("AWS commercial region. Required."),
  deployRoleArn: roleArn.optional().describe("Role the AWS provider assumes to deploy; must be in accountId. Default: the caller's credentials."),
  owner: z.string().min(1).max(128).describe("Owner tag (team or person). Required."),
  costCenter: z.string().regex(/^[\w.:/=+\-@ ]{1,128}$/, "expected a tag value of 1-128 characters").describe("cost-center tag. Required."),
  backend: backendSchema,
  network: networkSchema,
  encryption: encryptionSchema,
  logging: loggingSchema,
  dataLake: dataLakeSchema,
  emr: emrSchema,
  pipeline: pipelineSchema,
  analytics: analyticsSchema,
  monitoring: monitoringSchema,
});

/** Validated config with every default filled in. */
export type EnvConfig = z.output<typeof fieldsSchema>;
/** Raw config as written in envs/<env>.ts (defaults optional). */
export type EnvConfigInput = z.input<typeof fieldsSchema>;
export type BackendConfig = EnvConfig["backend"];
export type { EmrConfig } from "./sections/emr";
export type { MonitoringConfig } from "./sections/monitoring";
export type { PipelineConfig } from "./sections/pipeline";
export { scheduleEnabled } from "./sections/pipeline";

/** Rules on the top-level fields. */
const environmentRules: ConfigRule<EnvConfig>[] = [
  {
    code: "deploy-role-account",
    path: "deployRoleArn",
    description: "The deploy role is a role in `accountId`.",
    check: (c) =>
      c.deployRoleArn !== undefined && c.deployRoleArn.split(":")[4] !== c.accountId
        ? [{ message: `must be a role in account ${c.accountId} (accountId)` }]
        : [],
  },
];

/** Every rule that spans fields of one environment, in the order of the sections they are about. */
export const ENV_RULES: readonly ConfigRule<EnvConfig>[] = [
  ...environmentRules,
  ...backendRules,
  ...networkRules,
  ...encryptionRules,
  ...dataLakeRules,
  ...emrRules,
  ...pipelineRules,
  ...monitoringRules,
];

export const envConfigSchema = fieldsSchema
  .superRefine((cfg, ctx) => {
    for (const rule of ENV_RULES) {
      for (const problem of rule.check(cfg)) {
        ctx.addIssue({ code: "custom", path: problemPath(rule, problem), message: problem.message, params: { rule: rule.code } });
      }
    }
  })
  .describe("One MarketPulse environment (one AWS account, one stack).");
