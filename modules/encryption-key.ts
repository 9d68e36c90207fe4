/**
 * EncryptionKey: the environment's one customer-managed KMS key. Everything the platform
 * stores is encrypted with it (data-lake buckets, the Glue catalog, log groups, EMR disks and
 * EMRFS, SNS).
 *
 * The key policy lists its users explicitly. Grants add both sides at once: the statement in
 * the grantee's own policy and the grantee's entry in the key policy. Constructs that encrypt
 * with the key (buckets, the catalog) call these grants from their own grant helpers, so
 * granting read on a bucket also grants decrypt on its key.
 */
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { accountRootArn, logGroupArn, type AwsEnvironment } from "./arn";
import { PolicyDocument, awsPrincipals, servicePrincipals, type Grantee, type Statement } from "./policy-document";

/** What a key user may do with the key. Enumerated: no wildcard actions. */
export const KEY_USE_ACTIONS = [
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:DescribeKey",
];

/** What a reader of data encrypted under the key needs. */
export const KEY_DECRYPT_ACTIONS = ["kms:Decrypt", "kms:DescribeKey"];

/** Grant management, needed by principals that attach encrypted EBS volumes (EMR). */
export const KEY_GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];

/** Key administration for the account. Enumerated: no wildcard actions. */
export const KEY_ADMIN_ACTIONS = [
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
];

/** Limits a key grant to requests that carry a condition (e.g. an encryption context). */
export interface KeyGrantOptions {
  /** Conditions on both sides of the grant. Default: none. */
  readonly condition?: Statement["condition"];
  /** PascalCase purpose, appended to the statement ids of a conditional grant. Default: `Conditional`. */
  readonly purpose?: string;
}

/** The inline policy of a grantee that holds its key statements. */
export const KEY_POLICY_NAME = "environment-key";

export interface EncryptionKeyProps {
  /** Alias name without the `alias/` prefix, e.g. `marketpulse-dev` (envs/naming.ts). Required. */
  readonly alias: string;
  /** The key's account and region. Required. */
  readonly env: AwsEnvironment;
  /** Waiting period before a scheduled deletion takes effect (7-30). Default: 30. */
  readonly deletionWindowDays?: number;
  /**
   * CloudWatch log groups allowed to use the key, as a name prefix such as `/marketpulse/dev`.
   * Enforced with the `kms:EncryptionContext:aws:logs:arn` condition. Required.
   */
  readonly logGroupPrefix: string;
  /**
   * Who deploys: gets key use so Terraform can upload KMS-encrypted objects.
   * Default: the account root, i.e. IAM policies in the account decide.
   */
  readonly deployerArn?: string;
}

export class EncryptionKey extends Construct {
  readonly key: KmsKey;
  readonly keyArn: string;
  readonly aliasName: string;
  /** The key's account and region. */
  readonly env: AwsEnvironment;
  private readonly policy: PolicyDocument;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    this.env = props.env;
    const root = accountRootArn(props.env);
    this.policy = new PolicyDocument(this, "policy", [
      {
        sid: "AccountAdministersKey",
        effect: "Allow",
        principals: awsPrincipals(root),
        actions: KEY_ADMIN_ACTIONS,
        resources: ["*"], // in a key policy, "*" means this key
      },
      {
        sid: "DeployerUsesKey",
        effect: "Allow",
        principals: awsPrincipals(props.deployerArn ?? root),
        actions: KEY_USE_ACTIONS,
        resources: ["*"], // in a key policy, "*" means this key
      },
      {
        sid: "CloudWatchLogsForEnvironmentLogGroups",
        effect: "Allow",
        principals: servicePrincipals(`logs.${props.env.region}.amazonaws.com`),
        actions: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"],
        resources: ["*"], // in a key policy, "*" means this key
        condition: [
          { test: "ArnLike", variable: "kms:EncryptionContext:aws:logs:arn", values: [logGroupArn(props.env, `${props.logGroupPrefix}/*`)] },
        ],
      },
    ]);

    this.key = new KmsKey(this, "key", {
      description: `MarketPulse ${props.alias}: data lake, logs, EMR and notifications`,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowDays ?? 30,
      policy: this.policy.json,
    });
    this.keyArn = this.key.arn;
    const alias = new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
    this.aliasName = alias.name;
  }

  /**
   * Encrypt, decrypt and data keys, for principals that read and write data under the key.
   * With `createGrants`, the grantee may also create grants for AWS services acting on its
   * behalf, and only for AWS resources (EBS volume encryption on EMR needs this).
   */
  grantEncryptDecrypt(grantee: Grantee, options: KeyGrantOptions & { readonly createGrants?: boolean } = {}): void {
    this.grant(grantee, KEY_USE_ACTIONS, options);
    if (options.createGrants) {
      const forAwsResources = [{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }];
      grantee.addToPolicy(KEY_POLICY_NAME, {
        sid: "CreateGrantsForAwsResources",
        effect: "Allow",
        actions: KEY_GRANT_ACTIONS,
        resources: [this.keyArn],
        condition: forAwsResources,
      });
      this.policy.add({
        sid: `${grantee.grantSid}Grants`,
        effect: "Allow",
        principals: awsPrincipals(grantee.principalArn),
        actions: KEY_GRANT_ACTIONS,
        resources: ["*"],
        condition: forAwsResources,
      });
    }
  }

  /** Decrypt only, for principals that read data under the key. */
  grantDecrypt(grantee: Grantee, options: KeyGrantOptions = {}): void {
    this.grant(grantee, KEY_DECRYPT_ACTIONS, options);
  }

  /** Lets an AWS service principal (e.g. `cloudwatch.amazonaws.com`) encrypt for this key. */
  addServiceUser(sid: string, service: string, condition?: Statement["condition"]): void {
    this.policy.add({
      sid,
      effect: "Allow",
      principals: servicePrincipals(service),
      actions: ["kms:Decrypt", "kms:GenerateDataKey"],
      resources: ["*"],
      ...(condition ? { condition } : {}),
    });
  }

  /** Both sides of a grant; repeated grants to one grantee merge into one statement each. */
  private grant(grantee: Grantee, actions: string[], options: KeyGrantOptions): void {
    const condition = options.condition ? { condition: options.condition } : {};
    const suffix = options.condition ? options.purpose ?? "Conditional" : "";
    grantee.addToPolicy(KEY_POLICY_NAME, { sid: `UseEnvironmentKey${suffix}`, effect: "Allow", actions, resources: [this.keyArn], ...condition });
    this.policy.add({
      sid: `${grantee.grantSid}${suffix}`,
      effect: "Allow",
      principals: awsPrincipals(grantee.principalArn),
      actions,
      resources: ["*"],
      ...condition,
    });
  }
}
