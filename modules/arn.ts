/**
 * The one ARN helper. The schema accepts commercial regions only, so the partition is always
 * `aws`. ARNs are built from the environment's literal account and region rather than from
 * aws_caller_identity / aws_region data sources: the provider's allowed_account_ids already pins
 * the account, and literal ARNs keep policies readable in a synthesized plan.
 */

/** Where a construct's resources live. */
export interface AwsEnvironment {
  readonly accountId: string;
  readonly region: string;
}

export const PARTITION = "aws";

/**
 * `arn:aws:<service>:<region>:<account>:<resource>`. Global services (IAM, S3, Budgets) leave
 * the region empty; S3 bucket ARNs leave the account empty too.
 */
export function arn(service: string, resource: string, at: { readonly region?: string; readonly account?: string } = {}): string {
  return `arn:${PARTITION}:${service}:${at.region ?? ""}:${at.account ?? ""}:${resource}`;
}

/** A regional resource of the environment's account. */
export function regionalArn(env: AwsEnvironment, service: string, resource: string): string {
  return arn(service, resource, { region: env.region, account: env.accountId });
}

/** The account itself as a principal (`arn:aws:iam::<account>:root`). */
export function accountRootArn(env: Pick<AwsEnvironment, "accountId">): string {
  return arn("iam", "root", { account: env.accountId });
}

/** A bucket by name (`arn:aws:s3:::<bucket>`), for buckets the stack does not own. */
export function bucketArn(bucket: string): string {
  return arn("s3", bucket);
}

/** CloudWatch log groups whose names match `pattern` (e.g. `/marketpulse/dev/*`). */
export function logGroupArn(env: AwsEnvironment, pattern: string): string {
  return regionalArn(env, "logs", `log-group:${pattern}`);
}

/** An AWS managed IAM policy, e.g. `service-role/AmazonEMRServicePolicy_v2`. */
export function managedPolicyArn(path: string): string {
  return arn("iam", `policy/${path}`, { account: "aws" });
}
