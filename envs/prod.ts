/**
 * The prod environment. Held to production rules (envs/schema.ts): at least 2 AZs, a 30-day
 * key deletion window, destroy protection on data buckets and remote state.
 *
 * PLACEHOLDER ACCOUNT: 222222222222 is not a real account, and the state bucket below is a
 * placeholder too. Replace both before the first `cdktf deploy`.
 */
import type { EnvConfigInput } from "./schema";

const prod: EnvConfigInput = {
  environment: "prod",
  accountId: "222222222222", // placeholder: see above
  region: "eu-west-1",
  owner: "marketpulse-data-platform",
  costCenter: "mp-prod-1001",
  backend: {
    type: "s3",
    bucket: "marketpulse-terraform-state-222222222222", // placeholder
    key: "marketpulse/prod/terraform.tfstate",
    region: "eu-west-1",
  },
  network: {
    vpcCidr: "10.30.0.0/16",
    azCount: 3,
    subnetPrefixLength: 20,
  },
  encryption: { keyDeletionWindowDays: 30 },
  dataLake: { destroyProtection: true },
};

export default prod;
