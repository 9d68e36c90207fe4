/**
 * SparkJobs: stages the PySpark jobs to the artifacts bucket and exposes ready-to-submit EMR
 * step definitions for each job.
 *
 * What is staged: the `marketpulse_jobs` package as a zip for `--py-files`, and one entry
 * script per job for spark-submit. Object keys contain the content hash, so a code change
 * uploads new objects (and changes the step definitions a reviewer sees in the plan), while
 * the bucket's versioning keeps superseded objects retrievable for its noncurrent-version
 * retention. No bootstrap script is needed: the jobs import only pyspark and the standard
 * library, both present on a stock EMR 7 node.
 *
 * Packaging uses public APIs only. Synth copies the package's .py files (nothing else) into the
 * stack folder as a directory asset, and the archive provider zips that folder when Terraform
 * plans (deterministically: fixed timestamps and file mode). So synth never zips, and the
 * synthesized folder stays self-contained for Terraform Cloud. The step definitions are written
 * beside the stack as a directory asset too (`stepFilesPath`).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import type { LakeLayer } from "../envs/naming";
import type { EncryptionKey } from "./encryption-key";
import type { SecureBucket } from "./secure-bucket";

/** Jobs staged for the cluster, each with an entry script and a step file. */
export const CLUSTER_JOBS = ["generate", "bronze_to_silver", "silver_to_gold", "bronze_to_gold"] as const;
export type ClusterJob = (typeof CLUSTER_JOBS)[number];
/** The jobs that write run files (a summary, and a metrics file for the ETL jobs). */
export type RunFilesJob = Exclude<ClusterJob, "bronze_to_gold">;

/**
 * The jobs each job runs. `bronze_to_gold` runs bronze_to_silver and then silver_to_gold in one
 * Spark application (one spark-submit), each writing its own run files.
 */
export const JOB_PARTS: Readonly<Record<ClusterJob, readonly RunFilesJob[]>> = {
  generate: ["generate"],
  bronze_to_silver: ["bronze_to_silver"],
  silver_to_gold: ["silver_to_gold"],
  bronze_to_gold: ["bronze_to_silver", "silver_to_gold"],
};

/**
 * The pipeline's steps, in order: the synthetic feed (in environments that have one), then the
 * ETL as one step. The other jobs' step files remain for rerunning a single stage by hand.
 */
export const PIPELINE_JOBS = ["generate", "bronze_to_gold"] as const satisfies readonly ClusterJob[];

/**
 * The lake layer each job writes its run files to (its output root, where it writes its run
 * summary and metrics file under `_runs/<job>/`; spark-jobs/src/marketpulse_jobs/runtime.py).
 */
export const JOB_OUTPUT_LAYER: Readonly<Record<RunFilesJob, LakeLayer>> = { generate: "bronze", bronze_to_silver: "silver", silver_to_gold: "gold" };
export const RUN_FILES_PREFIX = "_runs";

/** Key of a job's metrics file in its output bucket, with `{}` for the run's label (date or start_end). */
export function metricsKeyTemplate(job: RunFilesJob): string {
  return `${RUN_FILES_PREFIX}/${job}/{}.metrics.json`;
}

/** Bronze datasets, laid out as `<bronze>/<dataset>/date=YYYY-MM-DD/hour=HH/` (docs/data-contracts.md). */
export const BRONZE_DATASETS = ["prices", "news"] as const;

/** Placeholder for the processing date in step files; replace it before `aws emr add-steps`. */
export const DATE_PLACEHOLDER = "@DATE@";

/** One step as `aws emr add-steps --steps file://...` expects it. */
export interface EmrStep {
  readonly Type: "CUSTOM_JAR";
  readonly Name: string;
  readonly ActionOnFailure: "CONTINUE" | "CANCEL_AND_WAIT";
  readonly Jar: "command-runner.jar";
  readonly Args: string[];
}

