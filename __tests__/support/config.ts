/** Helpers for config-validation tests: the problem lines of configs that must be rejected. */
import { expect } from "vitest";
import { ConfigError, parseEnvConfig, parseEnvConfigs } from "../../envs";

function rejected(parse: () => unknown): string[] {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected the config to be rejected");
}

/** Problem lines of one environment's config (no environment prefix). */
export const problems = (input: unknown): string[] => rejected(() => parseEnvConfig(input));

/** Problem lines of several environments validated together (prefixed with the environment). */
export const problemsOf = (inputs: Record<string, unknown>): string[] => rejected(() => parseEnvConfigs(inputs));
