/**
 * SecureBucket alone on a bare stack: its defaults are the secure ones, and its grants bring
 * what they need (decrypt on the key for a reader of a KMS bucket).
 */
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { describe, expect, it } from "vitest";
import { KEY_DECRYPT_ACTIONS, KEY_USE_ACTIONS } from "../../modules/encryption-key";
import { SecureBucket, type AccessLogTarget } from "../../modules/secure-bucket";
import { bareStack, synthBare, testKey } from "../support/bare-stack";
import { RecordingGrantee } from "../support/grantee";
import { policyDocFor, resource, statementsBySid } from "../support/terraform-json";

function build(options: { kms?: boolean; logs?: boolean } = {}) {
  const stack = bareStack();
  const key = testKey(stack);
  const target = new SecureBucket(stack, "target", { bucketName: "test-logs", label: "Logs", encryption: { kind: "s3" } });
  const logTarget: AccessLogTarget = {
    receiveAccessLogs: (source) => ({ targetBucket: target.name, targetPrefix: `access/${source.bucketName}/`, dependsOn: [target.bucketPolicy] }),
  };
  const bucket = new SecureBucket(stack, "bucket", {
    bucketName: "test-data",
    label: "Data",
    encryption: options.kms === false ? { kind: "s3" } : { kind: "kms", key },
    accessLogs: options.logs ? logTarget : undefined,
  });
  return { stack, key, bucket };
}

describe("SecureBucket defaults", () => {
  const { stack } = build();
  const { tf, snapshot } = synthBare(stack);
  // The bucket under test, not the log target beside it.
  const part = (type: string) => {
    const [found, ...more] = Object.entries(tf.resource[type] ?? {}).filter(([name]) => name.startsWith("bucket_"));
    if (!found || more.length > 0) throw new Error(`expected one ${type} of the bucket under test`);
    return found[1] as any;
  };

  it("matches its snapshot", async () => {
    await expect(snapshot).toMatchFileSnapshot("__snapshots__/secure-bucket.tf.json");
  });

  it("is protected from destroy and never emptied by Terraform", () => {
    expect(part("aws_s3_bucket")).toMatchObject({ bucket: "test-data", force_destroy: false, lifecycle: { prevent_destroy: true } });
  });

  it("is versioned, fully private, owner-enforced", () => {
    expect(part("aws_s3_bucket_versioning").versioning_configuration.status).toBe("Enabled");
    expect(part("aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true,
    });
    expect(part("aws_s3_bucket_ownership_controls").rule.object_ownership).toBe("BucketOwnerEnforced");
  });

  it("uses SSE-KMS under the given key with bucket keys, and refuses other uploads and plain HTTP", () => {
    const rule = part("aws_s3_bucket_server_side_encryption_configuration").rule[0];
    expect(rule.apply_server_side_encryption_by_default).toEqual({ sse_algorithm: "aws:kms", kms_master_key_id: expect.stringMatching(/aws_kms_key\.key_\w+\.arn/) });
    expect(rule.bucket_key_enabled).toBe(true);
    const policy = statementsBySid(policyDocFor(tf, part("aws_s3_bucket_policy").policy));
    expect(Object.keys(policy).sort()).toEqual(["DenyInsecureTransport", "DenyNonKmsUploads", "DenyOtherKmsKeys"]);
    expect(policy.DenyOtherKmsKeys.condition[0]).toMatchObject({ test: "StringNotEqualsIfExists", variable: "s3:x-amz-server-side-encryption-aws-kms-key-id" });
  });

  it("expires noncurrent versions after 90 days and aborts uploads after 7", () => {
    const [hygiene] = part("aws_s3_bucket_lifecycle_configuration").rule;
    expect(hygiene.noncurrent_version_expiration).toEqual([{ noncurrent_days: 90 }]);
    expect(hygiene.abort_incomplete_multipart_upload).toEqual([{ days_after_initiation: 7 }]);
  });

  it("is not access-logged unless asked", () => {
    expect(tf.resource.aws_s3_bucket_logging).toBeUndefined();
  });
});

