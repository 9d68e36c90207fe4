/**
 * DataLake alone on a bare stack (with the key and an access-log target it requires): four
 * SSE-KMS buckets, destroy protection on the data layers only, lifecycle tiers on bronze, every
 * bucket access-logged, and grants that bring the key.
 */
import { describe, expect, it } from "vitest";
import { DataLake, type DataLakeProps } from "../../modules/data-lake";
import { SecureBucket, type AccessLogTarget } from "../../modules/secure-bucket";
import { bareStack, synthBare, testKey } from "../support/bare-stack";
import { RecordingGrantee } from "../support/grantee";
import { policyDocFor, resource, resources, statementsBySid, type TerraformJson } from "../support/terraform-json";

const NAMES = { bronze: "test-bronze", silver: "test-silver", gold: "test-gold", artifacts: "test-artifacts" } as const;
const LAYERS = ["bronze", "silver", "gold", "artifacts"] as const;
const KEY_ARN = /^\$\{aws_kms_key\.key_[0-9A-F]{8}\.arn\}$/;

function build(props: Partial<DataLakeProps> = {}) {
  const stack = bareStack();
  const key = testKey(stack);
  const target = new SecureBucket(stack, "target", { bucketName: "test-logs", label: "Logs", encryption: { kind: "s3" } });
  const logged: SecureBucket[] = [];
  const logBucket: AccessLogTarget = {
    receiveAccessLogs: (source) => {
      logged.push(source);
      return { targetBucket: target.name, targetPrefix: `access/${source.bucketName}/`, dependsOn: [target.bucketPolicy] };
    },
  };
  const lake = new DataLake(stack, "lake", { bucketNames: NAMES, key, logBucket, ...props });
  return { stack, key, lake, target, logged };
}

/** The one resource of a type that belongs to lake bucket `b` (not the log target). */
const part = (tf: TerraformJson, type: string, b: string) => resource(tf, type, `lake_${b}_`);

describe("DataLake defaults", () => {
  const { stack, lake, logged, key } = build();
  const { tf, snapshot } = synthBare(stack);

  it("matches its snapshot", async () => {
    await expect(snapshot).toMatchFileSnapshot("__snapshots__/data-lake.tf.json");
  });

  it("is four buckets: bronze, silver, gold and artifacts, with the given names", () => {
    const lakeBuckets = resources(tf, "aws_s3_bucket").filter(([n]) => n.startsWith("lake_"));
    expect(lakeBuckets.map(([, b]) => b.bucket).sort()).toEqual(["test-artifacts", "test-bronze", "test-gold", "test-silver"]);
    for (const b of LAYERS) expect(lake.buckets[b].bucketName).toBe(NAMES[b]);
  });

  it("protects bronze, silver and gold from destroy, never artifacts", () => {
    const protectedBy = Object.fromEntries(LAYERS.map((b) => [b, part(tf, "aws_s3_bucket", b).lifecycle.prevent_destroy]));
    expect(protectedBy).toEqual({ bronze: true, silver: true, gold: true, artifacts: false });
  });

  it("encrypts every bucket with SSE-KMS under the given key", () => {
    for (const b of LAYERS) {
      expect(part(tf, "aws_s3_bucket_server_side_encryption_configuration", b).rule).toEqual([
        { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: expect.stringMatching(KEY_ARN) }, bucket_key_enabled: true },
      ]);
      expect(lake.buckets[b].key).toBe(key);
    }
  });

  it("tiers bronze to Standard-IA at 30 days and Glacier at 90; the other buckets keep only the hygiene rule", () => {
    const rules = (b: string) => part(tf, "aws_s3_bucket_lifecycle_configuration", b).rule;
    expect(rules("bronze").map((r: any) => r.id)).toEqual(["hygiene", "bronze-tiering"]);
    expect(rules("bronze")[1]).toEqual({
      id: "bronze-tiering",
      status: "Enabled",
      filter: [{ prefix: "" }],
      transition: [
        { days: 30, storage_class: "STANDARD_IA" },
        { days: 90, storage_class: "GLACIER" },
      ],
    });
    for (const b of ["silver", "gold", "artifacts"]) expect(rules(b).map((r: any) => r.id)).toEqual(["hygiene"]);
  });

  it("expires noncurrent versions after 90 days and aborts uploads after 7, on every bucket", () => {
    for (const b of LAYERS) {
      const [hygiene] = part(tf, "aws_s3_bucket_lifecycle_configuration", b).rule;
      expect(hygiene.noncurrent_version_expiration).toEqual([{ noncurrent_days: 90 }]);
      expect(hygiene.abort_incomplete_multipart_upload).toEqual([{ days_after_initiation: 7 }]);
    }
  });

  it("access-logs every bucket to the given target, each under its own prefix", () => {
    expect(logged.map((b) => b.bucketName)).toEqual(["test-bronze", "test-silver", "test-gold", "test-artifacts"]);
    for (const b of LAYERS) {
      expect(part(tf, "aws_s3_bucket_logging", b)).toMatchObject({
        target_bucket: expect.stringMatching(/^\$\{aws_s3_bucket\.target_bucket_[0-9A-F]{8}\.bucket\}$/),
        target_prefix: `access/test-${b}/`,
        depends_on: [expect.stringMatching(/^aws_s3_bucket_policy\.target_bucket-policy_[0-9A-F]{8}$/)],
      });
    }
  });

  it("every bucket refuses uploads under any other key and plain HTTP", () => {
    for (const b of LAYERS) {
      const policy = statementsBySid(policyDocFor(tf, part(tf, "aws_s3_bucket_policy", b).policy));
      expect(Object.keys(policy).sort()).toEqual(["DenyInsecureTransport", "DenyNonKmsUploads", "DenyOtherKmsKeys"]);
    }
  });

  it("labels grants by bucket: Bronze, Silver, Gold, Artifacts", () => {
    expect(LAYERS.map((b) => lake.buckets[b].label)).toEqual(["Bronze", "Silver", "Gold", "Artifacts"]);
  });

  it("all is every lake bucket, in layer order", () => {
    expect(lake.all).toHaveLength(4);
    lake.all.forEach((bucket, i) => expect(bucket).toBe(lake.buckets[LAYERS[i]]));
  });
});

