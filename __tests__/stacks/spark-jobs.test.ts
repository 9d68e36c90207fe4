import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { CLUSTER_JOBS } from "../../modules/spark-jobs";
import { resources, synthEnv, type EnvName } from "../support/synth";

describe.each<EnvName>(["dev", "prod"])("spark jobs staging (%s)", (env) => {
  const { tf, stack } = synthEnv(env);
  const artifacts = `marketpulse-${env}-artifacts-${stack.config.accountId}`;
  // Only this module's objects: the stack also stages e.g. the EMR in-transit certificate zip.
  const objects = resources(tf, "aws_s3_object").filter(([n]) => n.startsWith("spark-jobs_")).map(([, o]) => o);

  it("uploads the package zip and one entry script per cluster job, KMS-encrypted with content hashes", () => {
    expect(objects.map((o) => o.key.replace(/[A-F0-9]{16}/, "<hash>")).sort()).toEqual([
      "spark-jobs/<hash>/entrypoints/bronze_to_silver.py",
      "spark-jobs/<hash>/entrypoints/silver_to_gold.py",
      "spark-jobs/<hash>/marketpulse_jobs.zip",
    ]);
    for (const o of objects) {
      expect(o.bucket).toBe(artifacts);
      expect(o.server_side_encryption).toBe("aws:kms");
      expect(o.kms_key_id).toMatch(/aws_kms_key\.kms_key_.*\.arn/);
      expect(o.source_hash).toMatch(/^[A-F0-9]{32,64}$/);
      // the key carries the content hash, so a change uploads a new object
      expect(o.key).toContain(o.source_hash.slice(0, 16));
    }
  });

  it("exposes a spark-submit step per job as a stack output", () => {
    const steps = JSON.parse(tf.output.emr_steps.value);
    expect(Object.keys(steps).sort()).toEqual([...CLUSTER_JOBS].sort());
    const b2s = steps.bronze_to_silver;
    expect(b2s).toMatchObject({ Type: "CUSTOM_JAR", Jar: "command-runner.jar", ActionOnFailure: "CANCEL_AND_WAIT" });
    expect(b2s.Args.slice(0, 4)).toEqual(["spark-submit", "--deploy-mode", "cluster", "--py-files"]);
    expect(b2s.Args[4]).toBe(`s3://${objects.find((o) => o.key.endsWith(".zip")).key.replace(/^/, `${artifacts}/`)}`);
    expect(b2s.Args[5]).toMatch(new RegExp(`^s3://${artifacts}/spark-jobs/[A-F0-9]{16}/entrypoints/bronze_to_silver.py$`));
    expect(b2s.Args.slice(6)).toEqual([
      "--date", "@DATE@",
      "--bronze", `s3://marketpulse-${env}-bronze-${stack.config.accountId}`,
      "--silver", `s3://marketpulse-${env}-silver-${stack.config.accountId}`,
      "--quarantine", `s3://marketpulse-${env}-silver-${stack.config.accountId}/quarantine`,
    ]);
    expect(steps.silver_to_gold.Args.slice(6)).toEqual([
      "--date", "@DATE@",
      "--silver", `s3://marketpulse-${env}-silver-${stack.config.accountId}`,
      "--gold", `s3://marketpulse-${env}-gold-${stack.config.accountId}`,
    ]);
  });
});

describe("staged files", () => {
  const { stack } = synthEnv("dev");
  const outdir = Testing.fullSynth(stack);
  const stackDir = join(outdir, "stacks", "marketpulse-dev");

  it("writes an add-steps file per job beside the stack", () => {
    const files = readdirSync(join(stackDir, "emr-steps")).sort();
    expect(files).toEqual(["bronze_to_silver.json", "silver_to_gold.json"]);
    const steps = JSON.parse(readFileSync(join(stackDir, "emr-steps", "silver_to_gold.json"), "utf8"));
    expect(steps).toEqual([stack.sparkJobs.steps.silver_to_gold]);
  });

  it("zips only the package's Python sources, rooted at marketpulse_jobs/", () => {
    const zips = readdirSync(join(stackDir, "assets"), { recursive: true }).map(String).filter((f) => f.endsWith(".zip"));
    expect(zips).toHaveLength(1);
    const r = spawnSync("python3", ["-c", "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))", join(stackDir, "assets", zips[0])], { encoding: "utf8" });
    const names = r.stdout.trim().split("\n").filter((n) => !n.endsWith("/"));
    expect(names).toContain("marketpulse_jobs/__init__.py");
    expect(names).toContain("marketpulse_jobs/bronze_to_silver.py");
    for (const n of names) {
      expect(n.startsWith("marketpulse_jobs/")).toBe(true);
      expect(n.endsWith(".py")).toBe(true);
      expect(n).not.toContain("__pycache__");
    }
  });
});
