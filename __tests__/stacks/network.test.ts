import { describe, expect, it } from "vitest";
import { policyDocFor, resource, resources, statementsBySid, synthEnv, type EnvName } from "../support/synth";

const EMR_TAG = { "for-use-with-amazon-emr-managed-policies": "true" };

describe.each<EnvName>(["dev", "prod"])("network (%s)", (env) => {
  const { json, tf, stack } = synthEnv(env);
  const cfg = stack.config;

  it("is a private VPC with DNS and the EMR managed-policy tag", () => {
    expect(json).toHaveResourceWithProperties("aws_vpc", {
      cidr_block: cfg.network.vpcCidr,
      enable_dns_support: true,
      enable_dns_hostnames: true,
      tags: EMR_TAG, // cdktf matchers compare objects as subsets
    });
  });

  it("has one private subnet per AZ, no public IPs, tagged for EMR", () => {
    const subnets = resources(tf, "aws_subnet");
    expect(subnets).toHaveLength(cfg.network.azCount);
    for (const [, s] of subnets) {
      expect(s.map_public_ip_on_launch).toBe(false);
      expect(s.tags).toMatchObject(EMR_TAG);
    }
    expect(new Set(subnets.map(([, s]) => s.availability_zone)).size).toBe(cfg.network.azCount);
  });

  it("has no internet gateway, NAT gateway, EIP or default route", () => {
    for (const type of ["aws_internet_gateway", "aws_nat_gateway", "aws_eip", "aws_route", "aws_egress_only_internet_gateway"]) {
      expect(tf.resource[type]).toBeUndefined();
    }
    for (const [, rt] of resources(tf, "aws_route_table")) expect(rt.route ?? []).toEqual([]);
  });

  it("strips the default security group", () => {
    expect(json).toHaveResourceWithProperties("aws_default_security_group", { ingress: [], egress: [] });
  });

  it("routes S3 through a gateway endpoint limited to project and EMR repository buckets", () => {
    const s3 = resource(tf, "aws_vpc_endpoint", "network_s3_");
    expect(s3.vpc_endpoint_type).toBe("Gateway");
    expect(s3.route_table_ids).toHaveLength(cfg.network.azCount);
    const doc = statementsBySid(policyDocFor(tf, s3.policy));
    expect(Object.keys(doc).sort()).toEqual(["EmrBootstrapRepositories", "ProjectBuckets"]);
    expect(doc.ProjectBuckets.condition).toEqual([
      { test: "StringEquals", variable: "aws:PrincipalAccount", values: [cfg.accountId] },
    ]);
    // 5 buckets (logs + 4 lake), each as bucket and objects.
    expect(doc.ProjectBuckets.resources).toHaveLength(10);
    expect(doc.EmrBootstrapRepositories.actions).toEqual(["s3:GetObject"]);
    for (const arn of doc.EmrBootstrapRepositories.resources) expect(arn).toContain(cfg.region);
  });

  it("creates the configured interface endpoints with private DNS and a 443-from-VPC security group", () => {
    const eps = resources(tf, "aws_vpc_endpoint").filter(([, e]) => e.vpc_endpoint_type === "Interface");
    expect(eps.map(([, e]) => e.service_name.split(".").pop()).sort()).toEqual([...cfg.network.interfaceEndpoints].sort());
    for (const [, e] of eps) {
      expect(e.private_dns_enabled).toBe(true);
      expect(e.subnet_ids).toHaveLength(cfg.network.azCount);
    }
    const rules = resources(tf, "aws_vpc_security_group_ingress_rule").filter(([n]) => n.startsWith("network_"));
    expect(rules).toHaveLength(1);
    expect(rules[0][1]).toMatchObject({ from_port: 443, to_port: 443, ip_protocol: "tcp", cidr_ipv4: cfg.network.vpcCidr });
  });

  it("sends all flow logs to a KMS-encrypted log group under the environment prefix", () => {
    const group = resource(tf, "aws_cloudwatch_log_group", "flow-logs");
    expect(group.name).toBe(`/marketpulse/${env}/vpc-flow-logs`);
    expect(group.kms_key_id).toMatch(/aws_kms_key\..*\.arn/);
    expect(group.retention_in_days).toBe(cfg.network.flowLogRetentionDays);
    expect(json).toHaveResourceWithProperties("aws_flow_log", { traffic_type: "ALL", log_destination_type: "cloud-watch-logs" });
  });

  it("pins the AZ set by name", () => {
    const azs = Object.values(tf.data.aws_availability_zones)[0] as any;
    expect(azs.filter[0].name).toBe("zone-name");
  });
});

describe("network config variants", () => {
  it("creates exactly the configured endpoint set", () => {
    const { tf } = synthEnv("dev", { network: { vpcCidr: "10.20.0.0/16", azCount: 2, interfaceEndpoints: ["kms", "glue", "athena"] } });
    const names = resources(tf, "aws_vpc_endpoint").map(([, e]) => e.service_name);
    expect(names.sort()).toEqual(["athena", "glue", "kms", "s3"].map((s) => `com.amazonaws.eu-west-1.${s}`));
  });

  it("uses explicit subnet CIDRs when given", () => {
    const { tf } = synthEnv("dev", { network: { vpcCidr: "10.20.0.0/16", azCount: 2, subnetCidrs: ["10.20.64.0/19", "10.20.96.0/19"] } });
    expect(resources(tf, "aws_subnet").map(([, s]) => s.cidr_block)).toEqual(["10.20.64.0/19", "10.20.96.0/19"]);
  });
});
