/**
 * bench:synth — times `npm run synth` (every environment) against an empty two-stack cdktf
 * app synthesized the same way (`npm run synth` -> `cdktf synth` -> `tsx`), interleaved,
 * 3 runs each, and prints median wall time, the ratio, and peak RSS (the largest single
 * process in the tree, from GNU time). Targets: ratio <= 1.3, peak RSS <= 400 MB.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "..");
const baselineDir = join(root, ".bench", "empty-app");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function setUpBaseline(): void {
  rmSync(baselineDir, { recursive: true, force: true });
  mkdirSync(baselineDir, { recursive: true });
  writeFileSync(
    join(baselineDir, "main.ts"),
    `import { App, TerraformStack } from "cdktf";\nconst app = new App();\nnew TerraformStack(app, "empty-dev");\nnew TerraformStack(app, "empty-prod");\napp.synth();\n`,
  );
  writeFileSync(join(baselineDir, "cdktf.json"), JSON.stringify({ language: "typescript", app: "npx tsx main.ts", sendCrashReports: "false" }));
  writeFileSync(
    join(baselineDir, "package.json"),
    JSON.stringify({ name: "bench-empty-app", private: true, scripts: { synth: "CHECKPOINT_DISABLE=1 cdktf synth" } }),
  );
}

function timeSynth(cwd: string): { seconds: number; rssMb: number } {
  const r = spawnSync("/usr/bin/time", ["-f", "BENCH %e %M", "npm", "run", "--silent", "synth"], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CHECKPOINT_DISABLE: "1", PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}` },
  });
  const m = /BENCH ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`synth failed in ${cwd}:\n${r.stderr.slice(-2000)}`);
  return { seconds: Number(m[1]), rssMb: Number(m[2]) / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  setUpBaseline();
  const project: { seconds: number; rssMb: number }[] = [];
  const baseline: { seconds: number; rssMb: number }[] = [];
  timeSynth(baselineDir); // warm-up: file-system caches, npx resolution
  for (let i = 0; i < RUNS; i++) {
    baseline.push(timeSynth(baselineDir));
    project.push(timeSynth(root));
  }
  const p = median(project.map((r) => r.seconds));
  const b = median(baseline.map((r) => r.seconds));
  const peak = Math.max(...project.map((r) => r.rssMb));
  const fmt = (xs: { seconds: number }[]) => xs.map((r) => r.seconds.toFixed(2)).join(", ");
  console.log(`runs: ${RUNS} each, interleaved`);
  console.log(`empty two-stack app : median ${b.toFixed(2)} s  (${fmt(baseline)})  peak RSS ${Math.max(...baseline.map((r) => r.rssMb)).toFixed(0)} MB`);
  console.log(`marketpulse synth   : median ${p.toFixed(2)} s  (${fmt(project)})  peak RSS ${peak.toFixed(0)} MB`);
  console.log(`ratio               : ${(p / b).toFixed(2)}  (target <= 1.3)`);
  console.log(`peak RSS            : ${peak.toFixed(0)} MB  (target <= 400 MB)`);
  rmSync(join(root, ".bench"), { recursive: true, force: true });
}

main();
