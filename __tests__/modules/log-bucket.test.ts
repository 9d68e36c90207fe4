/**
 * LogBucket alone on a bare stack: SSE-S3 (log delivery cannot write to SSE-KMS), disposable
 * (never destroy-protected, logs expire), and a log-delivery statement that admits exactly the
 * buckets that registered with receiveAccessLogs.
 */
import { TerraformOutput } from "cdktf";
import { describe, expect, it } from "vitest";
import { LogBucket, type LogBucketProps } from "../../modules/log-bucket";
import { SecureBucket } from "../../modules/secure-bucket";
import { TEST_ENV, bareStack, synthBare } from "../support/bare-stack";
import { RecordingGrantee } from "../support/grantee";
import { policyDocFor, resource, statementsBySid, type TerraformJson } from "../support/terraform-json";

function build(props: Partial<LogBucketProps> = {}) {
  const stack = bareStack();
  const logs = new LogBucket(stack, "logs", { bucketName: "test-logs", accountId: TEST_ENV.accountId, ...props });
  return { stack, logs };
}

/** A data bucket that sends its access logs to `logs`. */
function source(stack: ReturnType<typeof bareStack>, id: string, logs: LogBucket): SecureBucket {
  return new SecureBucket(stack, id, { bucketName: `test-${id}`, label: "Data", encryption: { kind: "s3" }, preventDestroy: false, accessLogs: logs });
}

const LOG_BUCKET_ARN = /aws_s3_bucket\.logs_bucket_[0-9A-F]{8}\.arn/;

/** The log bucket's own bucket-policy statements, by sid. */
function logPolicy(tf: TerraformJson): Record<string, any> {
  return statementsBySid(policyDocFor(tf, resource(tf, "aws_s3_bucket_policy", "logs_").policy));
}

describe("LogBucket defaults", () => {
  const { stack } = build();
  const { tf, snapshot } = synthBare(stack);
  const part = (type: string) => resource(tf, type, "logs_");

  it("matches its snapshot", async () => {
    await expect(snapshot).toMatchFileSnapshot("__snapshots__/log-bucket.tf.json");
  });

  it("is SSE-S3, with no key anywhere", () => {
    expect(part("aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }]);
    expect(tf.resource.aws_kms_key).toBeUndefined();
    expect(Object.keys(logPolicy(tf))).toEqual(["DenyInsecureTransport", "S3ServerAccessLogDelivery"]);
  });

  it("is never destroy-protected, and never emptied by Terraform", () => {
    expect(part("aws_s3_bucket")).toEqual({ bucket: "test-logs", force_destroy: false, lifecycle: { prevent_destroy: false } });
  });

  it("expires logs after 180 days, noncurrent versions after 30, and incomplete uploads after 7", () => {
    const [hygiene, expiry] = part("aws_s3_bucket_lifecycle_configuration").rule;
    expect(hygiene).toMatchObject({
      id: "hygiene",
      noncurrent_version_expiration: [{ noncurrent_days: 30 }],
      abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
    });
    expect(expiry).toEqual({ id: "expire-logs", status: "Enabled", filter: [{ prefix: "" }], expiration: [{ days: 180 }] });
  });

  it("lets S3 log delivery put objects only under s3-access/, for this account's buckets", () => {
    const delivery = logPolicy(tf).S3ServerAccessLogDelivery;
    expect(delivery).toMatchObject({
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["logging.s3.amazonaws.com"] }],
      actions: ["s3:PutObject"],
      resources: [expect.stringMatching(new RegExp(`^\\$\\{${LOG_BUCKET_ARN.source}\\}/s3-access/\\*$`))],
    });
    expect(delivery.condition[0]).toEqual({ test: "StringEquals", variable: "aws:SourceAccount", values: ["123456789012"] });
  });

  it("with no bucket registered, the delivery statement admits no source bucket", () => {
    expect(logPolicy(tf).S3ServerAccessLogDelivery.condition[1]).toEqual({ test: "ArnLike", variable: "aws:SourceArn", values: [] });
  });

  it("is not access-logged itself", () => {
    expect(tf.resource.aws_s3_bucket_logging).toBeUndefined();
  });
});

