import { describe, expect, it } from "vitest";
import { CROSS_ENV_RULES, parseEnvConfig, parseEnvConfigs } from "../../envs";
import { ENV_RULES, envConfigSchema, subnetCidrsOf } from "../../envs/schema";
import { renderJsonSchema } from "../../scripts/gen-config-docs";
import { problems, problemsOf } from "../support/config";
import { RAW_ENVS } from "../support/synth";

const { dev, prod } = RAW_ENVS;

describe("committed environments", () => {
  it("dev and prod are valid together", () => {
    const envs = parseEnvConfigs({ dev, prod });
    expect(Object.keys(envs)).toEqual(["dev", "prod"]);
    expect(envs.dev.accountId).not.toBe(envs.prod.accountId);
  });

  it("fills every default", () => {
    const cfg = parseEnvConfig({ environment: "qa", accountId: "333333333333", region: "us-east-1", owner: "o", costCenter: "c" });
    expect(cfg.project).toBe("marketpulse");
    expect(cfg.backend).toEqual({ type: "local" });
    expect(cfg.logging.logBucketExpirationDays).toBe(180);
    expect(cfg.encryption.keyDeletionWindowDays).toBe(30);
    expect(cfg.dataLake.destroyProtection).toBe(true);
    expect(cfg.network.interfaceEndpoints).toEqual([
      "sts", "ec2", "logs", "kms", "glue", "ssm", "ssmmessages", "ec2messages", "elasticmapreduce", "monitoring",
    ]);
    expect(subnetCidrsOf(cfg.network)).toEqual(["10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20"]);
  });
});

describe("bad config shapes get one line per problem, naming the field", () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ["short account id", { accountId: "12345" }, ["accountId: expected a 12-digit AWS account id"]],
    ["non-commercial region", { region: "us-gov-west-1" }, ["region: Invalid option: expected one of"]],
    ["typo in a top-level key", { regoin: "eu-west-1" }, ["regoin: unknown key (not in the schema; check the spelling)"]],
    ["typo in a nested key", { network: { vpcCidr: "10.20.0.0/16", azCont: 2 } }, ["network.azCont: unknown key"]],
    ["one AZ", { network: { azCount: 1 } }, ["network.azCount: Too small: expected number to be >=2"]],
    ["bad CIDR", { network: { vpcCidr: "10.20.0.0/33" } }, ["network.vpcCidr: expected an IPv4 network in CIDR form"]],
    ["host bits set", { network: { vpcCidr: "10.20.1.0/16" } }, ["network.vpcCidr: expected an IPv4 network in CIDR form"]],
    ["VPC too large", { network: { vpcCidr: "10.0.0.0/8" } }, ["network.vpcCidr: VPC prefix length must be between /16 and /24"]],
    ["unknown endpoint", { network: { interfaceEndpoints: ["sts", "s4"] } }, ["network.interfaceEndpoints.1: Invalid option"]],
    [
      "dropping the KMS endpoint",
      { network: { interfaceEndpoints: ["glue", "logs"] } },
      ["network.interfaceEndpoints: must include kms: EMR nodes encrypt their local disks and EBS volumes with the environment key and must reach KMS to boot"],
    ],
    [
      "dropping the Glue endpoint",
      { network: { interfaceEndpoints: ["kms"] } },
      ["network.interfaceEndpoints: must include glue: Spark on the cluster uses the Glue Data Catalog as its metastore, so every Spark session calls Glue"],
    ],
    [
      "half of Session Manager",
      { network: { interfaceEndpoints: ["kms", "glue", "ssm"] } },
      ["network.interfaceEndpoints: Session Manager needs ssm, ssmmessages, ec2messages together; add ssmmessages, ec2messages or remove ssm"],
    ],
    ["an endpoint twice", { network: { interfaceEndpoints: ["kms", "glue", "kms"] } }, ["network.interfaceEndpoints.2: kms is listed twice"]],
    ["odd log retention", { network: { flowLogRetentionDays: 100 } }, ["network.flowLogRetentionDays: must be one of the CloudWatch Logs retention values"]],
    ["deletion window too short", { encryption: { keyDeletionWindowDays: 3 } }, ["encryption.keyDeletionWindowDays: Too small"]],
    ["deletion window too long", { encryption: { keyDeletionWindowDays: 45 } }, ["encryption.keyDeletionWindowDays: Too big"]],
    ["s3 backend without key", { backend: { type: "s3", bucket: "state-bucket", region: "eu-west-1" } }, ["backend.key: Invalid input: expected string, received undefined"]],
    ["s3 backend without locking", { backend: { type: "s3", bucket: "state-bucket", key: "a/b.tfstate", region: "eu-west-1", useLockfile: false } }, ["backend.useLockfile: Invalid input: expected true"]],
    ["unknown backend", { backend: { type: "consul" } }, ["backend.type: Invalid discriminator value. Expected 'local' | 's3' | 'cloud'"]],
    ["deploy role in another account", { deployRoleArn: "arn:aws:iam::999999999999:role/deploy" }, ["deployRoleArn: must be a role in account 111111111111 (accountId)"]],
    ["bad deploy role", { deployRoleArn: "arn:aws:iam::111111111111:user/bob" }, ["deployRoleArn: expected an IAM role ARN"]],
    ["bucket name too long", { dataLake: { bucketPrefix: "a-very-long-bucket-prefix-that-goes-on-and-on-and-on" } }, ["dataLake.bucketPrefix: bucket name a-very-long-bucket-prefix-that-goes-on-and-on-and-on-logs-111111111111 is 70 characters; S3 allows 63"]],
    ["bucket prefix with uppercase", { dataLake: { bucketPrefix: "MarketPulse" } }, ["dataLake.bucketPrefix: expected lowercase letters"]],
    ["glacier before IA + 30", { dataLake: { bronzeInfrequentAccessDays: 60, bronzeGlacierDays: 70 } }, ["dataLake.bronzeGlacierDays: must be at least 30 days after bronzeInfrequentAccessDays"]],
    ["subnets do not fit", { network: { vpcCidr: "10.20.0.0/24", azCount: 3, subnetPrefixLength: 25 } }, ["network.subnetPrefixLength: 3 subnets of /25 do not fit in 10.20.0.0/24"]],
    ["subnet outside the VPC", { network: { vpcCidr: "10.20.0.0/16", azCount: 2, subnetCidrs: ["10.20.0.0/20", "10.21.0.0/20"] } }, ["network.subnetCidrs.1: 10.21.0.0/20 is not inside vpcCidr 10.20.0.0/16"]],
    ["overlapping subnets", { network: { vpcCidr: "10.20.0.0/16", azCount: 2, subnetCidrs: ["10.20.0.0/20", "10.20.8.0/21"] } }, ["network.subnetCidrs.1: 10.20.8.0/21 overlaps subnetCidrs.0 (10.20.0.0/20)"]],
    ["wrong subnet count", { network: { vpcCidr: "10.20.0.0/16", azCount: 3, subnetCidrs: ["10.20.0.0/20", "10.20.16.0/20"] } }, ["network.subnetCidrs: expected 3 subnets (one per AZ, azCount), got 2"]],
  ];

  it.each(cases)("%s", (_name, patch, expected) => {
    const lines = problems({ ...dev, ...patch });
    expect(lines).toHaveLength(expected.length);
    expected.forEach((prefix, i) => expect(lines[i].startsWith(prefix), `${lines[i]} should start with ${prefix}`).toBe(true));
  });

  it("lists every problem at once", () => {
    const lines = problems({ ...dev, accountId: "x", region: "mars-1", owner: "", extra: 1 });
    expect(lines.map((l) => l.split(":")[0]).sort()).toEqual(["accountId", "extra", "owner", "region"]);
  });

  it("reports a missing required field", () => {
    const { owner: _owner, ...rest } = dev;
    expect(problems(rest)).toEqual(["owner: Invalid input: expected string, received undefined"]);
  });
});

