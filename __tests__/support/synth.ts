/**
 * Synthesizes an environment's stack for tests, optionally from a patched copy of its raw
 * config. Results are cached per (environment, patch) so each file synthesizes once.
 */
import { Testing } from "cdktf";
import { parseEnvConfig, type EnvConfigInput } from "../../envs";
import dev from "../../envs/dev";
import prod from "../../envs/prod";
import { PlatformStack } from "../../stacks/platform-stack";
import type { TerraformJson } from "./terraform-json";

export { dataSource, policyDocFor, resource, resources, statementsBySid, type TerraformJson } from "./terraform-json";

export const RAW_ENVS: Record<"dev" | "prod", EnvConfigInput> = { dev, prod };
export type EnvName = keyof typeof RAW_ENVS;

/** A synthesized stack: `json` for the cdktf matchers, `tf` for direct look-ups. */
export interface Synthesized {
  readonly json: string;
  readonly tf: TerraformJson;
  readonly stack: PlatformStack;
}

const cache = new Map<string, Synthesized>();

export function synthEnv(env: EnvName, patch: Partial<EnvConfigInput> = {}): Synthesized {
  const key = `${env}:${JSON.stringify(patch)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const config = parseEnvConfig({ ...RAW_ENVS[env], ...patch });
  const stack = new PlatformStack(Testing.app(), { config });
  const json = Testing.synth(stack);
  const result = { json, tf: JSON.parse(json) as TerraformJson, stack };
  cache.set(key, result);
  return result;
}
