import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(__dirname, "..");
const tsx = join(root, "node_modules", ".bin", "tsx");
const outdirs: string[] = [];
afterAll(() => outdirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs main.ts's `main()` in a child process, as `cdktf synth` would, with patched environments. */
function runMain(patches: Record<string, Record<string, unknown>>) {
  const outdir = mkdtempSync(join(tmpdir(), "mp-synth-"));
  outdirs.push(outdir);
  const script = `
    const { main, ENVIRONMENTS } = require(${JSON.stringify(join(root, "main.ts"))});
    const patches = ${JSON.stringify(patches)};
    const envs = Object.fromEntries(Object.entries(ENVIRONMENTS).map(([k, v]) => [k, { ...v, ...(patches[k] ?? {}) }]));
    process.exitCode = main(envs, ${JSON.stringify(outdir)});
  `;
  const r = spawnSync(tsx, ["-e", script], { cwd: root, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, outdir };
}

describe("main.ts", () => {
  it("synthesizes one stack per environment", () => {
    const r = runMain({});
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readdirSync(join(r.outdir, "stacks")).sort()).toEqual(["marketpulse-dev", "marketpulse-prod"]);
  });

  it("refuses a bad config: one line per problem, no stack trace, non-zero exit, nothing written", () => {
    const r = runMain({ dev: { accountId: "12" }, prod: { encryption: { keyDeletionWindowDays: 7 }, regoin: "x" } });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      "Invalid environment configuration; nothing was synthesized:",
      "dev.accountId: expected a 12-digit AWS account id",
      "prod.regoin: unknown key (not in the schema; check the spelling)",
      "prod.encryption.keyDeletionWindowDays: prod requires a 30-day key deletion window",
    ]);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(existsSync(join(r.outdir, "stacks"))).toBe(false);
  });

  it("validates every environment before building any: one bad env stops the good one too", () => {
    const r = runMain({ prod: { encryption: { keyDeletionWindowDays: 7 } } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("prod.encryption.keyDeletionWindowDays: prod requires a 30-day key deletion window");
    expect(existsSync(join(r.outdir, "stacks", "marketpulse-dev"))).toBe(false);
  });
});
