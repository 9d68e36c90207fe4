/**
 * Regression snapshots of each environment's synthesized Terraform JSON, so reviewers see
 * every infrastructure change in the diff. Volatile values (asset hashes and paths, cdktf
 * metadata) are normalised. Update with `npm run snapshot:update` and review the diff.
 */
import { describe, expect, it } from "vitest";
import { normalise } from "../support/normalise";
import { synthEnv, type EnvName } from "../support/synth";

describe.each<EnvName>(["dev", "prod"])("snapshot (%s)", (env) => {
  it("matches the committed synthesized stack", async () => {
    await expect(normalise(synthEnv(env).json)).toMatchFileSnapshot(`__snapshots__/marketpulse-${env}.tf.json`);
  });
});
