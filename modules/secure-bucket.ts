/**
 * SecureBucket: the one S3 bucket building block. Every bucket in the platform is one of these,
 * so every bucket gets the same baseline: versioning, default encryption, public access fully
 * blocked, ACLs disabled, a TLS-only bucket policy, lifecycle hygiene and (optionally) access
 * logging and destroy protection.
 *
 * Grants live here, next to the ARNs they name, and include what the grant needs: reading a
 * KMS-encrypted bucket also grants decrypt on its key.
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
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { EncryptionKey } from "./encryption-key";
import { PolicyDocument, awsPrincipals, denyInsecureTransport, type Grantee, type Statement } from "./policy-document";

/** Default encryption of a bucket. */
export type BucketEncryption =
  /** SSE-KMS with the environment key and S3 bucket keys (the default for data). */
  | { readonly kind: "kms"; readonly key: EncryptionKey }
  /**
   * SSE-S3. Only for a bucket that receives S3 server access logs: log delivery cannot
   * write to a bucket whose default encryption is SSE-KMS.
   */
  | { readonly kind: "s3" };

/** A bucket that receives other buckets' S3 server access logs (the log bucket). */
export interface AccessLogTarget {
  /**
   * Admits `source`'s log delivery and says where its logs go. The logging configuration
   * waits for `dependsOn` (the target's bucket policy): S3 refuses a logging configuration
   * whose target does not yet let log delivery write.
   */
  receiveAccessLogs(source: SecureBucket): { targetBucket: string; targetPrefix: string; dependsOn: ITerraformDependable[] };
}