describe("production rules", () => {
  it("prod requires a 30-day window, destroy protection and remote state", () => {
    const lines = problems({ ...prod, encryption: { keyDeletionWindowDays: 7 }, dataLake: { destroyProtection: false }, backend: { type: "local" } });
    // In the order of the config's sections.
    expect(lines).toEqual([
      "backend.type: prod requires remote state (s3 or cloud), not local",
      "encryption.keyDeletionWindowDays: prod requires a 30-day key deletion window",
      "dataLake.destroyProtection: prod requires destroy protection on data buckets",
    ]);
  });

  it("the same settings are fine outside prod", () => {
    expect(() => parseEnvConfig({ ...dev, encryption: { keyDeletionWindowDays: 7 }, dataLake: { destroyProtection: false } })).not.toThrow();
  });
});

describe("the rule registry", () => {
  const all = [...ENV_RULES, ...CROSS_ENV_RULES];

  it("gives every rule a unique code and a one-sentence description", () => {
    const codes = all.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const r of all) {
      expect(r.code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(r.description, r.code).toMatch(/^[A-Z`].*\.$/);
    }
  });

  it("names a field of the schema in every rule's path", () => {
    const schema = JSON.parse(renderJsonSchema());
    const resolve = (path: string) =>
      path.split(".").reduce<any>((node, key) => {
        const props = node?.properties ?? node?.oneOf?.find((v: any) => v.properties?.[key])?.properties;
        return props?.[key];
      }, schema);
    for (const r of all) expect(resolve(r.path.replace(/^<env>\./, "")), `${r.code}: ${r.path}`).toBeDefined();
  });

  it("every problem carries the code of the rule that found it", () => {
    const result = envConfigSchema.safeParse({ ...prod, encryption: { keyDeletionWindowDays: 7 } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => (i as { params?: { rule?: string } }).params?.rule)).toEqual(["prod-key-deletion-window"]);
  });
});

describe("rules across environments", () => {
  it("environments never share an account", () => {
    expect(problemsOf({ dev, prod: { ...prod, accountId: dev.accountId } })).toEqual([
      "prod.accountId: account 111111111111 is already used by dev.accountId; environments must not share it",
    ]);
  });

  it("environments never share a state key", () => {
    const backend = prod.backend;
    expect(problemsOf({ dev: { ...dev, backend }, prod })).toEqual([
      "prod.backend.key: state object s3://marketpulse-terraform-state-222222222222/marketpulse/prod/terraform.tfstate is already used by dev.backend.key; environments must not share it",
    ]);
  });

  it("environments never share a workspace", () => {
    const backend = { type: "cloud", organization: "acme", workspace: "marketpulse" };
    expect(problemsOf({ dev: { ...dev, backend }, prod: { ...prod, backend } })).toEqual([
      "prod.backend.workspace: workspace acme/marketpulse is already used by dev.backend.workspace; environments must not share it",
    ]);
  });

  it("an environment is named after its key, and problems are prefixed with it", () => {
    expect(problemsOf({ dev: { ...dev, environment: "test" }, prod: { ...prod, accountId: "1" } })).toEqual([
      "prod.accountId: expected a 12-digit AWS account id",
      'dev.environment: expected "dev" (the environment\'s key), got "test"',
    ]);
  });
});