describe("LogBucket access-log targets", () => {
  it("the delivery statement admits exactly the buckets that called receiveAccessLogs, by ARN reference", () => {
    const { stack, logs } = build();
    source(stack, "alpha", logs);
    source(stack, "beta", logs);
    new SecureBucket(stack, "unlogged", { bucketName: "test-unlogged", label: "Unlogged", encryption: { kind: "s3" } });
    const { tf } = synthBare(stack);
    expect(logPolicy(tf).S3ServerAccessLogDelivery.condition[1]).toEqual({
      test: "ArnLike",
      variable: "aws:SourceArn",
      values: [expect.stringMatching(/^\$\{aws_s3_bucket\.alpha_bucket_[0-9A-F]{8}\.arn\}$/), expect.stringMatching(/^\$\{aws_s3_bucket\.beta_bucket_[0-9A-F]{8}\.arn\}$/)],
    });
  });

  it("receiveAccessLogs returns the log bucket, the prefix s3-access/<source bucket name>/, and the log bucket's policy to wait for", () => {
    const { stack, logs } = build();
    const data = new SecureBucket(stack, "data", { bucketName: "test-data", label: "Data", encryption: { kind: "s3" } });
    const target = logs.receiveAccessLogs(data);
    expect(target.targetPrefix).toBe("s3-access/test-data/");
    expect(target.targetBucket).toBe(logs.name);
    expect(target.dependsOn).toHaveLength(1);
    expect(target.dependsOn[0]).toBe(logs.bucket.bucketPolicy);
  });

  it("a source's logging configuration points at the log bucket and waits for its policy", () => {
    const { stack, logs } = build();
    source(stack, "alpha", logs);
    const logging = resource(synthBare(stack).tf, "aws_s3_bucket_logging", "alpha_");
    expect(logging).toEqual({
      bucket: expect.stringMatching(/^\$\{aws_s3_bucket\.alpha_bucket_[0-9A-F]{8}\.id\}$/),
      target_bucket: expect.stringMatching(/^\$\{aws_s3_bucket\.logs_bucket_[0-9A-F]{8}\.bucket\}$/),
      target_prefix: "s3-access/test-alpha/",
      depends_on: [expect.stringMatching(/^aws_s3_bucket_policy\.logs_bucket_bucket-policy_[0-9A-F]{8}$/)],
    });
  });
});

describe("LogBucket options", () => {
  it("expirationDays, noncurrentVersionExpirationDays and abortIncompleteUploadDays set the lifecycle", () => {
    const { stack } = build({ expirationDays: 14, noncurrentVersionExpirationDays: 3, abortIncompleteUploadDays: 2 });
    const [hygiene, expiry] = resource(synthBare(stack).tf, "aws_s3_bucket_lifecycle_configuration", "logs_").rule;
    expect(hygiene.noncurrent_version_expiration).toEqual([{ noncurrent_days: 3 }]);
    expect(hygiene.abort_incomplete_multipart_upload).toEqual([{ days_after_initiation: 2 }]);
    expect(expiry.expiration).toEqual([{ days: 14 }]);
  });

  it("accountId is the only account whose buckets may deliver", () => {
    const { stack } = build({ accountId: "210987654321" });
    expect(logPolicy(synthBare(stack).tf).S3ServerAccessLogDelivery.condition[0].values).toEqual(["210987654321"]);
  });

  it("logUri is s3://<log bucket>/<prefix>/, by reference to the bucket", () => {
    const { stack, logs } = build();
    new TerraformOutput(stack, "log_uri", { value: logs.logUri("emr") });
    expect(synthBare(stack).tf.output.log_uri.value).toMatch(/^s3:\/\/\$\{aws_s3_bucket\.logs_bucket_[0-9A-F]{8}\.bucket\}\/emr\/$/);
  });
});

describe("LogBucket grants", () => {
  it("grantWrite(grantee, prefix, sid): put and list only under the prefix, and no key", () => {
    const { logs } = build();
    const role = new RecordingGrantee();
    logs.grantWrite(role, "emr", "WriteEmrLogs");
    expect(role.policyNames).toEqual(["data-lake"]);
    expect(role.statements("data-lake")).toEqual([
      { sid: "WriteEmrLogs", effect: "Allow", actions: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"], resources: [`${logs.arn}/emr/*`] },
      {
        sid: "WriteEmrLogsList",
        effect: "Allow",
        actions: ["s3:ListBucket"],
        resources: [logs.arn],
        condition: [{ test: "StringLike", variable: "s3:prefix", values: ["emr/*", "emr"] }],
      },
      // No condition: a location request carries no s3:prefix, so one would never match.
      { sid: "WriteEmrLogsLocation", effect: "Allow", actions: ["s3:GetBucketLocation"], resources: [logs.arn] },
    ]);
  });

  it("name and arn are the underlying bucket's", () => {
    const { logs } = build();
    expect(logs.name).toBe(logs.bucket.name);
    expect(logs.arn).toBe(logs.bucket.arn);
  });
});
