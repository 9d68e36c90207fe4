/**
 * LogBucket: where EMR cluster logs and the data-lake buckets' S3 server access logs land.
 *
 * Its default encryption is SSE-S3 because S3 server access log delivery cannot write into a
 * bucket whose default encryption is SSE-KMS. Nothing but logs is stored here, and logs expire.
 */
import { Construct } from "constructs";
import { servicePrincipals, type Statement } from "./policy";
import { SecureBucket } from "./secure-bucket";

/** Prefix under which S3 server access logs are delivered, one folder per source bucket. */
export const ACCESS_LOG_PREFIX = "s3-access";

export interface LogBucketProps {
  readonly bucketName: string;
  readonly accountId: string;
  /** Names of the buckets whose access logs are delivered here. */
  readonly sourceBucketNames: string[];
  /** Days after which log objects expire. Default: 180. */
  readonly expirationDays?: number;
  /** Days after which noncurrent versions expire. Default: 30. */
  readonly noncurrentVersionExpirationDays?: number;
  /** Incomplete multipart uploads are aborted after this many days. Default: 7. */
  readonly abortIncompleteUploadDays?: number;
}

export class LogBucket extends Construct {
  readonly bucket: SecureBucket;
  readonly name: string;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: LogBucketProps) {
    super(scope, id);
    const arn = `arn:aws:s3:::${props.bucketName}`;
    const logDelivery: Statement = {
      sid: "S3ServerAccessLogDelivery",
      effect: "Allow",
      principals: servicePrincipals("logging.s3.amazonaws.com"),
      actions: ["s3:PutObject"],
      resources: [`${arn}/${ACCESS_LOG_PREFIX}/*`],
      condition: [
        { test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] },
        { test: "ArnLike", variable: "aws:SourceArn", values: props.sourceBucketNames.map((n) => `arn:aws:s3:::${n}`) },
      ],
    };
    this.bucket = new SecureBucket(this, "bucket", {
      bucketName: props.bucketName,
      encryption: { kind: "s3" },
      // Logs are disposable by design; never block an environment teardown on them.
      preventDestroy: false,
      noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays ?? 30,
      abortIncompleteUploadDays: props.abortIncompleteUploadDays ?? 7,
      lifecycleRules: [
        {
          id: "expire-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: props.expirationDays ?? 180 }],
        },
      ],
      policyStatements: [logDelivery],
    });
    this.name = this.bucket.name;
    this.arn = this.bucket.arn;
  }

  /** Where a source bucket's access logs go (for `SecureBucketProps.accessLogs`). */
  accessLogTarget(sourceBucketName: string): { targetBucket: string; targetPrefix: string } {
    return { targetBucket: this.name, targetPrefix: `${ACCESS_LOG_PREFIX}/${sourceBucketName}/` };
  }

  /** Identity-policy statements: write (and list) only under `prefix/`. */
  grantWritePrefix(prefix: string, sid = "WriteOwnLogPrefix"): Statement[] {
    return [
      {
        sid,
        effect: "Allow",
        actions: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        resources: [`${this.arn}/${prefix}/*`],
      },
      {
        sid: `${sid}List`,
        effect: "Allow",
        actions: ["s3:ListBucket", "s3:GetBucketLocation"],
        resources: [this.arn],
        condition: [{ test: "StringLike", variable: "s3:prefix", values: [`${prefix}/*`, prefix] }],
      },
    ];
  }
}
