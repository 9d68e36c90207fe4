/**
 * `terraform validate` on both synthesized stacks. It needs a terraform binary AND the
 * providers (registry access or a plugin mirror). Where either is missing, the tests are
 * skipped and the reason is printed plainly. The backend is not initialised
 * (`-backend=false`), so prod's S3 state needs no credentials.
 */
import { spawnSync } from "node:child_process";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { synthEnv, type EnvName } from "../support/synth";

const ENVS: EnvName[] = ["dev", "prod"];
const env = { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };

function run(cwd: string, args: string[]) {
  return spawnSync("terraform", args, { cwd, env, encoding: "utf8", timeout: 180_000 });
}

const dirs = new Map<EnvName, string>();
let skipReason: string | undefined;
if (spawnSync("terraform", ["version"], { env, encoding: "utf8" }).status !== 0) {
  skipReason = "no terraform binary on PATH";
} else {
  for (const e of ENVS) {
    const dir = `${Testing.fullSynth(synthEnv(e).stack)}/stacks/marketpulse-${e}`;
    const init = run(dir, ["init", "-backend=false", "-input=false", "-no-color"]);
    if (init.status !== 0) {
      const why = `${init.stderr}${init.stdout}`.split("\n").find((l) => /Error|error/.test(l)) ?? "terraform init failed";
      skipReason = `terraform is installed but providers cannot be installed here (${why.trim()})`;
      break;
    }
    dirs.set(e, dir);
  }
}
if (skipReason) console.warn(`SKIPPED terraform validate: ${skipReason}`);

describe.skipIf(skipReason !== undefined)("terraform validate", () => {
  it.each(ENVS)("marketpulse-%s is valid Terraform", (e) => {
    const out = run(dirs.get(e)!, ["validate", "-json", "-no-color"]);
    const result = JSON.parse(out.stdout);
    expect(result.diagnostics?.filter((d: { severity: string }) => d.severity === "error") ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