describe("SecureBucket options", () => {
  it("an SSE-S3 bucket has no KMS rules", () => {
    const { stack } = build({ kms: false });
    const { tf } = synthBare(stack);
    const policy = statementsBySid(policyDocFor(tf, resource(tf, "aws_s3_bucket_policy", "bucket_").policy));
    expect(Object.keys(policy)).toEqual(["DenyInsecureTransport"]);
  });

  it("access logging goes where the target says and waits for the target's policy", () => {
    const { stack } = build({ logs: true });
    const { tf } = synthBare(stack);
    const logging = resource(tf, "aws_s3_bucket_logging", "bucket_");
    expect(logging.target_prefix).toBe("access/test-data/");
    expect(logging.target_bucket).toMatch(/aws_s3_bucket\.target_bucket_\w+\.bucket/);
    expect(logging.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_policy\.target_bucket-policy_/)]);
    expect(stack.node.findAll().some((c) => c instanceof S3BucketPolicy)).toBe(true);
  });
});

describe("SecureBucket grants", () => {
  it("read: objects and listing, plus decrypt on the bucket's key", () => {
    const { bucket, key } = build();
    const role = new RecordingGrantee();
    bucket.grantRead(role);
    expect(role.policyNames).toEqual(["data-lake", "environment-key"]);
    expect(role.statements("data-lake")).toEqual([
      { sid: "ReadDataObjects", effect: "Allow", actions: ["s3:GetObject", "s3:GetObjectVersion"], resources: [`${bucket.arn}/*`] },
      { sid: "ListData", effect: "Allow", actions: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], resources: [bucket.arn] },
    ]);
    expect(role.statements("environment-key")).toEqual([{ sid: "UseEnvironmentKey", effect: "Allow", actions: KEY_DECRYPT_ACTIONS, resources: [key.keyArn] }]);
  });

  it("read/write: deletes too (dynamic partition overwrite), and the key both ways", () => {
    const { bucket } = build();
    const role = new RecordingGrantee();
    bucket.grantReadWrite(role);
    expect(role.statements("data-lake")[0].actions).toEqual(expect.arrayContaining(["s3:PutObject", "s3:DeleteObject", "s3:GetObject"]));
    expect(role.statements("environment-key")[0].actions).toEqual(KEY_USE_ACTIONS);
  });

  it("write under a prefix: puts only there, and lists only that prefix", () => {
    const { bucket } = build({ kms: false });
    const role = new RecordingGrantee();
    bucket.grantWrite(role, { prefix: "results", sid: "WriteResults" });
    const [put, list] = role.statements("data-lake");
    expect(put).toEqual({ sid: "WriteResults", effect: "Allow", actions: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"], resources: [`${bucket.arn}/results/*`] });
    expect(list.condition).toEqual([{ test: "StringLike", variable: "s3:prefix", values: ["results/*", "results"] }]);
    expect(role.policyNames).toEqual(["data-lake"]); // an SSE-S3 bucket needs no key
  });
});

describe("SecureBucket read grant with keyViaS3Only", () => {
  const VIA_S3 = (bucketArn: string) => [
    { test: "StringEquals", variable: "kms:ViaService", values: ["s3.eu-central-1.amazonaws.com"] },
    { test: "StringLike", variable: "kms:EncryptionContext:aws:s3:arn", values: [bucketArn, `${bucketArn}/*`] },
  ];
  const BUCKET_ARN = /^\$\{aws_s3_bucket\.bucket_[0-9A-F]{8}\.arn\}$/;
  const BUCKET_OBJECTS = /^\$\{aws_s3_bucket\.bucket_[0-9A-F]{8}\.arn\}\/\*$/;

  it("the grantee decrypts only through S3, for this bucket's objects: no plain key statement", () => {
    const { bucket, key } = build();
    const role = new RecordingGrantee();
    bucket.grantRead(role, { keyViaS3Only: true });
    expect(role.policyNames).toEqual(["data-lake", "environment-key"]);
    expect(role.statements("environment-key")).toEqual([
      { sid: "UseEnvironmentKeyViaDataBucket", effect: "Allow", actions: ["kms:Decrypt", "kms:DescribeKey"], resources: [key.keyArn], condition: VIA_S3(bucket.arn) },
    ]);
  });

  it("the objects and listing are the plain read grant's", () => {
    const { bucket } = build();
    const role = new RecordingGrantee();
    bucket.grantRead(role, { keyViaS3Only: true });
    expect(role.statements("data-lake")).toEqual([
      { sid: "ReadDataObjects", effect: "Allow", actions: ["s3:GetObject", "s3:GetObjectVersion"], resources: [`${bucket.arn}/*`] },
      { sid: "ListData", effect: "Allow", actions: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], resources: [bucket.arn] },
    ]);
  });

  it("the key policy names the grantee with the same conditions, and not unconditionally", () => {
    const { stack, bucket } = build();
    bucket.grantRead(new RecordingGrantee(), { keyViaS3Only: true });
    const { tf } = synthBare(stack);
    const keyPolicy = statementsBySid(policyDocFor(tf, resource(tf, "aws_kms_key", "key").policy));
    expect(keyPolicy.TestRole).toBeUndefined();
    expect(keyPolicy.TestRoleViaDataBucket).toEqual({
      sid: "TestRoleViaDataBucket",
      effect: "Allow",
      principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/test"] }],
      actions: ["kms:Decrypt", "kms:DescribeKey"],
      resources: ["*"],
      condition: [
        { test: "StringEquals", variable: "kms:ViaService", values: ["s3.eu-central-1.amazonaws.com"] },
        { test: "StringLike", variable: "kms:EncryptionContext:aws:s3:arn", values: [expect.stringMatching(BUCKET_ARN), expect.stringMatching(BUCKET_OBJECTS)] },
      ],
    });
  });

  it("with a prefix: objects and listing under the prefix, the key still only via S3 for the bucket", () => {
    const { bucket, key } = build();
    const role = new RecordingGrantee();
    bucket.grantRead(role, { prefix: "_runs", sid: "ReadRunFiles", keyViaS3Only: true });
    const [objects, list] = role.statements("data-lake");
    expect(objects.resources).toEqual([`${bucket.arn}/_runs/*`]);
    expect(list.condition).toEqual([{ test: "StringLike", variable: "s3:prefix", values: ["_runs/*", "_runs"] }]);
    expect(role.statements("environment-key")).toEqual([
      { sid: "UseEnvironmentKeyViaDataBucket", effect: "Allow", actions: ["kms:Decrypt", "kms:DescribeKey"], resources: [key.keyArn], condition: VIA_S3(bucket.arn) },
    ]);
  });

  it("two buckets under one key: one conditional statement per bucket, each for its own bucket", () => {
    const { stack, key, bucket } = build();
    const other = new SecureBucket(stack, "other", { bucketName: "test-other", label: "Other", encryption: { kind: "kms", key } });
    const role = new RecordingGrantee();
    bucket.grantRead(role, { keyViaS3Only: true });
    other.grantRead(role, { keyViaS3Only: true });
    expect(role.statements("environment-key")).toEqual([
      { sid: "UseEnvironmentKeyViaDataBucket", effect: "Allow", actions: ["kms:Decrypt", "kms:DescribeKey"], resources: [key.keyArn], condition: VIA_S3(bucket.arn) },
      { sid: "UseEnvironmentKeyViaOtherBucket", effect: "Allow", actions: ["kms:Decrypt", "kms:DescribeKey"], resources: [key.keyArn], condition: VIA_S3(other.arn) },
    ]);
    const { tf } = synthBare(stack);
    const keyPolicy = statementsBySid(policyDocFor(tf, resource(tf, "aws_kms_key", "key").policy));
    expect(keyPolicy.TestRoleViaOtherBucket.condition[1].values).toEqual([
      expect.stringMatching(/^\$\{aws_s3_bucket\.other_bucket_[0-9A-F]{8}\.arn\}$/),
      expect.stringMatching(/^\$\{aws_s3_bucket\.other_bucket_[0-9A-F]{8}\.arn\}\/\*$/),
    ]);
  });

  it("keyViaS3Only: false is the plain grant: decrypt without conditions, on both sides", () => {
    const { stack, bucket, key } = build();
    const role = new RecordingGrantee();
    bucket.grantRead(role, { keyViaS3Only: false });
    expect(role.statements("environment-key")).toEqual([{ sid: "UseEnvironmentKey", effect: "Allow", actions: ["kms:Decrypt", "kms:DescribeKey"], resources: [key.keyArn] }]);
    const { tf } = synthBare(stack);
    const keyPolicy = statementsBySid(policyDocFor(tf, resource(tf, "aws_kms_key", "key").policy));
    expect(keyPolicy.TestRole).toEqual({
      sid: "TestRole",
      effect: "Allow",
      principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/test"] }],
      actions: ["kms:Decrypt", "kms:DescribeKey"],
      resources: ["*"],
    });
    expect(keyPolicy.TestRoleViaDataBucket).toBeUndefined();
  });

  it("an SSE-S3 bucket needs no key, with or without the option", () => {
    const { bucket } = build({ kms: false });
    const role = new RecordingGrantee();
    bucket.grantRead(role, { keyViaS3Only: true });
    expect(role.policyNames).toEqual(["data-lake"]);
  });
});
