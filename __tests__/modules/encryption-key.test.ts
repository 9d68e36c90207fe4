/**
 * EncryptionKey alone on a bare stack: its defaults (30-day deletion window, rotation, alias),
 * a key policy that lists its users explicitly, and grants that add both sides at once (the
 * grantee's own statement on the key ARN and the grantee's entry in the key policy).
 */
import { TerraformOutput } from "cdktf";
import { describe, expect, it } from "vitest";
import { EncryptionKey, type EncryptionKeyProps } from "../../modules/encryption-key";
import { Role } from "../../modules/role";
import { TEST_ENV, bareStack, synthBare, testKey } from "../support/bare-stack";
import { RecordingGrantee } from "../support/grantee";
import { policyDocFor, resource, statementsBySid, type TerraformJson } from "../support/terraform-json";

const DECRYPT = ["kms:Decrypt", "kms:DescribeKey"];
const USE = [
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:DescribeKey",
];
const KEY_ARN = /^\$\{aws_kms_key\.key_[0-9A-F]{8}\.arn\}$/;

function build(props: Partial<EncryptionKeyProps> = {}) {
  const stack = bareStack();
  const key = Object.keys(props).length === 0 ? testKey(stack) : new EncryptionKey(stack, "key", { alias: "test", env: TEST_ENV, logGroupPrefix: "/test", ...props });
  return { stack, key };
}

/** The key policy's statements, by sid. */
function keyPolicy(tf: TerraformJson): Record<string, any> {
  return statementsBySid(policyDocFor(tf, resource(tf, "aws_kms_key", "key").policy));
}

describe("EncryptionKey defaults", () => {
  const { stack } = build();
  const { tf, snapshot } = synthBare(stack);
  const policy = keyPolicy(tf);

  it("matches its snapshot", async () => {
    await expect(snapshot).toMatchFileSnapshot("__snapshots__/encryption-key.tf.json");
  });

  it("rotates, waits 30 days before deletion, and says what it is for", () => {
    expect(resource(tf, "aws_kms_key", "key")).toMatchObject({
      enable_key_rotation: true,
      deletion_window_in_days: 30,
      description: "MarketPulse test: data lake, logs, EMR and notifications",
    });
  });

  it("has the alias alias/<alias>, on this key", () => {
    expect(resource(tf, "aws_kms_alias", "alias")).toEqual({
      name: "alias/test",
      target_key_id: expect.stringMatching(/^\$\{aws_kms_key\.key_[0-9A-F]{8}\.key_id\}$/),
    });
  });

  it("the key policy has the administration, deployer and CloudWatch Logs statements, and nothing else", () => {
    expect(Object.keys(policy)).toEqual(["AccountAdministersKey", "DeployerUsesKey", "CloudWatchLogsForEnvironmentLogGroups"]);
  });

  it("the account administers the key with enumerated actions that do not include using it", () => {
    const admin = policy.AccountAdministersKey;
    expect(admin).toMatchObject({ effect: "Allow", resources: ["*"], principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:root"] }] });
    expect(admin.actions).toEqual([
      "kms:DescribeKey",
      "kms:GetKeyPolicy",
      "kms:PutKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:EnableKeyRotation",
      "kms:DisableKeyRotation",
      "kms:ListKeyRotations",
      "kms:RotateKeyOnDemand",
      "kms:ListResourceTags",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:UpdateKeyDescription",
      "kms:CreateAlias",
      "kms:UpdateAlias",
      "kms:DeleteAlias",
      "kms:ListAliases",
      "kms:ListGrants",
      "kms:RevokeGrant",
      "kms:EnableKey",
      "kms:DisableKey",
      "kms:ScheduleKeyDeletion",
      "kms:CancelKeyDeletion",
    ]);
  });

  it("no statement of the key policy has a wildcard action", () => {
    for (const statement of Object.values(policy)) {
      for (const action of statement.actions) expect(action).toMatch(/^kms:[A-Za-z]+$/);
    }
  });

  it("the deployer defaults to the account root, with key use", () => {
    expect(policy.DeployerUsesKey).toEqual({
      sid: "DeployerUsesKey",
      effect: "Allow",
      principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:root"] }],
      actions: USE,
      resources: ["*"],
    });
  });

  it("CloudWatch Logs of the region may use the key only for log groups under the prefix", () => {
    expect(policy.CloudWatchLogsForEnvironmentLogGroups).toEqual({
      sid: "CloudWatchLogsForEnvironmentLogGroups",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["logs.eu-central-1.amazonaws.com"] }],
      actions: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"],
      resources: ["*"],
      condition: [{ test: "ArnLike", variable: "kms:EncryptionContext:aws:logs:arn", values: ["arn:aws:logs:eu-central-1:123456789012:log-group:/test/*"] }],
    });
  });

  it("keyArn and aliasName are references to the key and the alias, so users depend on them", () => {
    const { stack: s, key } = build();
    new TerraformOutput(s, "key_arn", { value: key.keyArn });
    new TerraformOutput(s, "alias_name", { value: key.aliasName });
    const { tf: out } = synthBare(s);
    expect(out.output.key_arn.value).toMatch(KEY_ARN);
    expect(out.output.alias_name.value).toMatch(/^\$\{aws_kms_alias\.key_alias_[0-9A-F]{8}\.name\}$/);
  });
});

