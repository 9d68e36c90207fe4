/**
 * The ARN helpers are pure functions: each expectation is the literal ARN AWS documents for
 * that resource type, never rebuilt with the helper's own template.
 */
import { describe, expect, it } from "vitest";
import { PARTITION, accountRootArn, arn, bucketArn, logGroupArn, managedPolicyArn, regionalArn } from "../../modules/arn";
import { TEST_ENV } from "../support/bare-stack";

describe("arn helpers", () => {
  it("the partition is always the commercial one", () => {
    expect(PARTITION).toBe("aws");
  });

  it("arn leaves region and account empty unless given", () => {
    expect(arn("s3", "test-data")).toBe("arn:aws:s3:::test-data");
    expect(arn("iam", "role/test", { account: "123456789012" })).toBe("arn:aws:iam::123456789012:role/test");
    expect(arn("glue", "catalog", { region: "eu-central-1", account: "123456789012" })).toBe("arn:aws:glue:eu-central-1:123456789012:catalog");
  });

  it("regionalArn pins the environment's region and account", () => {
    expect(regionalArn(TEST_ENV, "elasticmapreduce", "*")).toBe("arn:aws:elasticmapreduce:eu-central-1:123456789012:*");
    expect(regionalArn(TEST_ENV, "ec2", "instance/*")).toBe("arn:aws:ec2:eu-central-1:123456789012:instance/*");
  });

  it("accountRootArn is the account as a principal, with no region", () => {
    expect(accountRootArn(TEST_ENV)).toBe("arn:aws:iam::123456789012:root");
    expect(accountRootArn({ accountId: "210987654321" })).toBe("arn:aws:iam::210987654321:root");
  });

  it("bucketArn leaves both region and account empty (S3 bucket ARNs carry neither)", () => {
    expect(bucketArn("repo.eu-central-1.emr.amazonaws.com")).toBe("arn:aws:s3:::repo.eu-central-1.emr.amazonaws.com");
  });

  it("logGroupArn names log groups by pattern in the environment", () => {
    expect(logGroupArn(TEST_ENV, "/test/*")).toBe("arn:aws:logs:eu-central-1:123456789012:log-group:/test/*");
  });

  it("managedPolicyArn uses the `aws` account and no region", () => {
    expect(managedPolicyArn("service-role/AmazonEMRServicePolicy_v2")).toBe("arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2");
    expect(managedPolicyArn("ReadOnlyAccess")).toBe("arn:aws:iam::aws:policy/ReadOnlyAccess");
  });
});
