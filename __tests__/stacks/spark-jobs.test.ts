import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { dataSource, resources, synthEnv, type EnvName } from "../support/synth";

describe.each<EnvName>(["dev", "prod"])("spark jobs staging (%s)", (env) => {
  const { tf, stack } = synthEnv(env);
  const artifacts = `marketpulse-${env}-artifacts-${stack.config.accountId}`;
  // Only this module's objects: the stack also stages e.g. the EMR in-transit certificate zip.
  const objects = resources(tf, "aws_s3_object").filter(([n]) => n.startsWith("spark-jobs_")).map(([, o]) => o);

  // dev runs the synthetic feed, so it stages the generate job too; prod does not.
  const jobs = env === "dev" ? ["generate", "bronze_to_silver", "silver_to_gold", "bronze_to_gold"] : ["bronze_to_silver", "silver_to_gold", "bronze_to_gold"];

  it("uploads the package zip and one entry script per cluster job, KMS-encrypted under content-hashed keys", () => {
    expect(objects.map((o) => o.key.replace(/[A-F0-9]{16}/, "<hash>")).sort()).toEqual([
      ...jobs.map((j) => `spark-jobs/<hash>/entrypoints/${j}.py`).sort(),
      "spark-jobs/<hash>/marketpulse_jobs.zip",
    ]);
    for (const o of objects) {
      // A reference, not the name as a string: the uploads wait for the bucket (and its
      // policy's key rules) and are destroyed before it.
      expect(o.bucket).toMatch(/^\$\{aws_s3_bucket\.lake_artifacts_bucket_\w+\.bucket\}$/);
      expect(o.server_side_encryption).toBe("aws:kms");
      expect(o.kms_key_id).toMatch(/aws_kms_key\.kms_key_.*\.arn/);
    }
    for (const o of objects.filter((o) => o.key.endsWith(".py"))) {
      expect(o.source_hash).toMatch(/^[A-F0-9]{32,64}$/);
      expect(o.key).toContain(o.source_hash.slice(0, 16)); // a changed script is a new object
    }
  });

  it("zips the package when Terraform plans, deterministically, from the staged folder", () => {
    const zip = dataSource(tf, "archive_file", "spark-jobs_package-zip");
    expect(zip).toMatchObject({ type: "zip", output_file_mode: "0644", output_path: "spark-jobs/marketpulse_jobs.zip" });
    expect(zip.source_dir).toMatch(/^assets\/spark-jobs_package_\w+\/[A-F0-9]{64}$/);
    const object = objects.find((o) => o.key.endsWith(".zip"));
    expect(object.source).toMatch(/^\$\{data\.archive_file\.spark-jobs_package-zip_\w+\.output_path\}$/);
    expect(object.source_hash).toMatch(/^\$\{data\.archive_file\.spark-jobs_package-zip_\w+\.output_base64sha256\}$/);
    // The key's hash is the staged sources' hash, the same one that names the staged folder.
    expect(zip.source_dir.slice(-64, -48)).toBe(/spark-jobs\/([A-F0-9]{16})\//.exec(object.key)?.[1]);
  });

  it("exposes a spark-submit step per job as a stack output", () => {
    const steps = JSON.parse(tf.output.emr_steps.value);
    expect(Object.keys(steps)).toEqual(jobs);
    const b2s = steps.bronze_to_silver;
    expect(b2s).toMatchObject({ Type: "CUSTOM_JAR", Jar: "command-runner.jar", ActionOnFailure: "CANCEL_AND_WAIT" });
    expect(b2s.Args.slice(0, 4)).toEqual(["spark-submit", "--deploy-mode", "cluster", "--py-files"]);
    expect(b2s.Args[4]).toBe(`s3://${artifacts}/${objects.find((o) => o.key.endsWith(".zip")).key}`);
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

describe("the synthetic feed's generate step (dev)", () => {
  const { tf, stack } = synthEnv("dev");
  const feed = stack.config.pipeline.syntheticFeed;

  it("writes the day's Bronze with the configured feed, before the other jobs", () => {
    const steps = JSON.parse(tf.output.emr_steps.value);
    expect(steps.generate.Args.slice(6)).toEqual([
      "--date", "@DATE@",
      "--bronze", `s3://marketpulse-dev-bronze-${stack.config.accountId}`,
      "--symbols", String(feed.symbols), "--seed", String(feed.seed),
      "--ticks-per-hour", String(feed.ticksPerHour), "--defect-rate", String(feed.defectRate),
    ]);
    expect(stack.sparkJobs.jobs).toEqual(["generate", "bronze_to_silver", "silver_to_gold", "bronze_to_gold"]);
    expect(stack.sparkJobs.pipelineJobs).toEqual(["generate", "bronze_to_gold"]);
  });
});

describe("staged files", () => {
  const { stack, tf } = synthEnv("dev");
  const stackDir = join(Testing.fullSynth(stack), "stacks", "marketpulse-dev");

  it("writes an add-steps file per job beside the stack, at the path the output names", () => {
    const dir = join(stackDir, tf.output.emr_step_files.value);
    expect(readdirSync(dir).sort()).toEqual(["bronze_to_gold.json", "bronze_to_silver.json", "generate.json", "silver_to_gold.json"]);
    const steps = JSON.parse(readFileSync(join(dir, "silver_to_gold.json"), "utf8"));
    expect(steps).toEqual([stack.sparkJobs.steps.silver_to_gold]);
  });

  it("stages only the package's Python sources, rooted at marketpulse_jobs/", () => {
    const dir = join(stackDir, dataSource(tf, "archive_file", "spark-jobs_package-zip").source_dir);
    const files = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)));
    expect(files).toContain(join("marketpulse_jobs", "__init__.py"));
    expect(files).toContain(join("marketpulse_jobs", "bronze_to_silver.py"));
    for (const n of files) {
      expect(n.startsWith("marketpulse_jobs/")).toBe(true);
      expect(n.endsWith(".py")).toBe(true);
      expect(n).not.toContain("__pycache__");
    }
    // Byte for byte what is in the repository.
    const source = join(__dirname, "..", "..", "spark-jobs", "src", "marketpulse_jobs", "bronze_to_silver.py");
    expect(readFileSync(join(dir, "marketpulse_jobs", "bronze_to_silver.py"))).toEqual(readFileSync(source));
  });
});
