/**
 * vitest globalSetup: the Python virtualenv (spark-jobs/.venv) that moto runs from, for the
 * pipeline CLI's tests, and that the jobs' own tests use. `npm test` runs vitest before the
 * Python tests, so on a fresh clone this is the venv's first install (pyspark, pytest, ruff,
 * moto[server]: a few minutes); when the venv is current it is a couple of stat calls. It runs
 * once per vitest run, never in two test files at once (two pip installs into one venv race).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");
export const VENV_BIN = join(ROOT, "spark-jobs", ".venv", "bin");

/**
 * Creates or updates spark-jobs/.venv the way spark-jobs/scripts/test.sh does: idempotent,
 * and under `set -e`, because ensure-venv.sh stamps the venv as installed after pip, failed
 * or not, and relies on its caller to stop first.
 */
export function ensureVenv(): void {
  const r = spawnSync("bash", ["-c", "set -euo pipefail; cd spark-jobs && source scripts/ensure-venv.sh"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) {
    throw new Error(`could not set up spark-jobs/.venv (bash exited ${r.status ?? r.signal ?? r.error?.message}; output above): the pipeline CLI's tests run moto from it`);
  }
}

export default function setup(): void {
  ensureVenv();
}
