import { describe, expect, it } from "vitest";
import { policyDocFor, resources, statementsBySid, synthEnv, type EnvName } from "../support/synth";

/** Sub-resources of the bucket whose construct id path contains `fragment`. */
function bucketParts(tf: any, fragment: string) {
  const pick = (type: string) => {
    const found = Object.entries(tf.resource[type] ?? {}).filter(([n]) => n.startsWith(fragment));
    return found.length === 1 ? (found[0][1] as any) : undefined;
  };
  return {
    bucket: pick("aws_s3_bucket"),
    sse: pick("aws_s3_bucket_server_side_encryption_configuration"),
    versioning: pick("aws_s3_bucket_versioning"),
    pab: pick("aws_s3_bucket_public_access_block"),
    ownership: pick("aws_s3_bucket_ownership_controls"),
    policy: pick("aws_s3_bucket_policy"),
    lifecycle: pick("aws_s3_bucket_lifecycle_configuration"),
    logging: pick("aws_s3_bucket_logging"),
  };
}

const LAKE = ["bronze", "silver", "gold", "artifacts"] as const;

describe.each<EnvName>(["dev", "prod"])("buckets (%s)", (env) => {
  const { tf, stack } = synthEnv(env);
  const cfg = stack.config;

  it("creates exactly five buckets, each name containing its role", () => {
    const names = resources(tf, "aws_s3_bucket").map(([, b]) => b.bucket).sort();
    expect(names).toEqual(["artifacts", "bronze", "gold", "logs", "silver"].map((r) => `marketpulse-${env}-${r}-${cfg.accountId}`));
  });

  it.each(["logs_bucket_", ...LAKE.map((l) => `lake_${l}_`)])("%s has the secure baseline", (fragment) => {
    const p = bucketParts(tf, fragment);
    expect(p.bucket.force_destroy).toBe(false);
    expect(p.versioning.versioning_configuration.status).toBe("Enabled");
    expect(p.pab).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(p.ownership.rule.object_ownership).toBe("BucketOwnerEnforced");
    const policy = statementsBySid(policyDocFor(tf, p.policy.policy));
    expect(policy.DenyInsecureTransport).toMatchObject({
      effect: "Deny",
      condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
    });
    const hygiene = p.lifecycle.rule.find((r: any) => r.id === "hygiene");
    expect(hygiene.abort_incomplete_multipart_upload[0].days_after_initiation).toBe(cfg.dataLake.abortIncompleteUploadDays);
    // Each bucket keeps noncurrent versions as long as its own config says: the lake's setting, or the log bucket's.
    expect(hygiene.noncurrent_version_expiration[0].noncurrent_days).toBe(
      fragment.startsWith("logs") ? cfg.logging.noncurrentVersionExpirationDays : cfg.dataLake.noncurrentVersionExpirationDays,
    );
  });

  it.each(LAKE)("%s uses SSE-KMS with the environment key and bucket keys, denies unencrypted uploads, logs access", (layer) => {
    const p = bucketParts(tf, `lake_${layer}_`);
    const rule = p.sse.rule[0];
    expect(rule.apply_server_side_encryption_by_default.sse_algorithm).toBe("aws:kms");
    expect(rule.apply_server_side_encryption_by_default.kms_master_key_id).toMatch(/aws_kms_key\.kms_key_.*\.arn/);
    expect(rule.bucket_key_enabled).toBe(true);
    const policy = statementsBySid(policyDocFor(tf, p.policy.policy));
    expect(policy.DenyNonKmsUploads.condition).toEqual([
      { test: "StringNotEquals", variable: "s3:x-amz-server-side-encryption", values: ["aws:kms"] },
    ]);
    expect(policy.DenyOtherKmsKeys.effect).toBe("Deny");
    expect(p.logging.target_prefix).toBe(`s3-access/marketpulse-${env}-${layer}-${cfg.accountId}/`);
    expect(p.logging.target_bucket).toMatch(/aws_s3_bucket\.logs_bucket_.*\.bucket/);
    // S3 refuses a logging configuration before the target's policy admits log delivery.
    expect(p.logging.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_policy\.logs_bucket_bucket-policy_\w+$/)]);
    expect(p.lifecycle.rule.find((r: any) => r.id === "hygiene").noncurrent_version_expiration[0].noncurrent_days).toBe(
      cfg.dataLake.noncurrentVersionExpirationDays,
    );
  });

  it("tiers bronze to Standard-IA and then Glacier as configured", () => {
    const rule = bucketParts(tf, "lake_bronze_").lifecycle.rule.find((r: any) => r.id === "bronze-tiering");
    expect(rule.transition).toEqual([
      { days: cfg.dataLake.bronzeInfrequentAccessDays, storage_class: "STANDARD_IA" },
      { days: cfg.dataLake.bronzeGlacierDays, storage_class: "GLACIER" },
    ]);
  });

  it("protects bronze, silver and gold from destroy exactly when configured; never artifacts or logs", () => {
    for (const layer of ["bronze", "silver", "gold"]) {
      expect(bucketParts(tf, `lake_${layer}_`).bucket.lifecycle.prevent_destroy).toBe(cfg.dataLake.destroyProtection);
    }
    expect(bucketParts(tf, "lake_artifacts_").bucket.lifecycle.prevent_destroy).toBe(false);
    expect(bucketParts(tf, "logs_bucket_").bucket.lifecycle.prevent_destroy).toBe(false);
  });

  it("the log bucket uses SSE-S3, expires logs and admits only S3 log delivery from the lake buckets", () => {
    const p = bucketParts(tf, "logs_bucket_");
    expect(p.sse.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("AES256");
    expect(p.logging).toBeUndefined();
    const expire = p.lifecycle.rule.find((r: any) => r.id === "expire-logs");
    expect(expire.expiration[0].days).toBe(cfg.logging.logBucketExpirationDays);
    const delivery = statementsBySid(policyDocFor(tf, p.policy.policy)).S3ServerAccessLogDelivery;
    expect(delivery.principals).toEqual([{ type: "Service", identifiers: ["logging.s3.amazonaws.com"] }]);
    expect(delivery.actions).toEqual(["s3:PutObject"]);
    expect(delivery.condition).toContainEqual({ test: "StringEquals", variable: "aws:SourceAccount", values: [cfg.accountId] });
    // Exactly the four lake buckets, by reference (so the policy waits for them).
    const sources = delivery.condition.find((c: any) => c.variable === "aws:SourceArn").values as string[];
    expect(sources.map((v) => /^\$\{aws_s3_bucket\.lake_(\w+?)_bucket_\w+\.arn\}$/.exec(v)?.[1]).sort()).toEqual([...LAKE].sort());
  });
});

describe("catalog", () => {
  it.each<EnvName>(["dev", "prod"])("has bronze, silver and gold databases and KMS-encrypted metadata (%s)", (env) => {
    const { json, tf, stack } = synthEnv(env);
    const dbs = resources(tf, "aws_glue_catalog_database").map(([, d]) => [d.name, d.location_uri]).sort();
    expect(dbs).toEqual(
      ["bronze", "gold", "silver"].map((l) => [`marketpulse_${env}_${l}`, expect.stringMatching(new RegExp(`^s3://\\$\\{aws_s3_bucket\\.lake_${l}_bucket_\\w+\\.bucket\\}/$`))]),
    );
    expect(stack.lake.buckets.bronze.bucketName).toBe(`marketpulse-${env}-bronze-${stack.config.accountId}`);
    expect(json).toHaveResourceWithProperties("aws_glue_data_catalog_encryption_settings", {
      data_catalog_encryption_settings: {
        encryption_at_rest: { catalog_encryption_mode: "SSE-KMS" },
        connection_password_encryption: { return_connection_password_encrypted: true },
      },
    });
  });
});