describe("EncryptionKey options", () => {
  it("deletionWindowDays sets the waiting period", () => {
    const { stack } = build({ deletionWindowDays: 7 });
    expect(resource(synthBare(stack).tf, "aws_kms_key", "key").deletion_window_in_days).toBe(7);
  });

  it("deployerArn replaces the account root as the deployer, not as the administrator", () => {
    const { stack } = build({ deployerArn: "arn:aws:iam::123456789012:role/deployer" });
    const policy = keyPolicy(synthBare(stack).tf);
    expect(policy.DeployerUsesKey.principals).toEqual([{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/deployer"] }]);
    expect(policy.AccountAdministersKey.principals).toEqual([{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:root"] }]);
  });

  it("the log-group condition follows logGroupPrefix and the environment's region and account", () => {
    const { stack } = build({ logGroupPrefix: "/marketpulse/qa", env: { accountId: "210987654321", region: "us-east-1" } });
    const policy = keyPolicy(synthBare(stack).tf);
    expect(policy.CloudWatchLogsForEnvironmentLogGroups.principals).toEqual([{ type: "Service", identifiers: ["logs.us-east-1.amazonaws.com"] }]);
    expect(policy.CloudWatchLogsForEnvironmentLogGroups.condition[0].values).toEqual(["arn:aws:logs:us-east-1:210987654321:log-group:/marketpulse/qa/*"]);
    expect(policy.AccountAdministersKey.principals[0].identifiers).toEqual(["arn:aws:iam::210987654321:root"]);
  });
});

describe("EncryptionKey grants", () => {
  it("grantDecrypt: the grantee's own statement on the key ARN, and its entry in the key policy", () => {
    const { stack, key } = build();
    const grantee = new RecordingGrantee();
    key.grantDecrypt(grantee);
    expect(grantee.policyNames).toEqual(["environment-key"]);
    expect(grantee.statements("environment-key")).toEqual([{ sid: "UseEnvironmentKey", effect: "Allow", actions: DECRYPT, resources: [key.keyArn] }]);
    expect(keyPolicy(synthBare(stack).tf).TestRole).toEqual({
      sid: "TestRole",
      effect: "Allow",
      principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/test"] }],
      actions: DECRYPT,
      resources: ["*"],
    });
  });

  it("grantEncryptDecrypt: key use on both sides, and no grant management unless asked", () => {
    const { stack, key } = build();
    const grantee = new RecordingGrantee();
    key.grantEncryptDecrypt(grantee);
    expect(grantee.statements("environment-key")).toEqual([{ sid: "UseEnvironmentKey", effect: "Allow", actions: USE, resources: [key.keyArn] }]);
    const policy = keyPolicy(synthBare(stack).tf);
    expect(policy.TestRole.actions).toEqual(USE);
    expect(policy.TestRoleGrants).toBeUndefined();
  });

  it("createGrants: the grantee may manage grants, only for AWS resources", () => {
    const { stack, key } = build();
    key.grantEncryptDecrypt(new RecordingGrantee(), { createGrants: true });
    expect(keyPolicy(synthBare(stack).tf).TestRoleGrants).toEqual({
      sid: "TestRoleGrants",
      effect: "Allow",
      principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/test"] }],
      actions: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      resources: ["*"],
      condition: [{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
    });
  });

  it("each grantee gets its own key-policy statement, named by its grantSid", () => {
    const { stack, key } = build();
    key.grantDecrypt(new RecordingGrantee("arn:aws:iam::123456789012:role/reader", "Reader"));
    key.grantEncryptDecrypt(new RecordingGrantee("arn:aws:iam::123456789012:role/writer", "Writer"));
    const policy = keyPolicy(synthBare(stack).tf);
    expect(Object.keys(policy)).toEqual(["AccountAdministersKey", "DeployerUsesKey", "CloudWatchLogsForEnvironmentLogGroups", "Reader", "Writer"]);
    expect(policy.Reader).toMatchObject({ principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/reader"] }], actions: DECRYPT });
    expect(policy.Writer).toMatchObject({ principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/writer"] }], actions: USE });
  });

  it("two grantees with one grantSid but different principals are refused", () => {
    const { key } = build();
    key.grantDecrypt(new RecordingGrantee("arn:aws:iam::123456789012:role/a", "Shared"));
    expect(() => key.grantDecrypt(new RecordingGrantee("arn:aws:iam::123456789012:role/b", "Shared"))).toThrow(/sid Shared differ in principals/);
  });

  it("repeated grants to one role merge into one statement on each side", () => {
    const { stack, key } = build();
    const role = new Role(stack, "reader", {
      roleName: "test-reader",
      description: "Test reader",
      grantSid: "Reader",
      assumedBy: [{ effect: "Allow", actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }] }],
    });
    key.grantDecrypt(role);
    key.grantEncryptDecrypt(role);
    key.grantDecrypt(role);
    const { tf } = synthBare(stack);
    const merged = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"];
    const own = policyDocFor(tf, resource(tf, "aws_iam_role_policy", "reader-environment-key").policy).statement;
    expect(own).toEqual([{ sid: "UseEnvironmentKey", effect: "Allow", actions: merged, resources: [expect.stringMatching(KEY_ARN)] }]);
    const policy = keyPolicy(tf);
    expect(policy.Reader).toEqual({
      sid: "Reader",
      effect: "Allow",
      principals: [{ type: "AWS", identifiers: ["${aws_iam_role.reader.arn}"] }],
      actions: merged,
      resources: ["*"],
    });
    expect(Object.keys(policy)).toHaveLength(4);
  });

  it("addServiceUser lets a service principal decrypt and generate data keys, with the given condition only", () => {
    const { stack, key } = build();
    key.addServiceUser("CloudWatchAlarms", "cloudwatch.amazonaws.com");
    key.addServiceUser("EventBridge", "events.amazonaws.com", [{ test: "StringEquals", variable: "aws:SourceAccount", values: ["123456789012"] }]);
    const policy = keyPolicy(synthBare(stack).tf);
    expect(policy.CloudWatchAlarms).toEqual({
      sid: "CloudWatchAlarms",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
      actions: ["kms:Decrypt", "kms:GenerateDataKey"],
      resources: ["*"],
    });
    expect(policy.EventBridge).toEqual({
      sid: "EventBridge",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
      actions: ["kms:Decrypt", "kms:GenerateDataKey"],
      resources: ["*"],
      condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: ["123456789012"] }],
    });
  });
});
