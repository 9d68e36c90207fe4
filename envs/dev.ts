/**
 * The dev environment.
 *
 * PLACEHOLDER ACCOUNT: 111111111111 is not a real account. Replace it with the dev account id
 * before the first `cdktf deploy`; the provider's allowed_account_ids then refuses any other
 * account's credentials.
 */
import type { EnvConfigInput } from "./schema";

const dev: EnvConfigInput = {
  environment: "dev",
  accountId: "111111111111", // placeholder: see above
  region: "eu-west-1",
  owner: "marketpulse-data-platform",
  costCenter: "mp-dev-1001",
  backend: { type: "local" },
  network: {
    vpcCidr: "10.20.0.0/16",
    azCount: 2,
    subnetPrefixLength: 20,
  },
  encryption: { keyDeletionWindowDays: 7 },
  dataLake: { destroyProtection: false },
};

export default dev;
