/**
 * PolicyDocument alone on a bare stack: statements with one sid merge into one (grant helpers
 * rely on it), statements that share a sid but disagree are refused, and statements without a
 * sid are kept as they come.
 */
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { describe, expect, it } from "vitest";
import { PolicyDocument, awsPrincipals, denyInsecureTransport, servicePrincipals, type Statement } from "../../modules/policy-document";
import { bareStack, synthBare } from "../support/bare-stack";
import { dataSource, policyDocFor, resource } from "../support/terraform-json";

function build(...statements: Statement[]) {
  const stack = bareStack();
  const doc = new PolicyDocument(stack, "doc", statements);
  return { stack, doc };
}

/** The statements of the document under test, as synthesized. */
function synthesized(stack: ReturnType<typeof bareStack>): any[] {
  return dataSource(synthBare(stack).tf, "aws_iam_policy_document", "doc").statement;
}

const read: Statement = { sid: "ReadData", effect: "Allow", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::test-data/*"] };

describe("PolicyDocument defaults", () => {
  const { stack, doc } = build(read, denyInsecureTransport(["arn:aws:s3:::test-data", "arn:aws:s3:::test-data/*"]));
  doc.add({ sid: "ReadData", effect: "Allow", actions: ["s3:GetObjectVersion"], resources: ["arn:aws:s3:::test-data/*"] });
  const { tf, snapshot } = synthBare(stack);

  it("matches its snapshot", async () => {
    await expect(snapshot).toMatchFileSnapshot("__snapshots__/policy-document.tf.json");
  });

  it("is one aws_iam_policy_document data source and nothing else", () => {
    expect(Object.keys(tf.data)).toEqual(["aws_iam_policy_document"]);
    expect(Object.keys(tf.data.aws_iam_policy_document)).toEqual([expect.stringMatching(/^doc_[0-9A-F]{8}$/)]);
    expect(tf.resource).toBeUndefined();
  });

  it("json references the data source's rendered JSON, for resources to use", () => {
    const { stack: used, doc: usedDoc } = build(read);
    new IamPolicy(used, "policy", { name: "test", policy: usedDoc.json });
    const { tf: usedTf } = synthBare(used);
    const reference = resource(usedTf, "aws_iam_policy", "policy").policy;
    expect(reference).toMatch(/^\$\{data\.aws_iam_policy_document\.doc_[0-9A-F]{8}\.json\}$/);
    expect(policyDocFor(usedTf, reference).statement).toEqual([read]);
  });

  it("an empty document has no statements", () => {
    const { stack: empty } = build();
    expect(synthesized(empty)).toEqual([]);
  });
});

describe("PolicyDocument merging", () => {
  it("statements with one sid merge: actions and resources united, in order, without duplicates", () => {
    const { stack, doc } = build({ sid: "Data", effect: "Allow", actions: ["s3:GetObject", "s3:ListBucket"], resources: ["arn:aws:s3:::a/*", "arn:aws:s3:::a"] });
    doc.add({ sid: "Data", effect: "Allow", actions: ["s3:ListBucket", "s3:PutObject"], resources: ["arn:aws:s3:::b", "arn:aws:s3:::a"] });
    expect(synthesized(stack)).toEqual([
      {
        sid: "Data",
        effect: "Allow",
        actions: ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
        resources: ["arn:aws:s3:::a/*", "arn:aws:s3:::a", "arn:aws:s3:::b"],
      },
    ]);
  });

  it("merges within one call too, and a merged statement keeps its place", () => {
    const { stack } = build(
      { sid: "First", effect: "Allow", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::a/*"] },
      { sid: "Second", effect: "Allow", actions: ["glue:GetTable"], resources: ["*"] },
      { sid: "First", effect: "Allow", actions: ["s3:GetObjectVersion"], resources: ["arn:aws:s3:::a/*"] },
    );
    expect(synthesized(stack)).toEqual([
      { sid: "First", effect: "Allow", actions: ["s3:GetObject", "s3:GetObjectVersion"], resources: ["arn:aws:s3:::a/*"] },
      { sid: "Second", effect: "Allow", actions: ["glue:GetTable"], resources: ["*"] },
    ]);
  });

  it("merging keeps the first statement's principals and conditions when they agree", () => {
    const principals = awsPrincipals("arn:aws:iam::123456789012:role/test");
    const condition = [{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }];
    const { stack, doc } = build({ sid: "Key", effect: "Allow", principals, actions: ["kms:Decrypt"], resources: ["*"], condition });
    doc.add({ sid: "Key", effect: "Allow", principals, actions: ["kms:Encrypt"], resources: ["*"], condition });
    expect(synthesized(stack)).toEqual([
      {
        sid: "Key",
        effect: "Allow",
        principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/test"] }],
        actions: ["kms:Decrypt", "kms:Encrypt"],
        resources: ["*"],
        condition: [{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
      },
    ]);
  });

  it("statements without a sid are appended as they come, even when identical", () => {
    const anonymous: Statement = { effect: "Allow", actions: ["sts:AssumeRole"], principals: servicePrincipals("ec2.amazonaws.com") };
    const { stack, doc } = build(anonymous);
    doc.add(anonymous, read);
    const statements = synthesized(stack);
    expect(statements.map((s) => s.sid)).toEqual([undefined, undefined, "ReadData"]);
    expect(statements[0]).toEqual(statements[1]);
  });

  it("the caller's arrays are not modified by a merge", () => {
    const actions = ["s3:GetObject"];
    const { doc } = build({ sid: "Data", effect: "Allow", actions, resources: ["arn:aws:s3:::a/*"] });
    doc.add({ sid: "Data", effect: "Allow", actions: ["s3:PutObject"], resources: ["arn:aws:s3:::a/*"] });
    expect(actions).toEqual(["s3:GetObject"]);
  });
});

describe("PolicyDocument conflicts", () => {
  it.each<[string, Partial<Statement>]>([
    ["effect", { effect: "Deny" }],
    ["principals", { principals: awsPrincipals("arn:aws:iam::123456789012:role/other") }],
    ["condition", { condition: [{ test: "StringEquals", variable: "aws:PrincipalAccount", values: ["123456789012"] }] }],
  ])("two statements with one sid that differ in %s are refused", (key, change) => {
    const { doc } = build({ ...read, principals: awsPrincipals("arn:aws:iam::123456789012:role/test") });
    expect(() => doc.add({ ...read, principals: awsPrincipals("arn:aws:iam::123456789012:role/test"), ...change })).toThrow(
      `PolicyDocument test/doc: statements with sid ReadData differ in ${key}`,
    );
  });

  it("a refused statement leaves the document as it was", () => {
    const { stack, doc } = build(read);
    expect(() => doc.add({ ...read, effect: "Deny", actions: ["s3:DeleteObject"] })).toThrow(/differ in effect/);
    expect(synthesized(stack)).toEqual([{ sid: "ReadData", effect: "Allow", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::test-data/*"] }]);
  });
});

describe("statement helpers", () => {
  it("awsPrincipals and servicePrincipals are one principal block each", () => {
    expect(awsPrincipals("arn:aws:iam::123456789012:root", "*")).toEqual([{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:root", "*"] }]);
    expect(servicePrincipals("logs.eu-central-1.amazonaws.com")).toEqual([{ type: "Service", identifiers: ["logs.eu-central-1.amazonaws.com"] }]);
  });

  it("denyInsecureTransport denies every S3 action on the given resources to anyone without TLS", () => {
    expect(denyInsecureTransport(["arn:aws:s3:::test-data", "arn:aws:s3:::test-data/*"])).toEqual({
      sid: "DenyInsecureTransport",
      effect: "Deny",
      actions: ["s3:*"],
      resources: ["arn:aws:s3:::test-data", "arn:aws:s3:::test-data/*"],
      principals: [{ type: "AWS", identifiers: ["*"] }],
      condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
    });
  });
});
