/**
 * Rules that span fields. Each rule is one entry: the field it is about, a stable code, one
 * sentence for the configuration reference, and a check that returns one problem per violation.
 * The schema applies every rule (envs/schema.ts) and docs/configuration.md lists them, so the
 * reference can never drift from what is enforced.
 */

/** One violation. `at` extends the rule's path (an index, a key); the message says what was expected. */
export interface Problem {
  readonly message: string;
  readonly at?: readonly (string | number)[];
}

export interface ConfigRule<C> {
  /** Stable identifier, e.g. `subnets-inside-vpc`. Unique across all rules. */
  readonly code: string;
  /** Dotted path of the field the rule is about, e.g. `network.subnetCidrs`. */
  readonly path: string;
  /** One sentence, rendered into docs/configuration.md. */
  readonly description: string;
  /** Problems with `cfg`; empty when the rule holds. */
  readonly check: (cfg: C) => readonly Problem[];
}

/** A rule reporting one fixed message on `path` whenever `violated` holds. */
export function simpleRule<C>(
  code: string,
  path: string,
  description: string,
  violated: (cfg: C) => boolean,
  message: string,
): ConfigRule<C> {
  return { code, path, description, check: (cfg) => (violated(cfg) ? [{ message }] : []) };
}

/** Path segments of a dotted rule path plus a problem's own extension. */
export function problemPath(rule: { readonly path: string }, problem: Problem): (string | number)[] {
  return [...rule.path.split("."), ...(problem.at ?? [])];
}
