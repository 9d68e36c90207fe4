/**
 * DataLake: the bronze (raw), silver, gold and artifacts buckets, all SSE-KMS under the
 * environment key, access-logged to the log bucket, with lifecycle tiers on bronze and
 * destroy protection on the data layers.
 *
 * Bronze objects older than `bronzeGlacierDays` are in Glacier Flexible Retrieval: a backfill
 * cannot read them until they are restored (docs/operations.md, "Backfilling old dates").
 *
 * Grants live here, next to the ARNs they name: `lake.grantRead(role, "bronze")` gives the
 * role what reading bronze takes (the objects, the listing, decrypt on the key) and nothing more.
 */
import { Construct } from "constructs";
import { LAKE_BUCKETS, type LakeBucket } from "../envs/naming";
import type { EncryptionKey } from "./encryption-key";
import type { Grantee } from "./policy-document";
import { SecureBucket, type AccessLogTarget, type BucketGrantOptions } from "./secure-bucket";

export interface DataLakeProps {
  /** Bucket name per lake bucket (envs/naming.ts). Required. */
  readonly bucketNames: Readonly<Record<LakeBucket, string>>;
  /** The environment key: SSE-KMS default encryption of every lake bucket. Required. */
  readonly key: EncryptionKey;
  /** Access logs of every lake bucket are delivered here. Required. */
  readonly logBucket: AccessLogTarget;
  /** Bronze moves to Standard-IA at this age. Default: 30. */
  readonly bronzeInfrequentAccessDays?: number;
  /** Bronze moves to Glacier Flexible Retrieval at this age. Default: 90. */
  readonly bronzeGlacierDays?: number;
  /** Noncurrent versions expire after this many days. Default: 90. */
  readonly noncurrentVersionExpirationDays?: number;
  /** Incomplete multipart uploads are aborted after this many days. Default: 7. */
  readonly abortIncompleteUploadDays?: number;
  /**
   * `prevent_destroy` on bronze, silver and gold: a plan that would delete them fails.
   * Artifacts are rebuilt from the repository and are never protected. Default: true.
   */
  readonly destroyProtection?: boolean;
  /** A prefix of the artifacts bucket for query results, expired after a number of days. Default: none. */
  readonly queryResults?: { readonly prefix: string; readonly expirationDays: number };
}

export class DataLake extends Construct {
  readonly buckets: Readonly<Record<LakeBucket, SecureBucket>>;

  constructor(scope: Construct, id: string, props: DataLakeProps) {
    super(scope, id);
    const protect = props.destroyProtection ?? true;
    const make = (bucket: LakeBucket, extra: Partial<ConstructorParameters<typeof SecureBucket>[2]> = {}) =>
      new SecureBucket(this, bucket, {
        bucketName: props.bucketNames[bucket],
        label: bucket.charAt(0).toUpperCase() + bucket.slice(1),
        encryption: { kind: "kms", key: props.key },
        accessLogs: props.logBucket,
        noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays ?? 90,
        abortIncompleteUploadDays: props.abortIncompleteUploadDays ?? 7,
        preventDestroy: bucket !== "artifacts" && protect,
        ...extra,
      });

    this.buckets = {
      bronze: make("bronze", {
        lifecycleRules: [
          {
            id: "bronze-tiering",
            status: "Enabled",
            filter: [{ prefix: "" }],
            transition: [
              { days: props.bronzeInfrequentAccessDays ?? 30, storageClass: "STANDARD_IA" },
              { days: props.bronzeGlacierDays ?? 90, storageClass: "GLACIER" },
            ],
          },
        ],
      }),
      silver: make("silver"),
      gold: make("gold"),
      artifacts: make("artifacts", {
        lifecycleRules: props.queryResults
          ? [
              {
                id: "expire-query-results",
                status: "Enabled",
                filter: [{ prefix: `${props.queryResults.prefix}/` }],
                expiration: [{ days: props.queryResults.expirationDays }],
                // The bucket is versioned: without this, expired results stay as old versions.
                noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
              },
            ]
          : [],
      }),
    };
  }

  /** Read one bucket's objects (and decrypt them). */
  grantRead(grantee: Grantee, bucket: LakeBucket, options?: BucketGrantOptions): void {
    this.buckets[bucket].grantRead(grantee, options);
  }

  /** Read, write and delete one bucket's objects (Spark's dynamic partition overwrite deletes). */
  grantReadWrite(grantee: Grantee, bucket: LakeBucket, options?: BucketGrantOptions): void {
    this.buckets[bucket].grantReadWrite(grantee, options);
  }

  /** Every lake bucket, for allow-lists such as the S3 gateway endpoint policy. */
  get all(): SecureBucket[] {
    return LAKE_BUCKETS.map((b) => this.buckets[b]);
  }
}