describe("DataLake options", () => {
  it("destroyProtection: false protects nothing", () => {
    const { stack } = build({ destroyProtection: false });
    const { tf } = synthBare(stack);
    for (const b of LAYERS) expect(part(tf, "aws_s3_bucket", b).lifecycle.prevent_destroy).toBe(false);
  });

  it("bronze tier ages, noncurrent expiry and upload abort are configurable", () => {
    const { stack } = build({ bronzeInfrequentAccessDays: 45, bronzeGlacierDays: 180, noncurrentVersionExpirationDays: 14, abortIncompleteUploadDays: 3 });
    const { tf } = synthBare(stack);
    const [hygiene, tiering] = part(tf, "aws_s3_bucket_lifecycle_configuration", "bronze").rule;
    expect(tiering.transition).toEqual([
      { days: 45, storage_class: "STANDARD_IA" },
      { days: 180, storage_class: "GLACIER" },
    ]);
    expect(hygiene.noncurrent_version_expiration).toEqual([{ noncurrent_days: 14 }]);
    expect(hygiene.abort_incomplete_multipart_upload).toEqual([{ days_after_initiation: 3 }]);
    const [goldHygiene] = part(tf, "aws_s3_bucket_lifecycle_configuration", "gold").rule;
    expect(goldHygiene.noncurrent_version_expiration).toEqual([{ noncurrent_days: 14 }]);
  });
});

