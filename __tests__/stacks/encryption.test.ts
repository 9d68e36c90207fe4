import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { KEY_DECRYPT_ACTIONS, KEY_USE_ACTIONS } from "../../modules/encryption-key";
import { RecordingGrantee } from "../support/grantee";
import { policyDocFor, resource, statementsBySid, synthEnv, type EnvName } from "../support/synth";

describe.each<EnvName>(["dev", "prod"])("encryption key (%s)", (env) => {
  const { json, tf, stack } = synthEnv(env);
  const cfg = stack.config;
  const key = resource(tf, "aws_kms_key", "kms_key");
  const policy = statementsBySid(policyDocFor(tf, key.policy));

  it("is one rotating customer-managed key with the configured deletion window and an alias", () => {
    expect(Object.keys(tf.resource.aws_kms_key)).toHaveLength(1);
    expect(key.enable_key_rotation).toBe(true);
    expect(key.deletion_window_in_days).toBe(cfg.encryption.keyDeletionWindowDays);
    expect(json).toHaveResourceWithProperties("aws_kms_alias", { name: `alias/marketpulse-${env}` });
  });

  it("makes the account root administrator, with enumerated actions", () => {
    const admin = policy.AccountAdministersKey;
    expect(admin.principals).toEqual([{ type: "AWS", identifiers: [`arn:aws:iam::${cfg.accountId}:root`] }]);
    expect(admin.actions).toContain("kms:PutKeyPolicy");
    expect(admin.actions).not.toContain("kms:Decrypt");
  });

  it("lets CloudWatch Logs use the key only for the environment's log groups", () => {
    const logs = policy.CloudWatchLogsForEnvironmentLogGroups;
    expect(logs.principals).toEqual([{ type: "Service", identifiers: [`logs.${cfg.region}.amazonaws.com`] }]);
    expect(logs.condition).toEqual([
      {
        test: "ArnLike",
        variable: "kms:EncryptionContext:aws:logs:arn",
        values: [`arn:aws:logs:${cfg.region}:${cfg.accountId}:log-group:/marketpulse/${env}/*`],
      },
    ]);
  });

  it("has no wildcard actions", () => {
    for (const s of Object.values(policy)) for (const a of s.actions) expect(a).not.toContain("*");
  });
});

describe("key users", () => {
  it("a grant names the grantee in the key policy and in its own policy; repeated grants merge", () => {
    const { stack } = synthEnv("dev", { owner: "key-user-test" }); // a stack of its own: this test mutates it
    const grantee = new RecordingGrantee("arn:aws:iam::111111111111:role/test", "TestUser");
    stack.key.grantDecrypt(grantee);
    stack.key.grantEncryptDecrypt(grantee, { createGrants: true });
    const tf = JSON.parse(Testing.synth(stack));
    const policy = statementsBySid(policyDocFor(tf, resource(tf, "aws_kms_key", "kms_key").policy));
    expect(new Set(policy.TestUser.actions)).toEqual(new Set(KEY_USE_ACTIONS));
    expect(policy.TestUser.principals).toEqual([{ type: "AWS", identifiers: ["arn:aws:iam::111111111111:role/test"] }]);
    expect(policy.TestUserGrants.condition).toEqual([{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }]);
    // The grantee's own side: decrypt first, then the rest, on this key only.
    const own = grantee.statements("environment-key");
    expect(own.map((st) => st.sid)).toEqual(["UseEnvironmentKey", "UseEnvironmentKey", "CreateGrantsForAwsResources"]);
    expect(own[0].actions).toEqual(KEY_DECRYPT_ACTIONS);
    expect(own[1].resources).toEqual([stack.key.keyArn]);
    expect(own[2].condition).toEqual([{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }]);
  });

  it("the deploy role, when set, is the deployer key user", () => {
    const roleArn = "arn:aws:iam::111111111111:role/deployer";
    const { tf } = synthEnv("dev", { deployRoleArn: roleArn });
    const policy = statementsBySid(policyDocFor(tf, resource(tf, "aws_kms_key", "kms_key").policy));
    expect(policy.DeployerUsesKey.principals).toEqual([{ type: "AWS", identifiers: [roleArn] }]);
  });
});
