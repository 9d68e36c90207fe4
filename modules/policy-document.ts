/**
 * The one policy-document helper. Policies are `aws_iam_policy_document` data sources built
 * from typed statements, so Terraform renders canonical JSON and reviewers read HCL-like
 * statements in the synthesized plan instead of escaped strings.
 *
 * Statements with the same sid merge: their actions and resources are united. Grant helpers
 * rely on this, so granting read and then write on the same key gives one statement with both.
 */
import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { Construct } from "constructs";

export type Statement = DataAwsIamPolicyDocumentStatement;

/** Something that IAM permissions can be granted to: a role with named inline policies. */
export interface Grantee {
  /** ARN of the principal, for key and resource policies that name it. */
  readonly principalArn: string;
  /** PascalCase name for statement ids that name this grantee, e.g. `EmrInstanceRole`. */
  readonly grantSid: string;
  /** Adds identity-policy statements to the grantee's inline policy `policyName`. */
  addToPolicy(policyName: string, ...statements: Statement[]): void;
}

/** A policy document whose statements may still grow until synth (see `add`). */
export class PolicyDocument extends Construct {
  readonly document: DataAwsIamPolicyDocument;
  private readonly statements: Statement[] = [];

  constructor(scope: Construct, id: string, statements: Statement[] = []) {
    super(scope, id);
    this.document = new DataAwsIamPolicyDocument(this, "doc", { statement: [] });
    this.add(...statements);
  }

  /**
   * Appends statements, merging each into an existing one with the same sid (actions and
   * resources united). Two statements with one sid must agree on everything else (effect,
   * principals, conditions, not-elements): anything else is a programming error.
   */
  add(...statements: Statement[]): void {
    for (const statement of statements) {
      const existing = statement.sid === undefined ? undefined : this.statements.find((s) => s.sid === statement.sid);
      if (!existing) {
        this.statements.push({ ...statement });
        continue;
      }
      for (const key of ["effect", "principals", "condition", "notActions", "notResources", "notPrincipals"] as const) {
        if (JSON.stringify(existing[key]) !== JSON.stringify(statement[key])) {
          throw new Error(`PolicyDocument ${this.node.path}: statements with sid ${statement.sid} differ in ${key}`);
        }
      }
      const i = this.statements.indexOf(existing);
      this.statements[i] = {
        ...existing,
        actions: union(existing.actions, statement.actions),
        resources: union(existing.resources, statement.resources),
      };
    }
    this.document.putStatement([...this.statements]);
  }

  get json(): string {
    return this.document.json;
  }
}

function union(a?: string[], b?: string[]): string[] | undefined {
  if (a === undefined && b === undefined) return undefined;
  return [...new Set([...(a ?? []), ...(b ?? [])])];
}

/** Principal block for AWS account/role ARNs. */
export function awsPrincipals(...arns: string[]): Statement["principals"] {
  return [{ type: "AWS", identifiers: arns }];
}

/** Principal block for AWS service principals, e.g. `logs.eu-west-1.amazonaws.com`. */
export function servicePrincipals(...services: string[]): Statement["principals"] {
  return [{ type: "Service", identifiers: services }];
}

/** Denies any request to `resources` made without TLS (aws:SecureTransport = false). */
export function denyInsecureTransport(resources: string[]): Statement {
  return {
    sid: "DenyInsecureTransport",
    effect: "Deny",
    actions: ["s3:*"],
    resources,
    principals: awsPrincipals("*"),
    condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
  };
}
