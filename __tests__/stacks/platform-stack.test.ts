import { describe, expect, it } from "vitest";
import { synthEnv, type EnvName } from "../support/synth";

describe.each<EnvName>(["dev", "prod"])("platform stack (%s)", (env) => {
  const { json, tf, stack } = synthEnv(env);
  const cfg = stack.config;

  it("is named marketpulse-<env>", () => {
    expect(stack.node.id).toBe(`marketpulse-${env}`);
  });

  it("pins the provider to the region and the environment's account, with default tags", () => {
    expect(json).toHaveProviderWithProperties("aws", {
      region: cfg.region,
      allowed_account_ids: [cfg.accountId],
      default_tags: [
        {
          tags: { project: "marketpulse", environment: env, owner: cfg.owner, "cost-center": cfg.costCenter, "managed-by": "cdktf" },
        },
      ],
    });
    expect(tf.provider.aws[0].assume_role).toBeUndefined();
  });

  it("exposes what operators and later modules need as outputs", () => {
    expect(Object.keys(tf.output).sort()).toEqual(
      expect.arrayContaining([
        "artifacts_bucket", "bronze_bucket", "glue_databases", "gold_bucket", "kms_key_alias", "kms_key_arn",
        "log_bucket", "private_subnet_ids", "s3_prefix_list_id", "silver_bucket", "vpc_id",
      ]),
    );
    expect(tf.output.glue_databases.value).toEqual({
      bronze: `marketpulse_${env}_bronze`,
      silver: `marketpulse_${env}_silver`,
      gold: `marketpulse_${env}_gold`,
    });
  });
});

describe("backends", () => {
  it("dev uses local state by default, one file per stack", () => {
    expect(synthEnv("dev").tf.terraform.backend).toEqual({ local: { path: "terraform.marketpulse-dev.tfstate" } });
  });

  it("prod uses S3 state with S3-native locking and encryption", () => {
    expect(synthEnv("prod").tf.terraform.backend.s3).toMatchObject({
      bucket: "marketpulse-terraform-state-222222222222",
      key: "marketpulse/prod/terraform.tfstate",
      region: "eu-west-1",
      encrypt: true,
      use_lockfile: true,
    });
  });

  it("S3 state can assume a role", () => {
    const backend = { type: "s3", bucket: "state-b", key: "dev.tfstate", region: "eu-west-1", roleArn: "arn:aws:iam::111111111111:role/state" } as const;
    expect(synthEnv("dev", { backend }).tf.terraform.backend.s3.assume_role).toEqual({ role_arn: "arn:aws:iam::111111111111:role/state" });
  });

  it("Terraform Cloud uses a cloud block with the environment's workspace", () => {
    const { tf } = synthEnv("prod", { backend: { type: "cloud", organization: "acme", workspace: "marketpulse-prod" } });
    expect(tf.terraform.backend).toBeUndefined();
    expect(tf.terraform.cloud).toEqual({ organization: "acme", hostname: "app.terraform.io", workspaces: { name: "marketpulse-prod" } });
  });

  it("an optional deploy role is assumed by the provider", () => {
    const roleArn = "arn:aws:iam::111111111111:role/deployer";
    const { tf } = synthEnv("dev", { deployRoleArn: roleArn });
    expect(tf.provider.aws[0].assume_role).toEqual([{ role_arn: roleArn, session_name: "marketpulse-dev-deploy" }]);
  });
});