describe("DataLake grants", () => {
  it("grantRead: one bucket's objects and listing, plus decrypt on the key", () => {
    const { lake, key } = build();
    const role = new RecordingGrantee();
    lake.grantRead(role, "bronze");
    const bronze = lake.buckets.bronze;
    expect(role.policyNames).toEqual(["data-lake", "environment-key"]);
    expect(role.statements("data-lake")).toEqual([
      { sid: "ReadBronzeObjects", effect: "Allow", actions: ["s3:GetObject", "s3:GetObjectVersion"], resources: [`${bronze.arn}/*`] },
      { sid: "ListBronze", effect: "Allow", actions: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], resources: [bronze.arn] },
    ]);
    expect(role.statements("environment-key")).toEqual([{ sid: "UseEnvironmentKey", effect: "Allow", actions: ["kms:Decrypt", "kms:DescribeKey"], resources: [key.keyArn] }]);
  });

  it("grantReadWrite: read, write and delete one bucket's objects, plus the key both ways", () => {
    const { lake, key } = build();
    const role = new RecordingGrantee();
    lake.grantReadWrite(role, "silver");
    const silver = lake.buckets.silver;
    expect(role.statements("data-lake")).toEqual([
      {
        sid: "ReadWriteSilverObjects",
        effect: "Allow",
        actions: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        resources: [`${silver.arn}/*`],
      },
      { sid: "ListSilver", effect: "Allow", actions: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], resources: [silver.arn] },
    ]);
    expect(role.statements("environment-key")).toEqual([
      {
        sid: "UseEnvironmentKey",
        effect: "Allow",
        actions: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
        resources: [key.keyArn],
      },
    ]);
  });

  it("grants pass the prefix and sid options through to the bucket", () => {
    const { lake } = build();
    const role = new RecordingGrantee();
    lake.grantRead(role, "artifacts", { prefix: "jobs", sid: "ReadJobs" });
    const [objects, list] = role.statements("data-lake");
    expect(objects).toEqual({ sid: "ReadJobs", effect: "Allow", actions: ["s3:GetObject", "s3:GetObjectVersion"], resources: [`${lake.buckets.artifacts.arn}/jobs/*`] });
    expect(list.condition).toEqual([{ test: "StringLike", variable: "s3:prefix", values: ["jobs/*", "jobs"] }]);
  });

  it("a grant adds the grantee to the key policy too", () => {
    const { stack, lake } = build();
    lake.grantRead(new RecordingGrantee(), "gold");
    const { tf } = synthBare(stack);
    const keyPolicy = statementsBySid(policyDocFor(tf, resource(tf, "aws_kms_key", "key").policy));
    expect(keyPolicy.TestRole).toMatchObject({
      principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/test"] }],
      actions: ["kms:Decrypt", "kms:DescribeKey"],
    });
  });
});

describe("DataLake queryResults", () => {
  const rules = (tf: TerraformJson, b: string) => part(tf, "aws_s3_bucket_lifecycle_configuration", b).rule;

  it("expires the results prefix of the artifacts bucket after the given days", () => {
    const { stack } = build({ queryResults: { prefix: "athena-results", expirationDays: 14 } });
    const { tf } = synthBare(stack);
    expect(rules(tf, "artifacts").map((r: any) => r.id)).toEqual(["hygiene", "expire-query-results"]);
    expect(rules(tf, "artifacts")[1]).toEqual({
      id: "expire-query-results",
      status: "Enabled",
      filter: [{ prefix: "athena-results/" }],
      expiration: [{ days: 14 }],
      // Versioned bucket: the expired results must not linger as noncurrent versions.
      noncurrent_version_expiration: [{ noncurrent_days: 1 }],
    });
  });

  it("touches no other bucket", () => {
    const { stack } = build({ queryResults: { prefix: "athena-results", expirationDays: 14 } });
    const { tf } = synthBare(stack);
    expect(rules(tf, "bronze").map((r: any) => r.id)).toEqual(["hygiene", "bronze-tiering"]);
    expect(rules(tf, "silver").map((r: any) => r.id)).toEqual(["hygiene"]);
    expect(rules(tf, "gold").map((r: any) => r.id)).toEqual(["hygiene"]);
    expect(resource(tf, "aws_s3_bucket_lifecycle_configuration", "target_").rule.map((r: any) => r.id)).toEqual(["hygiene"]);
  });

  it("the prefix is a folder: `<prefix>/`, so a sibling such as `<prefix>-archive/` is not expired", () => {
    const { stack } = build({ queryResults: { prefix: "results", expirationDays: 1 } });
    const { tf } = synthBare(stack);
    expect(rules(tf, "artifacts")[1].filter).toEqual([{ prefix: "results/" }]);
    expect(rules(tf, "artifacts")[1].expiration).toEqual([{ days: 1 }]);
  });

  it("without queryResults, no bucket expires query results", () => {
    const { stack } = build();
    const { tf } = synthBare(stack);
    for (const b of LAYERS) expect(rules(tf, b).map((r: any) => r.id), b).not.toContain("expire-query-results");
    expect(rules(tf, "artifacts")).toHaveLength(1);
  });
});
