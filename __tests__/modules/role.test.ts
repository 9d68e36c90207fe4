/**
 * Role alone on a bare stack: it is the aws_iam_role itself, its trust document and inline
 * policies are its siblings (so their Terraform addresses do not move), inline policies appear
 * only when something is granted, and grants with one sid merge.
 */
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import type { Statement } from "../../modules/policy-document";
import { Role, type RoleProps } from "../../modules/role";
import { bareStack, synthBare } from "../support/bare-stack";
import { policyDocFor } from "../support/terraform-json";

const trust: Statement = {
  effect: "Allow",
  principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }],
  actions: ["sts:AssumeRole"],
};

function build(props: Partial<RoleProps> = {}) {
  const stack = bareStack();
  const role = new Role(stack, "app", { roleName: "test-app", description: "Test application", grantSid: "TestApp", assumedBy: [trust], ...props });
  return { stack, role };
}

/** Names of every resource / data source of a type. */
const names = (block: Record<string, Record<string, unknown>> | undefined, type: string) => Object.keys(block?.[type] ?? {});

describe("Role defaults", () => {
  const { stack, role } = build();
  const { tf, snapshot } = synthBare(stack);

  it("matches its snapshot", async () => {
    await expect(snapshot).toMatchFileSnapshot("__snapshots__/role.tf.json");
  });

  it("is the aws_iam_role itself, at the address of its own id", () => {
    expect(role).toBeInstanceOf(IamRole);
    expect(names(tf.resource, "aws_iam_role")).toEqual(["app"]);
    expect(tf.resource.aws_iam_role.app).toEqual({
      name: "test-app",
      description: "Test application",
      assume_role_policy: expect.stringMatching(/^\$\{data\.aws_iam_policy_document\.app-trust_doc_[0-9A-F]{8}\.json\}$/),
    });
  });

  it("trusts exactly the given statements", () => {
    expect(policyDocFor(tf, tf.resource.aws_iam_role.app.assume_role_policy).statement).toEqual([trust]);
  });

  it("leaves max_session_duration to IAM unless given", () => {
    expect(tf.resource.aws_iam_role.app).not.toHaveProperty("max_session_duration");
  });

  it("has no inline policy and no attachment until something is granted", () => {
    expect(tf.resource.aws_iam_role_policy).toBeUndefined();
    expect(tf.resource.aws_iam_role_policy_attachment).toBeUndefined();
    expect(role.policies).toEqual([]);
  });

  it("is a Grantee: its principal is its own ARN, with the given sid", () => {
    const { stack: s, role: r } = build();
    new IamRole(s, "consumer", { name: "consumer", assumeRolePolicy: "{}", description: r.principalArn });
    expect(synthBare(s).tf.resource.aws_iam_role.consumer.description).toBe("${aws_iam_role.app.arn}");
    expect(r.grantSid).toBe("TestApp");
  });
});

describe("Role construct ids", () => {
  it("inside a composite, the role and its siblings sit directly under the composite", () => {
    const stack = bareStack();
    const scope = new Construct(stack, "emr");
    const role = new Role(scope, "app", { roleName: "test-app", description: "Test application", grantSid: "TestApp", assumedBy: [trust] });
    role.addToPolicy("data-lake", { sid: "Read", effect: "Allow", actions: ["s3:GetObject"], resources: ["*"] });
    role.attachManagedPolicy("managed", "arn:aws:iam::aws:policy/ReadOnlyAccess");
    const { tf } = synthBare(stack);
    expect(names(tf.resource, "aws_iam_role")).toEqual([expect.stringMatching(/^emr_app_[0-9A-F]{8}$/)]);
    expect(names(tf.resource, "aws_iam_role_policy")).toEqual([expect.stringMatching(/^emr_app-data-lake_[0-9A-F]{8}$/)]);
    expect(names(tf.resource, "aws_iam_role_policy_attachment")).toEqual([expect.stringMatching(/^emr_managed_[0-9A-F]{8}$/)]);
    expect(names(tf.data, "aws_iam_policy_document").sort()).toEqual([
      expect.stringMatching(/^emr_app-data-lake-doc_[0-9A-F]{8}$/),
      expect.stringMatching(/^emr_app-trust_doc_[0-9A-F]{8}$/),
    ]);
    for (const policy of role.policies) expect(policy.node.scope).toBe(scope);
  });

  it("trustId overrides the trust document's id", () => {
    const { stack } = build({ trustId: "legacy-trust" });
    const { tf } = synthBare(stack);
    expect(names(tf.data, "aws_iam_policy_document")).toEqual([expect.stringMatching(/^legacy-trust_doc_[0-9A-F]{8}$/)]);
    expect(policyDocFor(tf, tf.resource.aws_iam_role.app.assume_role_policy).statement).toEqual([trust]);
  });

  it("policyIds override one policy's ids; other policies keep the defaults", () => {
    const { stack, role } = build({ policyIds: { "data-lake": { policy: "app-s3", document: "app-s3-doc" } } });
    role.addToPolicy("data-lake", { sid: "Read", effect: "Allow", actions: ["s3:GetObject"], resources: ["*"] });
    role.addToPolicy("glue-catalog", { sid: "Glue", effect: "Allow", actions: ["glue:GetTable"], resources: ["*"] });
    const { tf } = synthBare(stack);
    expect(tf.resource.aws_iam_role_policy["app-s3"]).toMatchObject({
      name: "data-lake",
      policy: expect.stringMatching(/^\$\{data\.aws_iam_policy_document\.app-s3-doc_[0-9A-F]{8}\.json\}$/),
    });
    expect(tf.resource.aws_iam_role_policy["app-glue-catalog"]).toMatchObject({
      name: "glue-catalog",
      policy: expect.stringMatching(/^\$\{data\.aws_iam_policy_document\.app-glue-catalog-doc_[0-9A-F]{8}\.json\}$/),
    });
    expect(names(tf.resource, "aws_iam_role_policy").sort()).toEqual(["app-glue-catalog", "app-s3"]);
  });
});

