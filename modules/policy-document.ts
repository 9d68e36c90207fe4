/**
 * The one policy-document helper. Policies are `aws_iam_policy_document` data sources built
 * from typed statements, so Terraform renders canonical JSON and reviewers read HCL-like
 * statements in the synthesized plan instead of escaped strings.
 */
import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { Construct } from "constructs";

export type Statement = DataAwsIamPolicyDocumentStatement;

/** A policy document whose statements may still grow until synth (see `add`). */
export class PolicyDocument extends Construct {
  readonly document: DataAwsIamPolicyDocument;
  private readonly statements: Statement[];

  constructor(scope: Construct, id: string, statements: Statement[] = []) {
    super(scope, id);
    this.statements = [...statements];
    this.document = new DataAwsIamPolicyDocument(this, "doc", { statement: this.statements });
  }

  /** Appends statements; the data source is re-rendered with the full list. */
  add(...statements: Statement[]): void {
    this.statements.push(...statements);
    this.document.putStatement([...this.statements]);
  }

  get json(): string {
    return this.document.json;
  }
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
