/**
 * Synthesizes an environment's stack for tests, optionally from a patched copy of its raw
 * config. Results are cached per (environment, patch) so each file synthesizes once.
 */
import { Testing } from "cdktf";
import { parseEnvConfig, type EnvConfigInput } from "../../envs";
import dev from "../../envs/dev";
import prod from "../../envs/prod";
import { PlatformStack } from "../../stacks/platform-stack";

export const RAW_ENVS: Record<"dev" | "prod", EnvConfigInput> = { dev, prod };
export type EnvName = keyof typeof RAW_ENVS;

/** A synthesized stack: `json` for the cdktf matchers, `tf` for direct look-ups. */
export interface Synthesized {
  readonly json: string;
  readonly tf: TerraformJson;
  readonly stack: PlatformStack;
}

export interface TerraformJson {
  terraform: Record<string, any>;
  provider: Record<string, any[]>;
  resource: Record<string, Record<string, any>>;
  data: Record<string, Record<string, any>>;
  output: Record<string, any>;
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

/** All resources of a type, as [name, body] pairs. */
export function resources(tf: TerraformJson, type: string): [string, any][] {
  return Object.entries(tf.resource[type] ?? {});
}

/** The single resource of a type whose name contains `fragment`. */
export function resource(tf: TerraformJson, type: string, fragment: string): any {
  const found = resources(tf, type).filter(([name]) => name.includes(fragment));
  if (found.length !== 1) throw new Error(`expected one ${type} matching "${fragment}", found ${found.map(([n]) => n).join(", ") || "none"}`);
  return found[0][1];
}

/** The single data source of a type whose name contains `fragment`. */
export function dataSource(tf: TerraformJson, type: string, fragment: string): any {
  const found = Object.entries(tf.data[type] ?? {}).filter(([name]) => name.includes(fragment));
  if (found.length !== 1) throw new Error(`expected one data.${type} matching "${fragment}", found ${found.map(([n]) => n).join(", ") || "none"}`);
  return found[0][1];
}

/** The policy document data source that a `${data.aws_iam_policy_document.X.json}` reference points at. */
export function policyDocFor(tf: TerraformJson, reference: string): any {
  const m = /data\.aws_iam_policy_document\.([\w-]+)\.json/.exec(reference);
  if (!m) throw new Error(`not a policy-document reference: ${reference}`);
  return tf.data.aws_iam_policy_document[m[1]];
}

/** Statements of a policy document, by sid. */
export function statementsBySid(doc: any): Record<string, any> {
  return Object.fromEntries((doc.statement as any[]).map((s) => [s.sid, s]));
}
