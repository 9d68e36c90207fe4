/**
 * Loading and validating environment configs. Every problem is reported at once, one line
 * each, as `<dotted.path>: <what was expected>`.
 */
import { z } from "zod";
import { envConfigSchema, type EnvConfig } from "./schema";

export type { EnvConfig, EnvConfigInput } from "./schema";

/** A configuration mistake. `problems` holds one `<dotted.path>: <expected>` line each. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

/** One line per zod issue; an unknown key is named by its own path, not its parent's. */
export function formatIssues(error: z.ZodError, prefix: (string | number)[] = []): string[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path] as (string | number)[];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => `${dotted([...path, key])}: unknown key (not in the schema; check the spelling)`);
    }
    return [`${dotted(path)}: ${issue.message}`];
  });
}

function dotted(path: (string | number)[]): string {
  return path.length === 0 ? "(root)" : path.map(String).join(".");
}

/** Validates one environment; throws ConfigError listing every problem. */
export function parseEnvConfig(input: unknown): EnvConfig {
  const result = envConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(formatIssues(result.error));
  return result.data;
}

/** A rule across environments: like a per-environment rule, but it sees every environment. */
export interface CrossEnvRule {
  readonly code: string;
  /** Dotted path, per environment, of the field the rule is about. */
  readonly path: string;
  readonly description: string;
  /** One line per problem, already prefixed with the environment's key. */
  readonly check: (configs: Readonly<Record<string, EnvConfig>>) => string[];
}

/** A value that no two environments may share: reported on every environment after the first. */
function uniqueRule(
  code: string,
  path: string,
  description: string,
  key: (cfg: EnvConfig, name: string) => string | undefined,
  what: (cfg: EnvConfig, name: string) => string,
): CrossEnvRule {
  return {
    code,
    path: `<env>.${path}`,
    description,
    check: (configs) => {
      const seen = new Map<string, string>();
      const problems: string[] = [];
      for (const [name, cfg] of Object.entries(configs)) {
        const k = key(cfg, name);
        if (k === undefined) continue;
        const first = seen.get(k);
        if (first) problems.push(`${name}.${path}: ${what(cfg, name)} is already used by ${first}; environments must not share it`);
        else seen.set(k, `${name}.${path}`);
      }
      return problems;
    },
  };
}

/** Where an environment's local state file is, if its state is local. */
const localState = (cfg: EnvConfig, name: string): string | undefined =>
  cfg.backend.type === "local" ? (cfg.backend.path ?? name) : undefined;

export const CROSS_ENV_RULES: readonly CrossEnvRule[] = [
  {
    code: "environment-named-after-key",
    path: "<env>.environment",
    description: "Each environment's `environment` equals its key in ENVIRONMENTS (envs/environments.ts).",
    check: (configs) =>
      Object.entries(configs)
        .filter(([name, cfg]) => cfg.environment !== name)
        .map(([name, cfg]) => `${name}.environment: expected "${name}" (the environment's key), got "${cfg.environment}"`),
  },
  uniqueRule("unique-account", "accountId", "No two environments share an `accountId`.", (c) => c.accountId, (c) => `account ${c.accountId}`),
  uniqueRule(
    "unique-s3-state",
    "backend.key",
    "No two environments share an S3 state object (`backend.bucket` + `backend.key`).",
    (c) => (c.backend.type === "s3" ? `${c.backend.bucket}/${c.backend.key}` : undefined),
    (c) => (c.backend.type === "s3" ? `state object s3://${c.backend.bucket}/${c.backend.key}` : ""),
  ),
  uniqueRule(
    "unique-workspace",
    "backend.workspace",
    "No two environments share a Terraform Cloud workspace.",
    (c) => (c.backend.type === "cloud" ? `${c.backend.hostname}/${c.backend.organization}/${c.backend.workspace}` : undefined),
    (c) => (c.backend.type === "cloud" ? `workspace ${c.backend.organization}/${c.backend.workspace}` : ""),
  ),
  uniqueRule(
    "unique-local-state",
    "backend.path",
    "No two environments share a local state file.",
    (c, name) => localState(c, name),
    (c, name) => `local state ${localState(c, name)}`,
  ),
];

/**
 * Validates every environment, then the rules across environments. Throws one ConfigError
 * with every problem of every environment.
 */
export function parseEnvConfigs(inputs: Record<string, unknown>): Record<string, EnvConfig> {
  const problems: string[] = [];
  const parsed: Record<string, EnvConfig> = {};
  for (const [name, input] of Object.entries(inputs)) {
    const result = envConfigSchema.safeParse(input);
    if (result.success) parsed[name] = result.data;
    else problems.push(...formatIssues(result.error, [name]));
  }
  for (const rule of CROSS_ENV_RULES) problems.push(...rule.check(parsed));
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed;
}
