/**
 * AWS API parameters checked by botocore's request validator against its service models
 * (__tests__/support/validate_params.py, in spark-jobs/.venv): the SDK's own view of a request,
 * not ours. Nothing is sent.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface AwsCall {
  /** botocore's service name, e.g. `emr`, `s3`, `stepfunctions`. */
  readonly service: string;
  /** The API operation, e.g. `RunJobFlow`. */
  readonly operation: string;
  readonly params: unknown;
  /**
   * Parameters as Step Functions' AWS SDK integrations take them: PascalCase for every service,
   * matched to the model's members case-insensitively. Default: false (exact names).
   */
  readonly pascal_case?: boolean;
}

const PYTHON = join(__dirname, "..", "..", "spark-jobs", ".venv", "bin", "python");

/** botocore's report lines per call: [] for valid parameters. */
export function botocoreProblems(calls: readonly AwsCall[]): string[][] {
  const dir = mkdtempSync(join(tmpdir(), "botocore-"));
  try {
    writeFileSync(join(dir, "calls.json"), JSON.stringify(calls));
    return JSON.parse(execFileSync(PYTHON, [join(__dirname, "validate_params.py"), join(dir, "calls.json")], { encoding: "utf8" }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
