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

/**
 * Validates every environment, then the rules that span environments: each one is named
 * after its key, and no two share an account, a state key or a workspace. Throws one
 * ConfigError with every problem of every environment.
 */
export function parseEnvConfigs(inputs: Record<string, unknown>): Record<string, EnvConfig> {
  const problems: string[] = [];
  const parsed: Record<string, EnvConfig> = {};
  for (const [name, input] of Object.entries(inputs)) {
    const result = envConfigSchema.safeParse(input);
    if (result.success) parsed[name] = result.data;
    else problems.push(...formatIssues(result.error, [name]));
  }

  const seen = new Map<string, string>();
  const unique = (key: string, path: string, what: string) => {
    const first = seen.get(key);
    if (first) problems.push(`${path}: ${what} is already used by ${first}; environments must not share it`);
    else seen.set(key, path);
  };
  for (const [name, cfg] of Object.entries(parsed)) {
    if (cfg.environment !== name) problems.push(`${name}.environment: expected "${name}" (the environment's key), got "${cfg.environment}"`);
    unique(`account:${cfg.accountId}`, `${name}.accountId`, `account ${cfg.accountId}`);
    const b = cfg.backend;
    if (b.type === "s3") unique(`s3:${b.bucket}/${b.key}`, `${name}.backend.key`, `state object s3://${b.bucket}/${b.key}`);
    if (b.type === "cloud") unique(`cloud:${b.hostname}/${b.organization}/${b.workspace}`, `${name}.backend.workspace`, `workspace ${b.organization}/${b.workspace}`);
    if (b.type === "local") unique(`local:${b.path ?? name}`, `${name}.backend.path`, `local state ${b.path ?? name}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return parsed;
}