export interface SparkJobsProps {
  /** The `spark-jobs/` folder: `src/marketpulse_jobs/` and `entrypoints/<job>.py`. Required. */
  readonly sourceDir: string;
  /** The artifacts bucket (SSE-KMS, versioned). Required. */
  readonly artifacts: SecureBucket;
  /** Environment key: the bucket policy refuses uploads under any other key. Required. */
  readonly key: EncryptionKey;
  /** Lake locations passed to the jobs, as s3:// URIs without a trailing slash (envs/naming.ts). Required. */
  readonly locations: { readonly bronze: string; readonly silver: string; readonly gold: string; readonly quarantine: string };
  /** Arguments of the synthetic feed (`generate`); without them there is no generate step. Default: none. */
  readonly generate?: { readonly symbols: number; readonly seed: number; readonly ticksPerHour: number; readonly defectRate: number };
  /** Key prefix in the artifacts bucket. Default: `spark-jobs`. */
  readonly prefix?: string;
  /** Extra spark-submit arguments placed before `--py-files`. Default: none (cluster defaults apply). */
  readonly sparkSubmitArgs?: string[];
  /** Step name prefix, e.g. `marketpulse-dev`. Required. */
  readonly stepNamePrefix: string;
}

export class SparkJobs extends Construct {
  /** s3:// URI of the package zip. */
  readonly packageUri: string;
  readonly entrypointUris: Partial<Record<ClusterJob, string>>;
  /** The jobs staged in this environment: `generate` only with a synthetic feed. */
  readonly jobs: readonly ClusterJob[];
  /** The pipeline's steps in this environment, in order (`PIPELINE_JOBS` that are staged). */
  readonly pipelineJobs: readonly ClusterJob[];
  readonly steps: Partial<Record<ClusterJob, EmrStep>>;
  /** Folder, relative to the stack's folder, holding `<job>.json` for `aws emr add-steps`. */
  readonly stepFilesPath: string;
  private readonly props: SparkJobsProps;

  constructor(scope: Construct, id: string, props: SparkJobsProps) {
    super(scope, id);
    this.props = props;
    const prefix = props.prefix ?? "spark-jobs";
    this.jobs = CLUSTER_JOBS.filter((job) => job !== "generate" || props.generate !== undefined);
    this.pipelineJobs = PIPELINE_JOBS.filter((job) => this.jobs.includes(job));

    const pkg = stagePackage(join(props.sourceDir, "src", "marketpulse_jobs"));
    const pkgDir = new TerraformAsset(this, "package", { path: pkg.dir, type: AssetType.DIRECTORY, assetHash: pkg.hash });
    const zip = new DataArchiveFile(this, "package-zip", {
      type: "zip",
      sourceDir: pkgDir.path,
      // Relative to the stack's working directory (cdktf.out/stacks/<stack>, never committed).
      outputPath: "spark-jobs/marketpulse_jobs.zip",
      outputFileMode: "0644",
    });
    const pkgKey = `${prefix}/${pkg.hash.slice(0, 16)}/marketpulse_jobs.zip`;
    this.upload("package-object", pkgKey, zip.outputPath, zip.outputBase64Sha256);
    this.packageUri = props.artifacts.s3Uri(pkgKey);

    const entry: Partial<Record<ClusterJob, string>> = {};
    for (const job of this.jobs) {
      const file = join(props.sourceDir, "entrypoints", `${job}.py`);
      if (!existsSync(file)) throw new Error(`missing entry script ${file}`);
      const asset = new TerraformAsset(this, `entry-${job}`, { path: file, type: AssetType.FILE });
      const key = `${prefix}/${asset.assetHash.slice(0, 16)}/entrypoints/${job}.py`;
      this.upload(`entry-${job}-object`, key, asset.path, asset.assetHash);
      entry[job] = props.artifacts.s3Uri(key);
    }
    this.entrypointUris = entry;

    this.steps = Object.fromEntries(this.jobs.map((job) => [job, this.step(job, { date: DATE_PLACEHOLDER })]));

    const files = stageFiles(
      "steps",
      Object.fromEntries(this.jobs.map((job) => [`${job}.json`, `${JSON.stringify([this.steps[job]], null, 2)}\n`])),
    );
    this.stepFilesPath = new TerraformAsset(this, "step-files", { path: files.dir, type: AssetType.DIRECTORY, assetHash: files.hash }).path;
  }

