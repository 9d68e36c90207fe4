/**
 * LogBucket: where EMR cluster logs and the data-lake buckets' S3 server access logs land.
 *
 * Its default encryption is SSE-S3 because S3 server access log delivery cannot write into a
 * bucket whose default encryption is SSE-KMS. Nothing but logs is stored here, and logs expire.
 * Buckets that log here register themselves (`receiveAccessLogs`), so the log-delivery
 * statement names exactly the buckets that use it.
 */
import { Lazy } from "cdktf";
import { Construct } from "constructs";
import { servicePrincipals, type Grantee } from "./policy-document";
import { SecureBucket, type AccessLogTarget } from "./secure-bucket";

/** Prefix under which S3 server access logs are delivered, one folder per source bucket. */
export const ACCESS_LOG_PREFIX = "s3-access";

export interface LogBucketProps {
  /** Globally unique bucket name (envs/naming.ts). Required. */
  readonly bucketName: string;
  /** The account whose buckets may deliver access logs here (aws:SourceAccount). Required. */
  readonly accountId: string;
  /** Days after which log objects expire. Default: 180. */
  readonly expirationDays?: number;
  /** Days after which noncurrent versions expire. Default: 30. */
  readonly noncurrentVersionExpirationDays?: number;
  /** Incomplete multipart uploads are aborted after this many days. Default: 7. */
  readonly abortIncompleteUploadDays?: number;
}

export class LogBucket extends Construct implements AccessLogTarget {
  readonly bucket: SecureBucket;
  readonly name: string;
  readonly arn: string;
  private readonly sources: SecureBucket[] = [];

  constructor(scope: Construct, id: string, props: LogBucketProps) {
    super(scope, id);
    this.bucket = new SecureBucket(this, "bucket", {
      bucketName: props.bucketName,
      label: "Logs",
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
    });
    this.name = this.bucket.name;
    this.arn = this.bucket.arn;
    this.bucket.policy.add({
      sid: "S3ServerAccessLogDelivery",
      effect: "Allow",
      principals: servicePrincipals("logging.s3.amazonaws.com"),
      actions: ["s3:PutObject"],
      resources: [`${this.arn}/${ACCESS_LOG_PREFIX}/*`],
      condition: [
        { test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] },
        // Resolved at synth: exactly the buckets that registered with receiveAccessLogs.
        { test: "ArnLike", variable: "aws:SourceArn", values: Lazy.listValue({ produce: () => this.sources.map((b) => b.arn) }) },
      ],
    });
  }

  receiveAccessLogs(source: SecureBucket): { targetBucket: string; targetPrefix: string; dependsOn: SecureBucket["bucketPolicy"][] } {
    this.sources.push(source);
    return {
      targetBucket: this.name,
      targetPrefix: `${ACCESS_LOG_PREFIX}/${source.bucketName}/`,
      dependsOn: [this.bucket.bucketPolicy],
    };
  }

  /** Write (and list) only under `prefix/`: EMR's log pusher writes `<log_uri>/<cluster-id>/...`. */
  grantWrite(grantee: Grantee, prefix: string, sid: string): void {
    this.bucket.grantWrite(grantee, { prefix, sid });
  }

  /** `s3://<log bucket>/<prefix>/`, for a cluster's log_uri. */
  logUri(prefix: string): string {
    return `s3://${this.name}/${prefix}/`;
  }
}
