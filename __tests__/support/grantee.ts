/** A Grantee that records what grants add to it, for tests of grant helpers. */
import type { Grantee, Statement } from "../../modules/policy-document";

export class RecordingGrantee implements Grantee {
  private readonly added: Record<string, Statement[]> = {};

  constructor(
    readonly principalArn = "arn:aws:iam::123456789012:role/test",
    readonly grantSid = "TestRole",
  ) {}

  addToPolicy(policyName: string, ...statements: Statement[]): void {
    (this.added[policyName] ??= []).push(...statements);
  }

  /** Statements added to one inline policy, in order (not merged). */
  statements(policyName: string): Statement[] {
    return this.added[policyName] ?? [];
  }

  /** Names of the inline policies that received statements. */
  get policyNames(): string[] {
    return Object.keys(this.added).sort();
  }
}