export interface SecureBucketProps {
  /** Globally unique bucket name (envs/naming.ts). Required; ForceNew. */
  readonly bucketName: string;
  /** PascalCase label for grant statement ids, e.g. `Bronze` (`ReadBronzeObjects`). Required. */
  readonly label: string;
  /** Default encryption. Required: there is no unencrypted option. */
  readonly encryption: BucketEncryption;
  /** Where S3 server access logs go. Default: not logged (only the log bucket itself should use this). */
  readonly accessLogs?: AccessLogTarget;
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

/** Options of a grant: a key prefix to limit it to, and the statement id to use. */
export interface BucketGrantOptions {
  /** Only objects under `<prefix>/`, and listing only that prefix. Default: the whole bucket. */
  readonly prefix?: string;
  /** Statement id of the object statement (the list statement adds `List`). Default: from the label. */
  readonly sid?: string;
  /**
   * Read grants only: the key decrypts only through S3, for this bucket's objects
   * (`kms:ViaService` and the bucket key's encryption context, the bucket ARN), so the grantee
   * cannot use the key for anything else. Default: false (plain key use, as most readers need).
   */
  readonly keyViaS3Only?: boolean;
}

/** The inline policy of a grantee that holds its S3 statements. */
export const S3_POLICY_NAME = "data-lake";

const READ_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion"];
const PUT_ACTIONS = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];
/** Spark's dynamic partition overwrite deletes what it replaces. */
const READ_WRITE_ACTIONS = [...READ_ACTIONS, "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];
const LIST_ACTIONS = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"];

export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  /** The bucket's name as a Terraform reference: use it in resource arguments, so they depend on the bucket. */
  readonly name: string;
  readonly arn: string;
  /**
   * The configured name, known at synth. Only for run-time strings outside Terraform's graph
   * (job arguments, step files, log prefixes); resource arguments use `name`.
   */
  readonly bucketName: string;
  readonly label: string;
  /** The key objects are encrypted with, if SSE-KMS. */
  readonly key?: EncryptionKey;
  /** The bucket policy document; constructs may add statements until synth. */
  readonly policy: PolicyDocument;
  readonly bucketPolicy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const preventDestroy = props.preventDestroy ?? true;
    this.bucketName = props.bucketName;
    this.label = props.label;
    this.key = props.encryption.kind === "kms" ? props.encryption.key : undefined;
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
        this.key
          ? {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.keyArn },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });

    const resources = [this.arn, `${this.arn}/*`];
    const statements: Statement[] = [denyInsecureTransport(resources)];
    if (this.key) {
      // Belt and braces on top of default encryption: a client that asks for anything but
      // SSE-KMS under the environment key is refused outright. A client must therefore name
      // both (`aws s3 cp --sse aws:kms --sse-kms-key-id <key ARN>`): without the key id,
      // StringNotEqualsIfExists evaluates to true and the upload is denied.
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
              values: [this.key.keyArn],
            },
          ],
        },
      );
    }
    this.policy = new PolicyDocument(this, "policy", [...statements, ...(props.policyStatements ?? [])]);
    this.bucketPolicy = new S3BucketPolicy(this, "bucket-policy", { bucket: this.bucket.id, policy: this.policy.json });

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
      const target = props.accessLogs.receiveAccessLogs(this);
      new S3BucketLoggingA(this, "logging", {
        bucket: this.bucket.id,
        targetBucket: target.targetBucket,
        targetPrefix: target.targetPrefix,
        dependsOn: target.dependsOn,
      });
    }
  }

  /** `s3://<bucket>/<path>` with the configured name, for run-time arguments. */
  s3Uri(path = ""): string {
    return path ? `s3://${this.bucketName}/${path}` : `s3://${this.bucketName}`;
  }

  /** Read objects (and decrypt them). */
  grantRead(grantee: Grantee, options: BucketGrantOptions = {}): void {
    this.grantObjects(grantee, READ_ACTIONS, `Read${this.label}Objects`, options);
    if (!this.key) return;
    if (!options.keyViaS3Only) {
      this.key.grantDecrypt(grantee);
      return;
    }
    this.key.grantDecrypt(grantee, {
      purpose: `Via${this.label}Bucket`,
      condition: [
        { test: "StringEquals", variable: "kms:ViaService", values: [`s3.${this.key.env.region}.amazonaws.com`] },
        // With S3 Bucket Keys the context is the bucket ARN (object ARNs for objects from before).
        { test: "StringLike", variable: "kms:EncryptionContext:aws:s3:arn", values: [this.arn, `${this.arn}/*`] },
      ],
    });
  }

  /** Write objects (and encrypt them), without reading or deleting: for log and result writers. */
  grantWrite(grantee: Grantee, options: BucketGrantOptions = {}): void {
    this.grantObjects(grantee, PUT_ACTIONS, `Write${this.label}Objects`, options);
    if (this.key) this.key.grantEncryptDecrypt(grantee);
  }

  /** Read, write and delete objects (and use the key both ways). */
  grantReadWrite(grantee: Grantee, options: BucketGrantOptions = {}): void {
    this.grantObjects(grantee, READ_WRITE_ACTIONS, `ReadWrite${this.label}Objects`, options);
    if (this.key) this.key.grantEncryptDecrypt(grantee);
  }

  private grantObjects(grantee: Grantee, actions: string[], defaultSid: string, options: BucketGrantOptions): void {
    const sid = options.sid ?? defaultSid;
    const { prefix } = options;
    grantee.addToPolicy(
      S3_POLICY_NAME,
      { sid, effect: "Allow", actions, resources: [prefix ? `${this.arn}/${prefix}/*` : `${this.arn}/*`] },
      ...(prefix
        ? [
            {
              sid: `${sid}List`,
              effect: "Allow",
              actions: ["s3:ListBucket"],
              resources: [this.arn],
              condition: [{ test: "StringLike", variable: "s3:prefix", values: [`${prefix}/*`, prefix] }],
            },
            // Only ListBucket requests carry s3:prefix: a location lookup under that condition
            // would never be allowed (Athena, the SDKs and the CLI look the region up).
            { sid: `${sid}Location`, effect: "Allow", actions: ["s3:GetBucketLocation"], resources: [this.arn] },
          ]
        : [{ sid: `List${this.label}`, effect: "Allow", actions: LIST_ACTIONS, resources: [this.arn] }]),
    );
  }
}
