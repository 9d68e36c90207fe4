/**
 * The one naming function family. Every physical name the stack creates comes from here, so a
 * name is validated (in the schema) exactly as it is built (in the stack).
 */

/** Bucket roles; each bucket name contains its role. */
export const BUCKET_ROLES = ["logs", "bronze", "silver", "gold", "artifacts"] as const;
export type BucketRole = (typeof BUCKET_ROLES)[number];
export type LakeLayer = "bronze" | "silver" | "gold";
export const LAKE_LAYERS: readonly LakeLayer[] = ["bronze", "silver", "gold"];

interface NamingInput {
  readonly project: string;
  readonly environment: string;
  readonly accountId: string;
  readonly dataLake: { readonly bucketPrefix?: string };
}

/** `<project>-<environment>`: the stack name and the prefix of most resource names. */
export function stackName(cfg: Pick<NamingInput, "project" | "environment">): string {
  return `${cfg.project}-${cfg.environment}`;
}

/** `<bucketPrefix>-<role>-<accountId>`; the account id keeps names globally unique. */
export function bucketName(cfg: NamingInput, role: BucketRole): string {
  const prefix = cfg.dataLake.bucketPrefix ?? stackName(cfg);
  return `${prefix}-${role}-${cfg.accountId}`;
}

/** Glue database names are lowercase with underscores (Athena and Spark SQL dislike hyphens). */
export function databaseName(cfg: Pick<NamingInput, "project" | "environment">, layer: LakeLayer): string {
  return `${cfg.project}_${cfg.environment}_${layer}`.replace(/-/g, "_");
}

/** CloudWatch log groups of an environment all live under this prefix (the KMS key policy relies on it). */
export function logGroupPrefix(cfg: Pick<NamingInput, "project" | "environment">): string {
  return `/${cfg.project}/${cfg.environment}`;
}