  /**
   * The spark-submit step of `job` for a date or a range: the one place step arguments are
   * built, for the staged step files and the pipeline alike. Values may be literal dates or
   * Step Functions placeholders; `name` overrides the step name.
   */
  step(job: ClusterJob, when: { readonly date: string } | { readonly start: string; readonly end: string }, name?: string): EmrStep {
    const entrypoint = this.entrypointUris[job];
    if (!entrypoint) throw new Error(`SparkJobs: ${job} is not staged in this environment`);
    const dates = "date" in when ? ["--date", when.date] : ["--start", when.start, "--end", when.end];
    return {
      Type: "CUSTOM_JAR",
      Name: name ?? `${this.props.stepNamePrefix} ${job} ${"date" in when ? when.date : `${when.start}..${when.end}`}`,
      // Later steps of the same day depend on this one: cancel them if it fails.
      ActionOnFailure: "CANCEL_AND_WAIT",
      Jar: "command-runner.jar",
      Args: ["spark-submit", "--deploy-mode", "cluster", ...(this.props.sparkSubmitArgs ?? []), "--py-files", this.packageUri, entrypoint, ...dates, ...this.jobArgs(job)],
    };
  }

  private jobArgs(job: ClusterJob): string[] {
    const loc = this.props.locations;
    switch (job) {
      case "generate": {
        const g = this.props.generate!;
        return ["--bronze", loc.bronze, "--symbols", String(g.symbols), "--seed", String(g.seed), "--ticks-per-hour", String(g.ticksPerHour), "--defect-rate", String(g.defectRate)];
      }
      case "bronze_to_silver":
        return ["--bronze", loc.bronze, "--silver", loc.silver, "--quarantine", loc.quarantine];
      case "silver_to_gold":
        return ["--silver", loc.silver, "--gold", loc.gold];
      case "bronze_to_gold":
        return ["--bronze", loc.bronze, "--silver", loc.silver, "--quarantine", loc.quarantine, "--gold", loc.gold];
    }
  }

  private upload(id: string, key: string, source: string, sourceHash: string): S3Object {
    return new S3Object(this, id, {
      bucket: this.props.artifacts.name,
      key,
      source,
      // The key already carries the content hash; source_hash makes Terraform notice a
      // changed file even if a key were reused (etag is not an MD5 under SSE-KMS).
      sourceHash,
      serverSideEncryption: "aws:kms",
      kmsKeyId: this.props.key.keyArn,
    });
  }
}

/** sha256 over (relative path, content) pairs, upper-case hex: the content address. */
function contentHash(files: readonly (readonly [string, Buffer | string])[]): string {
  const h = createHash("sha256");
  for (const [name, content] of files) {
    h.update(name);
    h.update("\0");
    h.update(content);
    h.update("\0");
  }
  return h.digest("hex").toUpperCase();
}

/**
 * Copies only the package's .py files (rooted at `marketpulse_jobs/`) into a content-addressed
 * folder, so caches (__pycache__) and stray files never reach the cluster or change the hash.
 * The folder is made once per content and reused by every stack and every synth.
 */
function stagePackage(pkgDir: string): { dir: string; hash: string } {
  const files = listPy(pkgDir);
  if (files.length === 0) throw new Error(`no Python files under ${pkgDir}`);
  return stageFiles(
    "jobs",
    Object.fromEntries(files.map((f) => [join("marketpulse_jobs", relative(pkgDir, f)).split("\\").join("/"), readFileSync(f)])),
  );
}

/** Writes `files` (relative path -> content) once into a content-addressed temp folder. */
function stageFiles(kind: string, files: Readonly<Record<string, Buffer | string>>): { dir: string; hash: string } {
  const entries = Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = contentHash(entries);
  const dir = join(tmpdir(), `marketpulse-${kind}-${hash.slice(0, 16)}`);
  if (!existsSync(dir)) {
    // Written aside and renamed, so a concurrent synth never sees a half-written folder.
    const work = mkdtempSync(join(tmpdir(), `marketpulse-${kind}-`));
    for (const [name, content] of entries) {
      mkdirSync(join(work, name, ".."), { recursive: true });
      writeFileSync(join(work, name), content);
    }
    try {
      renameSync(work, dir);
    } catch {
      rmSync(work, { recursive: true, force: true }); // another synth got there first
    }
  }
  return { dir, hash };
}

function listPy(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return e.name === "__pycache__" ? [] : listPy(p);
      return e.name.endsWith(".py") ? [p] : [];
    });
}
