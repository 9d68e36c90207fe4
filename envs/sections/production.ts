/** Which environments are held to production rules, and how such a rule is written. */
import { simpleRule, type ConfigRule } from "../rules";

/** Environments held to production rules. */
export const PRODUCTION_ENVIRONMENTS = ["prod"] as const;

export function isProduction(environment: string): boolean {
  return (PRODUCTION_ENVIRONMENTS as readonly string[]).includes(environment);
}

/**
 * A production rule: in a production environment, `violated` must not hold. The message reads
 * `prod requires <requirement>`, and the reference lists it as "Production requires ...".
 */
export function prodRule<C extends { readonly environment: string }>(
  code: string,
  path: string,
  requirement: string,
  violated: (cfg: C) => boolean,
  message = `prod requires ${requirement}`,
): ConfigRule<C> {
  return simpleRule(code, path, `Production requires ${requirement}.`, (c) => isProduction(c.environment) && violated(c), message);
}
