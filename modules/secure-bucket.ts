/**
 * SecureBucket: the one S3 bucket building block. Every bucket in the platform is one of these,
 * so every bucket gets the same baseline: versioning, default encryption, public access fully
 * blocked, ACLs disabled, a TLS-only bucket policy, lifecycle hygiene and (optionally) access
 * logging and destroy protection.
 */
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import {
  S3BucketLifecycleConfiguration,
  type S3BucketLifecycleConfigurationRule,
} from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { PolicyDocument, awsPrincipals, denyInsecureTransport, type Statement } from "./policy";

/** Default encryption of a bucket. */
export type BucketEncryption =
  /** SSE-KMS with the given customer-managed key and S3 bucket keys (the default for data). */
  | { readonly kind: "kms"; readonly keyArn: string }
  /**
   * SSE-S3. Only for a bucket that receives S3 server access logs: log delivery cannot
   * write to a bucket whose default encryption is SSE-KMS.
   */
  | { readonly kind: "s3" };

export interface SecureBucketProps {
  /** Globally unique bucket name (from envs/naming.ts). */
  readonly bucketName: string;
  /** Default encryption. Required: there is no unencrypted option. */
  readonly encryption: BucketEncryption;
  /** Where S3 server access logs go. Default: not logged (only the log bucket itself should use this). */
  readonly accessLogs?: { readonly targetBucket: string; readonly targetPrefix: string };
  /** Extra lifecycle rules (e.g. storage-class transitions). Default: none beyond the hygiene rule. */
  readonly lifecycleRules?: S3BucketLifecycleConfigurationRule[];
  /** Days after which noncurrent versions expire. Default: 90. */
  readonly noncurrentVersionExpirationDays?: number;
  /** Days after which incomplete multipart uploads are aborted. Default: 7. */
  readonly abortIncompleteUploadDays?: number;
  /** Terraform `prevent_destroy`, so a plan that would delete the bucket fails. Default: true. */
  readonly preventDestroy?: boolean;
  /** Extra bucket-policy statements (e.g. log-delivery grants). Default: none. */
  readonly policyStatements?: Statement[];
}

export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly name: string;
  readonly arn: string;
  /** The bucket policy document; constructs may add statements until synth. */
  readonly policy: PolicyDocument;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const preventDestroy = props.preventDestroy ?? true;
    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      // Never empty a bucket on destroy: data is only removed on purpose, object by object.
      forceDestroy: false,
      lifecycle: { preventDestroy },
    });
    this.name = this.bucket.bucket;
    this.arn = this.bucket.arn;

    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketPublicAccessBlock(this, "public-access", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketVersioningA(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [
        props.encryption.kind === "kms"
          ? {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.encryption.keyArn },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });

    const resources = [this.arn, `${this.arn}/*`];
    const statements: Statement[] = [denyInsecureTransport(resources)];
    if (props.encryption.kind === "kms") {
      // Belt and braces on top of default encryption: a client that asks for anything but
      // SSE-KMS under the environment key is refused outright.
      statements.push(
        {
          sid: "DenyNonKmsUploads",
          effect: "Deny",
          actions: ["s3:PutObject"],
          resources: [`${this.arn}/*`],
          principals: awsPrincipals("*"),
          condition: [{ test: "StringNotEquals", variable: "s3:x-amz-server-side-encryption", values: ["aws:kms"] }],
        },
        {
          sid: "DenyOtherKmsKeys",
          effect: "Deny",
          actions: ["s3:PutObject"],
          resources: [`${this.arn}/*`],
          principals: awsPrincipals("*"),
          condition: [
            {
              test: "StringNotEqualsIfExists",
              variable: "s3:x-amz-server-side-encryption-aws-kms-key-id",
              values: [props.encryption.keyArn],
            },
          ],
        },
      );
    }
    this.policy = new PolicyDocument(this, "policy", [...statements, ...(props.policyStatements ?? [])]);
    new S3BucketPolicy(this, "bucket-policy", { bucket: this.bucket.id, policy: this.policy.json });

    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "hygiene",
          status: "Enabled",
          filter: [{ prefix: "" }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: props.abortIncompleteUploadDays ?? 7 }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays ?? 90 }],
          expiration: [{ expiredObjectDeleteMarker: true }],
        },
        ...(props.lifecycleRules ?? []),
      ],
    });

    if (props.accessLogs) {
      new S3BucketLoggingA(this, "logging", {
        bucket: this.bucket.id,
        targetBucket: props.accessLogs.targetBucket,
        targetPrefix: props.accessLogs.targetPrefix,
      });
    }
  }
}
