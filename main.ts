/**
 * Composition only: validate every environment, then build one stack per environment and
 * synthesize. An invalid environment stops everything before any stack is written.
 */
import { App } from "cdktf";
import { ConfigError, parseEnvConfigs } from "./envs";
import { ENVIRONMENTS } from "./envs/environments";
import { PlatformStack } from "./stacks/platform-stack";

export { ENVIRONMENTS };

/** Returns the process exit code; prints problems (never a stack trace) on failure. */
export function main(environments: Record<string, unknown> = ENVIRONMENTS, outdir?: string): number {
  let configs;
  try {
    configs = parseEnvConfigs(environments);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`Invalid environment configuration; nothing was synthesized:\n${err.problems.join("\n")}\n`);
    return 1;
  }
  const app = new App(outdir ? { outdir } : {});
  for (const config of Object.values(configs)) new PlatformStack(app, { config });
  try {
    app.synth();
  } catch (err) {
    process.stderr.write(`Synthesis failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  return 0;
}

if (require.main === module) process.exitCode = main();
