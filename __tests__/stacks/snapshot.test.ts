/**
 * Regression snapshots of each environment's synthesized Terraform JSON, so reviewers see
 * every infrastructure change in the diff. Volatile values (asset hashes and paths, cdktf
 * metadata) are normalised. Update with `npm run snapshot:update` and review the diff.
 */
import { describe, expect, it } from "vitest";
import { synthEnv, type EnvName } from "../support/synth";

export function normalise(json: string): string {
  const tf = JSON.parse(json);
  delete tf["//"];
  return `${JSON.stringify(tf, null, 2)
    // cdktf asset staging: assets/<id>/<HASH>/<file>, or assets/<id>/<HASH> for a folder
    .replace(/assets\/([\w-]+)\/[A-F0-9]{32,64}(\/|")/g, "assets/$1/<hash>$2")
    // content hashes of staged files
    .replace(/("(?:source_hash|etag|asset_hash)": )"[A-Fa-f0-9]{32,64}"/g, '$1"<hash>"')
    // content-addressed keys of staged Spark jobs: spark-jobs/<16 hex>/...
    .replace(/spark-jobs\/[A-F0-9]{16}\//g, "spark-jobs/<hash>/")}\n`;
}

describe.each<EnvName>(["dev", "prod"])("snapshot (%s)", (env) => {
  it("matches the committed synthesized stack", async () => {
    await expect(normalise(synthEnv(env).json)).toMatchFileSnapshot(`__snapshots__/marketpulse-${env}.tf.json`);
  });
});
