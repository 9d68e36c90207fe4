/**
 * Role: the one IAM role building block, and the platform's Grantee. It is an `aws_iam_role`
 * whose permissions are inline policies, one per concern, that grant helpers fill
 * (`lake.grantRead(role, "bronze")` adds to the role's `data-lake` policy).
 *
 * The role is the resource itself (not a wrapper construct), and its trust document and inline
 * policies are its siblings, so their Terraform addresses stay what they were before the role
 * became a building block. Construct ids are part of the address: `trustId` and `policyIds`
 * pin them.
 */
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { Construct } from "constructs";
import { PolicyDocument, type Grantee, type Statement } from "./policy-document";

/** Construct ids of one inline policy and its document (siblings of the role). */
export interface PolicyIds {
  readonly policy: string;
  readonly document: string;
}

export interface RoleProps {
  /** Physical role name (from envs/naming.ts). Required. */
  readonly roleName: string;
  /** What the role is for, shown in the console. Required. */
  readonly description: string;
  /** The trust policy: who may assume the role, with its conditions. Required. */
  readonly assumedBy: Statement[];
  /** PascalCase name for statement ids that name the role, e.g. `EmrInstanceRole`. Required. */
  readonly grantSid: string;
  /** Maximum session, in seconds. Default: IAM's own, 3600. */
  readonly maxSessionDuration?: number;
  /** Construct id of the trust document. Default: `<id>-trust`. */
  readonly trustId?: string;
  /**
   * Construct ids of inline policies by policy name, where they must differ from the default
   * (`<id>-<policy name>` and `<id>-<policy name>-doc`).
   */
  readonly policyIds?: Readonly<Record<string, PolicyIds>>;
}

export class Role extends IamRole implements Grantee {
  readonly principalArn: string;
  readonly grantSid: string;
  /** Every policy resource of the role; a consumer that validates permissions at launch (EMR) depends on them. */
  readonly policies: (IamRolePolicy | IamRolePolicyAttachment)[] = [];
  private readonly documents = new Map<string, PolicyDocument>();
  private readonly policyIds: Readonly<Record<string, PolicyIds>>;

  constructor(scope: Construct, id: string, props: RoleProps) {
    super(scope, id, {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: new PolicyDocument(scope, props.trustId ?? `${id}-trust`, props.assumedBy).json,
      maxSessionDuration: props.maxSessionDuration,
    });
    this.principalArn = this.arn;
    this.grantSid = props.grantSid;
    this.policyIds = props.policyIds ?? {};
  }

  addToPolicy(policyName: string, ...statements: Statement[]): void {
    let doc = this.documents.get(policyName);
    if (!doc) {
      const ids = this.policyIds[policyName] ?? { policy: `${this.node.id}-${policyName}`, document: `${this.node.id}-${policyName}-doc` };
      const scope = this.node.scope as Construct;
      doc = new PolicyDocument(scope, ids.document);
      this.documents.set(policyName, doc);
      this.policies.push(new IamRolePolicy(scope, ids.policy, { name: policyName, role: this.id, policy: doc.json }));
    }
    doc.add(...statements);
  }

  /** Attaches an AWS managed policy (construct id `id`, a sibling of the role). */
  attachManagedPolicy(id: string, policyArn: string): void {
    this.policies.push(new IamRolePolicyAttachment(this.node.scope as Construct, id, { role: this.name, policyArn }));
  }
}
