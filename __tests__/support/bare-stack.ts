/**
 * One module alone on a bare test stack (the Pocket cdktf habit): only the AWS provider and
 * whatever neighbours the module's props require, so a spec exercises the module's own
 * defaults rather than the platform's configuration.
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import type { AwsEnvironment } from "../../modules/arn";
import { EncryptionKey } from "../../modules/encryption-key";
import { normalise } from "./normalise";
import type { TerraformJson } from "./terraform-json";

/** Account and region of every bare stack: deliberately not the committed environments'. */
export const TEST_ENV: AwsEnvironment = { accountId: "123456789012", region: "eu-central-1" };

export function bareStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: TEST_ENV.region });
  return stack;
}

/** The environment key most modules take, with only its required props. */
export function testKey(stack: TerraformStack): EncryptionKey {
  return new EncryptionKey(stack, "key", { alias: "test", env: TEST_ENV, logGroupPrefix: "/test" });
}

export interface SynthesizedModule {
  readonly json: string;
  readonly tf: TerraformJson;
  /** Normalised JSON for the module's file snapshot. */
  readonly snapshot: string;
}

export function synthBare(stack: TerraformStack): SynthesizedModule {
  const json = Testing.synth(stack);
  return { json, tf: JSON.parse(json) as TerraformJson, snapshot: normalise(json) };
}
