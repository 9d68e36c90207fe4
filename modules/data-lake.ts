/**
 * DataLake: the bronze (raw), silver, gold and artifacts buckets, all SSE-KMS under the
 * environment key, access-logged to the log bucket, with lifecycle tiers on bronze and
 * destroy protection on the data layers.
 *
 * Grants live here, next to the ARNs they name: `lake.grantRead("bronze")` returns the
 * identity-policy statements a role needs, and nothing more.
 */
import { Construct } from "constructs";
import type { LakeLayer } from "../envs/naming";
import type { LogBucket } from "./logging";
import type { Statement } from "./policy";
import { SecureBucket } from "./secure-bucket";

export type LakeBucket = LakeLayer | "artifacts";
export const LAKE_BUCKETS: readonly LakeBucket[] = ["bronze", "silver", "gold", "artifacts"];

export interface DataLakeProps {
  /** Bucket name per role (from envs/naming.ts). */
  readonly bucketNames: Record<LakeBucket, string>;
  /** ARN of the environment KMS key used for SSE-KMS. */
  readonly keyArn: string;
  /** Access logs of every lake bucket are delivered here. */
  readonly logBucket: LogBucket;
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
}

const READ_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion"];
const WRITE_ACTIONS = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];
const LIST_ACTIONS = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"];

export class DataLake extends Construct {
  readonly buckets: Record<LakeBucket, SecureBucket>;

  constructor(scope: Construct, id: string, props: DataLakeProps) {
    super(scope, id);
    const protect = props.destroyProtection ?? true;
    const make = (role: LakeBucket, extra: Partial<ConstructorParameters<typeof SecureBucket>[2]> = {}) =>
      new SecureBucket(this, role, {
        bucketName: props.bucketNames[role],
        encryption: { kind: "kms", keyArn: props.keyArn },
        accessLogs: props.logBucket.accessLogTarget(props.bucketNames[role]),
        noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays ?? 90,
        abortIncompleteUploadDays: props.abortIncompleteUploadDays ?? 7,
        preventDestroy: role !== "artifacts" && protect,
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
      artifacts: make("artifacts"),
    };
  }

  /** Read objects of one bucket. */
  grantRead(role: LakeBucket): Statement[] {
    const b = this.buckets[role];
    return [
      { sid: `Read${title(role)}Objects`, effect: "Allow", actions: READ_ACTIONS, resources: [`${b.arn}/*`] },
      { sid: `List${title(role)}`, effect: "Allow", actions: LIST_ACTIONS, resources: [b.arn] },
    ];
  }

  /** Read, write and delete objects of one bucket (Spark's dynamic partition overwrite deletes). */
  grantReadWrite(role: LakeBucket): Statement[] {
    const b = this.buckets[role];
    return [
      {
        sid: `ReadWrite${title(role)}Objects`,
        effect: "Allow",
        actions: [...READ_ACTIONS, ...WRITE_ACTIONS],
        resources: [`${b.arn}/*`],
      },
      { sid: `List${title(role)}`, effect: "Allow", actions: LIST_ACTIONS, resources: [b.arn] },
    ];
  }

  /** Every lake bucket ARN, for allow-lists such as the S3 gateway endpoint policy. */
  get bucketArns(): string[] {
    return LAKE_BUCKETS.map((r) => this.buckets[r].arn);
  }
}

function title(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
