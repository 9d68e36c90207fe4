/**
 * Look-ups in synthesized Terraform JSON, for module specs on a bare stack.
 *
 * Same names and behaviour as the look-ups in ./synth.ts, but this file imports nothing at run
 * time: ./synth.ts loads the environments and the platform stack, so a module spec that
 * imported it would fail whenever the stack or an env config is broken, which is exactly what
 * a module spec built alone must not depend on. ./synth.ts re-exports them.
 */
export interface TerraformJson {
  terraform: Record<string, any>;
  provider: Record<string, any[]>;
  resource: Record<string, Record<string, any>>;
  data: Record<string, Record<string, any>>;
  output: Record<string, any>;
}

/** All resources of a type, as [name, body] pairs. */
export function resources(tf: TerraformJson, type: string): [string, any][] {
  return Object.entries(tf.resource?.[type] ?? {});
}

/** The single resource of a type whose name contains `fragment`. */
export function resource(tf: TerraformJson, type: string, fragment: string): any {
  const found = resources(tf, type).filter(([name]) => name.includes(fragment));
  if (found.length !== 1) throw new Error(`expected one ${type} matching "${fragment}", found ${found.map(([n]) => n).join(", ") || "none"}`);
  return found[0][1];
}

/** The single data source of a type whose name contains `fragment`. */
export function dataSource(tf: TerraformJson, type: string, fragment: string): any {
  const found = Object.entries(tf.data?.[type] ?? {}).filter(([name]) => name.includes(fragment));
  if (found.length !== 1) throw new Error(`expected one data.${type} matching "${fragment}", found ${found.map(([n]) => n).join(", ") || "none"}`);
  return found[0][1];
}

/** The policy document data source that a `${data.aws_iam_policy_document.X.json}` reference points at. */
export function policyDocFor(tf: TerraformJson, reference: string): any {
  const m = /data\.aws_iam_policy_document\.([\w-]+)\.json/.exec(reference);
  if (!m) throw new Error(`not a policy-document reference: ${reference}`);
  const doc = tf.data?.aws_iam_policy_document?.[m[1]];
  if (!doc) throw new Error(`no data.aws_iam_policy_document.${m[1]} in the synthesized JSON`);
  return doc;
}

/** Statements of a policy document, by sid. */
export function statementsBySid(doc: any): Record<string, any> {
  return Object.fromEntries((doc.statement as any[]).map((s) => [s.sid, s]));
}
