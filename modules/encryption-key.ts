/**
 * EncryptionKey: the environment's one customer-managed KMS key. Everything the platform
 * stores is encrypted with it (data-lake buckets, log groups, EMR disks and EMRFS, SNS).
 *
 * The key policy lists its users explicitly. Other constructs register theirs through
 * `addKeyUser` / `addServiceUser`, so the policy always says who can use the key.
 */
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { PolicyDocument, awsPrincipals, servicePrincipals, type Statement } from "./policy";

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

export interface EncryptionKeyProps {
  /** Alias name without the `alias/` prefix, e.g. `marketpulse-dev`. */
  readonly alias: string;
  readonly accountId: string;
  readonly region: string;
  /** Waiting period before a scheduled deletion takes effect (7-30). Default: 30. */
  readonly deletionWindowDays?: number;
  /**
   * CloudWatch log groups allowed to use the key, as a name prefix such as `/marketpulse/dev`.
   * Enforced with the `kms:EncryptionContext:aws:logs:arn` condition.
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
  private readonly policy: PolicyDocument;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const root = `arn:aws:iam::${props.accountId}:root`;
    const logGroupArns = `arn:aws:logs:${props.region}:${props.accountId}:log-group:${props.logGroupPrefix}/*`;

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
        principals: servicePrincipals(`logs.${props.region}.amazonaws.com`),
        actions: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"],
        resources: ["*"], // in a key policy, "*" means this key
        condition: [{ test: "ArnLike", variable: "kms:EncryptionContext:aws:logs:arn", values: [logGroupArns] }],
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
   * Lets an IAM principal use the key. With `grants`, it may also create grants for AWS
   * services acting on its behalf (EBS volume encryption on EMR needs this).
   */
  addKeyUser(sid: string, principalArn: string, options: { grants?: boolean } = {}): void {
    const statements: Statement[] = [
      { sid, effect: "Allow", principals: awsPrincipals(principalArn), actions: KEY_USE_ACTIONS, resources: ["*"] },
    ];
    if (options.grants) {
      statements.push({
        sid: `${sid}Grants`,
        effect: "Allow",
        principals: awsPrincipals(principalArn),
        actions: KEY_GRANT_ACTIONS,
        resources: ["*"],
        condition: [{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
      });
    }
    this.policy.add(...statements);
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

  /** Identity-policy statement granting use of this key (for roles' own policies). */
  grantUse(sid = "UseEnvironmentKey"): Statement {
    return { sid, effect: "Allow", actions: KEY_USE_ACTIONS, resources: [this.keyArn] };
  }
}
