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
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { AssetType, TerraformAsset, TerraformStack } from "cdktf";
// cdktf internals TerraformAsset itself uses (cdktf is pinned to 0.21.0 exactly): the zip
// helper, and the hook for writing files into the stack folder at synth time.
import { archiveSync } from "cdktf/lib/private/fs";
import { addCustomSynthesis } from "cdktf/lib/synthesize/synthesizer";
import { Construct } from "constructs";

/** Jobs that run on the cluster. `generate` is a local tool: the cluster may only read bronze. */
export const CLUSTER_JOBS = ["bronze_to_silver", "silver_to_gold"] as const;
export type ClusterJob = (typeof CLUSTER_JOBS)[number];

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
  /** The `spark-jobs/` folder: `src/marketpulse_jobs/` and `entrypoints/<job>.py`. */
  readonly sourceDir: string;
  /** Name of the artifacts bucket (SSE-KMS, versioned). */
  readonly artifactsBucket: string;
  /** Environment KMS key: the bucket policy refuses uploads under any other key. */
  readonly keyArn: string;
  /** Lake locations passed to the jobs, as s3:// URIs without a trailing slash. */
  readonly locations: { readonly bronze: string; readonly silver: string; readonly gold: string; readonly quarantine: string };
  /** Key prefix in the artifacts bucket. Default: `spark-jobs`. */
  readonly prefix?: string;
  /** Extra spark-submit arguments placed before `--py-files`. Default: none (cluster defaults apply). */
  readonly sparkSubmitArgs?: string[];
  /** Step name prefix, e.g. `marketpulse-dev`. */
  readonly name: string;
}

export class SparkJobs extends Construct {
  /** s3:// URI of the package zip. */
  readonly packageUri: string;
  readonly entrypointUris: Record<ClusterJob, string>;
  readonly steps: Record<ClusterJob, EmrStep>;

  constructor(scope: Construct, id: string, props: SparkJobsProps) {
    super(scope, id);
    const prefix = props.prefix ?? "spark-jobs";
    const bucketUri = `s3://${props.artifactsBucket}`;

    const pkg = packageZip(join(props.sourceDir, "src", "marketpulse_jobs"));
    const pkgAsset = new TerraformAsset(this, "package", { path: pkg.zip, type: AssetType.FILE, assetHash: pkg.hash });
    const pkgKey = `${prefix}/${pkg.hash.slice(0, 16)}/marketpulse_jobs.zip`;
    this.upload("package-object", props, pkgKey, pkgAsset);
    this.packageUri = `${bucketUri}/${pkgKey}`;

    const entry = {} as Record<ClusterJob, string>;
    for (const job of CLUSTER_JOBS) {
      const file = join(props.sourceDir, "entrypoints", `${job}.py`);
      if (!existsSync(file)) throw new Error(`missing entry script ${file}`);
      const asset = new TerraformAsset(this, `entry-${job}`, { path: file, type: AssetType.FILE });
      const key = `${prefix}/${asset.assetHash.slice(0, 16)}/entrypoints/${job}.py`;
      this.upload(`entry-${job}-object`, props, key, asset);
      entry[job] = `${bucketUri}/${key}`;
    }
    this.entrypointUris = entry;

    const submit = (job: ClusterJob, args: string[]): EmrStep => ({
      Type: "CUSTOM_JAR",
      Name: `${props.name} ${job} ${DATE_PLACEHOLDER}`,
      // Later steps of the same day depend on this one: cancel them if it fails.
      ActionOnFailure: "CANCEL_AND_WAIT",
      Jar: "command-runner.jar",
      Args: [
        "spark-submit",
        "--deploy-mode",
        "cluster",
        ...(props.sparkSubmitArgs ?? []),
        "--py-files",
        this.packageUri,
        this.entrypointUris[job],
        "--date",
        DATE_PLACEHOLDER,
        ...args,
      ],
    });
    const loc = props.locations;
    this.steps = {
      bronze_to_silver: submit("bronze_to_silver", ["--bronze", loc.bronze, "--silver", loc.silver, "--quarantine", loc.quarantine]),
      silver_to_gold: submit("silver_to_gold", ["--silver", loc.silver, "--gold", loc.gold]),
    };

    // Step files beside the stack's Terraform JSON: cdktf.out/stacks/<stack>/emr-steps/<job>.json
    addCustomSynthesis(this, {
      onSynthesize: (session) => {
        const stackDir = join(session.outdir, session.manifest.forStack(TerraformStack.of(this)).workingDirectory);
        const dir = join(stackDir, "emr-steps");
        mkdirSync(dir, { recursive: true });
        for (const job of CLUSTER_JOBS) writeFileSync(join(dir, `${job}.json`), `${JSON.stringify([this.steps[job]], null, 2)}\n`);
      },
    });
  }

  private upload(id: string, props: SparkJobsProps, key: string, asset: TerraformAsset): S3Object {
    return new S3Object(this, id, {
      bucket: props.artifactsBucket,
      key,
      source: asset.path,
      // The key already carries the content hash; source_hash makes Terraform notice a
      // changed file even if a key were reused (etag is not an MD5 under SSE-KMS).
      sourceHash: asset.assetHash,
      serverSideEncryption: "aws:kms",
      kmsKeyId: props.keyArn,
    });
  }
}

/**
 * Zips only the package's .py files (rooted at `marketpulse_jobs/`), so caches (__pycache__)
 * and stray files never reach the cluster or change the hash. The zip is content-addressed
 * and built once per content: cdktf zips an ARCHIVE asset in a child process per stack,
 * which cost ~0.25 s per stack on every synth.
 */
function packageZip(pkgDir: string): { zip: string; hash: string } {
  const files = listPy(pkgDir);
  if (files.length === 0) throw new Error(`no Python files under ${pkgDir}`);
  const h = createHash("sha256");
  for (const f of files) {
    h.update(relative(pkgDir, f).split("\\").join("/"));
    h.update("\0");
    h.update(readFileSync(f));
    h.update("\0");
  }
  const hash = h.digest("hex").toUpperCase();
  const zipDir = join(tmpdir(), `marketpulse-jobs-zip-${hash.slice(0, 16)}`);
  const zip = join(zipDir, "marketpulse_jobs.zip");
  if (!existsSync(zip)) {
    mkdirSync(zipDir, { recursive: true });
    const root = mkdtempSync(join(tmpdir(), "marketpulse-jobs-"));
    for (const f of files) {
      const target = join(root, "marketpulse_jobs", relative(pkgDir, f));
      mkdirSync(join(target, ".."), { recursive: true });
      cpSync(f, target);
    }
    // Written aside and renamed, so a concurrent synth never sees a half-written zip.
    archiveSync(root, `${zip}.${process.pid}.tmp`);
    renameSync(`${zip}.${process.pid}.tmp`, zip);
    rmSync(root, { recursive: true, force: true });
  }
  return { zip, hash };
}

function listPy(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return e.name === "__pycache__" ? [] : listPy(p);
      return e.name.endsWith(".py") ? [p] : [];
    });
}