describe("Role inline policies", () => {
  it("one inline policy per policy name, created on first use, at <id>-<name> and <id>-<name>-doc", () => {
    const { stack, role } = build();
    role.addToPolicy("data-lake", { sid: "Read", effect: "Allow", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::a/*"] });
    const { tf } = synthBare(stack);
    expect(tf.resource.aws_iam_role_policy).toEqual({
      "app-data-lake": {
        name: "data-lake",
        role: "${aws_iam_role.app.id}",
        policy: expect.stringMatching(/^\$\{data\.aws_iam_policy_document\.app-data-lake-doc_[0-9A-F]{8}\.json\}$/),
      },
    });
  });

  it("statements added to one policy merge by sid; other policies stay apart", () => {
    const { stack, role } = build();
    role.addToPolicy("data-lake", { sid: "Read", effect: "Allow", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::a/*"] });
    role.addToPolicy("environment-key", { sid: "Read", effect: "Allow", actions: ["kms:Decrypt"], resources: ["arn:aws:kms:eu-central-1:123456789012:key/k"] });
    role.addToPolicy(
      "data-lake",
      { sid: "Read", effect: "Allow", actions: ["s3:GetObjectVersion"], resources: ["arn:aws:s3:::b/*"] },
      { sid: "List", effect: "Allow", actions: ["s3:ListBucket"], resources: ["arn:aws:s3:::a"] },
    );
    const { tf } = synthBare(stack);
    const doc = (name: string) => policyDocFor(tf, tf.resource.aws_iam_role_policy[name].policy).statement;
    expect(doc("app-data-lake")).toEqual([
      { sid: "Read", effect: "Allow", actions: ["s3:GetObject", "s3:GetObjectVersion"], resources: ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"] },
      { sid: "List", effect: "Allow", actions: ["s3:ListBucket"], resources: ["arn:aws:s3:::a"] },
    ]);
    expect(doc("app-environment-key")).toEqual([
      { sid: "Read", effect: "Allow", actions: ["kms:Decrypt"], resources: ["arn:aws:kms:eu-central-1:123456789012:key/k"] },
    ]);
    expect(names(tf.resource, "aws_iam_role_policy")).toHaveLength(2);
  });

  it("attachManagedPolicy attaches by ARN to the role's name, at the given id", () => {
    const { stack, role } = build();
    role.attachManagedPolicy("read-only", "arn:aws:iam::aws:policy/ReadOnlyAccess");
    const { tf } = synthBare(stack);
    expect(tf.resource.aws_iam_role_policy_attachment).toEqual({
      "read-only": { role: "${aws_iam_role.app.name}", policy_arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" },
    });
  });

  it("policies lists every inline policy and attachment, once each, in creation order", () => {
    const { role } = build();
    role.addToPolicy("data-lake", { sid: "Read", effect: "Allow", actions: ["s3:GetObject"], resources: ["*"] });
    role.attachManagedPolicy("read-only", "arn:aws:iam::aws:policy/ReadOnlyAccess");
    role.addToPolicy("data-lake", { sid: "Write", effect: "Allow", actions: ["s3:PutObject"], resources: ["*"] });
    role.addToPolicy("glue-catalog", { sid: "Glue", effect: "Allow", actions: ["glue:GetTable"], resources: ["*"] });
    expect(role.policies.map((p) => [p.constructor, p.node.id])).toEqual([
      [IamRolePolicy, "app-data-lake"],
      [IamRolePolicyAttachment, "read-only"],
      [IamRolePolicy, "app-glue-catalog"],
    ]);
  });
});

describe("Role options", () => {
  it("maxSessionDuration is rendered when given", () => {
    const { stack } = build({ maxSessionDuration: 7200 });
    expect(synthBare(stack).tf.resource.aws_iam_role.app.max_session_duration).toBe(7200);
  });
});
