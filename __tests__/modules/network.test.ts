/**
 * Network alone on a bare stack (with the key it requires): a private-only VPC with no route to
 * the internet, an S3 gateway endpoint whose policy admits the project's buckets and the EMR /
 * Amazon Linux repositories only, interface endpoints on request, and encrypted flow logs.
 */
import { TerraformOutput } from "cdktf";
import { describe, expect, it } from "vitest";
import { Network, type NetworkProps } from "../../modules/network";
import { Role } from "../../modules/role";
import { TEST_ENV, bareStack, synthBare, testKey } from "../support/bare-stack";
import { dataSource, policyDocFor, resource, resources, statementsBySid, type TerraformJson } from "../support/terraform-json";

const EMR_TAG = { "for-use-with-amazon-emr-managed-policies": "true" };
const KEY_ARN = /^\$\{aws_kms_key\.key_[0-9A-F]{8}\.arn\}$/;
const VPC_ID = /^\$\{aws_vpc\.network_vpc_[0-9A-F]{8}\.id\}$/;
const ENDPOINT_SG_ID = /^\$\{aws_security_group\.network_endpoints-sg_[0-9A-F]{8}\.id\}$/;

function build(props: Partial<NetworkProps> = {}) {
  const stack = bareStack();
  const key = testKey(stack);
  const network = new Network(stack, "network", {
    namePrefix: "test",
    env: TEST_ENV,
    vpcCidr: "10.0.0.0/16",
    subnetCidrs: ["10.0.0.0/24", "10.0.1.0/24"],
    endpointSecurityGroupNamePrefix: "test-endpoints-",
    projectBuckets: [{ arn: "arn:aws:s3:::test-data" }, { arn: "arn:aws:s3:::test-logs" }],
    key,
    flowLogGroupName: "/test/vpc-flow-logs",
    flowLogRoleName: "test-flow-logs",
    ...props,
  });
  return { stack, network };
}

const s3EndpointPolicy = (tf: TerraformJson) => statementsBySid(policyDocFor(tf, resource(tf, "aws_vpc_endpoint", "network_s3_").policy));

describe("Network defaults", () => {
  const { stack, network } = build();
  const { tf, snapshot } = synthBare(stack);

  it("matches its snapshot", async () => {
    await expect(snapshot).toMatchFileSnapshot("__snapshots__/network.tf.json");
  });

  it("has no internet gateway, NAT gateway, elastic IP or route out", () => {
    for (const type of ["aws_internet_gateway", "aws_egress_only_internet_gateway", "aws_nat_gateway", "aws_eip", "aws_route", "aws_default_route_table"]) {
      expect(tf.resource[type], type).toBeUndefined();
    }
    for (const [, rt] of resources(tf, "aws_route_table")) expect(rt).not.toHaveProperty("route");
  });

  it("the VPC resolves DNS (interface endpoints need it) and carries the EMR managed-policy tag", () => {
    expect(resource(tf, "aws_vpc", "network_vpc")).toEqual({
      cidr_block: "10.0.0.0/16",
      enable_dns_support: true,
      enable_dns_hostnames: true,
      tags: { Name: "test", ...EMR_TAG },
    });
  });

  it("the default security group is stripped of every rule", () => {
    expect(resource(tf, "aws_default_security_group", "network")).toEqual({ vpc_id: expect.stringMatching(VPC_ID), ingress: [], egress: [] });
  });

  it("one private subnet per CIDR, in successive zones, with no public IPs and the EMR managed-policy tag", () => {
    const azs = /data\.aws_availability_zones\.network_azs_[0-9A-F]{8}\.names/.source;
    const subnets = resources(tf, "aws_subnet").map(([, s]) => s);
    expect(subnets).toEqual([
      {
        vpc_id: expect.stringMatching(VPC_ID),
        cidr_block: "10.0.0.0/24",
        availability_zone: expect.stringMatching(new RegExp(`^\\$\\{element\\(${azs}, 0\\)\\}$`)),
        map_public_ip_on_launch: false,
        tags: { Name: "test-private-0", tier: "private", ...EMR_TAG },
      },
      {
        vpc_id: expect.stringMatching(VPC_ID),
        cidr_block: "10.0.1.0/24",
        availability_zone: expect.stringMatching(new RegExp(`^\\$\\{element\\(${azs}, 1\\)\\}$`)),
        map_public_ip_on_launch: false,
        tags: { Name: "test-private-1", tier: "private", ...EMR_TAG },
      },
    ]);
    expect(network.subnetIds).toHaveLength(2);
  });

  it("zones come from a closed list: the region's a to f, available only", () => {
    expect(dataSource(tf, "aws_availability_zones", "network_azs")).toEqual({
      state: "available",
      filter: [{ name: "zone-name", values: ["eu-central-1a", "eu-central-1b", "eu-central-1c", "eu-central-1d", "eu-central-1e", "eu-central-1f"] }],
    });
  });

  it("one route table per subnet, associated with it", () => {
    expect(resources(tf, "aws_route_table")).toHaveLength(2);
    const associations = resources(tf, "aws_route_table_association").map(([, a]) => [a.subnet_id, a.route_table_id]);
    expect(associations).toEqual([
      [expect.stringMatching(/^\$\{aws_subnet\.network_private-0_\w+\.id\}$/), expect.stringMatching(/^\$\{aws_route_table\.network_private-rt-0_\w+\.id\}$/)],
      [expect.stringMatching(/^\$\{aws_subnet\.network_private-1_\w+\.id\}$/), expect.stringMatching(/^\$\{aws_route_table\.network_private-rt-1_\w+\.id\}$/)],
    ]);
  });

  it("the S3 gateway endpoint is on every private route table", () => {
    expect(resource(tf, "aws_vpc_endpoint", "network_s3_")).toMatchObject({
      vpc_id: expect.stringMatching(VPC_ID),
      service_name: "com.amazonaws.eu-central-1.s3",
      vpc_endpoint_type: "Gateway",
      route_table_ids: [
        expect.stringMatching(/^\$\{aws_route_table\.network_private-rt-0_\w+\.id\}$/),
        expect.stringMatching(/^\$\{aws_route_table\.network_private-rt-1_\w+\.id\}$/),
      ],
    });
  });

  it("the S3 endpoint lets this account's principals use the project buckets, and nothing else of theirs", () => {
    const policy = s3EndpointPolicy(tf);
    expect(Object.keys(policy)).toEqual(["ProjectBuckets", "EmrBootstrapRepositories"]);
    expect(policy.ProjectBuckets).toEqual({
      sid: "ProjectBuckets",
      effect: "Allow",
      principals: [{ type: "AWS", identifiers: ["*"] }],
      actions: [
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
        "s3:ListBucket",
        "s3:GetBucketLocation",
        "s3:ListBucketMultipartUploads",
      ],
      resources: ["arn:aws:s3:::test-data", "arn:aws:s3:::test-data/*", "arn:aws:s3:::test-logs", "arn:aws:s3:::test-logs/*"],
      condition: [{ test: "StringEquals", variable: "aws:PrincipalAccount", values: ["123456789012"] }],
    });
  });

  it("the S3 endpoint lets anyone read objects of the region's EMR and Amazon Linux repositories, read-only", () => {
    expect(s3EndpointPolicy(tf).EmrBootstrapRepositories).toEqual({
      sid: "EmrBootstrapRepositories",
      effect: "Allow",
      principals: [{ type: "AWS", identifiers: ["*"] }],
      actions: ["s3:GetObject"],
      resources: [
        "arn:aws:s3:::repo.eu-central-1.emr.amazonaws.com/*",
        "arn:aws:s3:::eu-central-1.elasticmapreduce/*",
        "arn:aws:s3:::prod.eu-central-1.appinfo.src/*",
        "arn:aws:s3:::amazonlinux.eu-central-1.amazonaws.com/*",
        "arn:aws:s3:::amazonlinux-2-repos-eu-central-1/*",
        "arn:aws:s3:::al2023-repos-eu-central-1-de612dc2/*",
      ],
    });
  });

  it("has no interface endpoints unless asked", () => {
    expect(resources(tf, "aws_vpc_endpoint")).toHaveLength(1);
    expect(network.interfaceEndpoints).toEqual({});
  });

  it("the endpoint security group is replaced before it is destroyed, and admits only HTTPS from the VPC", () => {
    expect(resource(tf, "aws_security_group", "network_endpoints-sg")).toEqual({
      name_prefix: "test-endpoints-",
      description: "Interface VPC endpoints: HTTPS from inside the VPC only",
      vpc_id: expect.stringMatching(VPC_ID),
      revoke_rules_on_delete: true,
      tags: { Name: "test-vpc-endpoints" },
      lifecycle: { create_before_destroy: true },
    });
    expect(resources(tf, "aws_vpc_security_group_ingress_rule").map(([, r]) => r)).toEqual([
      { security_group_id: expect.stringMatching(ENDPOINT_SG_ID), description: "HTTPS from the VPC", ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "10.0.0.0/16" },
    ]);
    expect(tf.resource.aws_vpc_security_group_egress_rule).toBeUndefined();
  });

  it("flow logs go to a KMS-encrypted log group kept 365 days, for all traffic", () => {
    expect(resource(tf, "aws_cloudwatch_log_group", "network_flow-logs")).toEqual({
      name: "/test/vpc-flow-logs",
      retention_in_days: 365,
      kms_key_id: expect.stringMatching(KEY_ARN),
    });
    expect(resource(tf, "aws_flow_log", "network_flow-log")).toEqual({
      vpc_id: expect.stringMatching(VPC_ID),
      traffic_type: "ALL",
      log_destination_type: "cloud-watch-logs",
      log_destination: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.network_flow-logs_[0-9A-F]{8}\.arn\}$/),
      iam_role_arn: expect.stringMatching(/^\$\{aws_iam_role\.network_flow-logs-role_[0-9A-F]{8}\.arn\}$/),
      max_aggregation_interval: 60,
    });
  });

  it("the flow-log role is a Role, trusted by VPC Flow Logs for this account only", () => {
    expect(stack.node.findAll().filter((c) => c instanceof Role)).toHaveLength(1);
    const role = resource(tf, "aws_iam_role", "network_flow-logs-role");
    expect(role.name).toBe("test-flow-logs");
    expect(role.assume_role_policy).toMatch(/^\$\{data\.aws_iam_policy_document\.network_flow-logs-trust_doc_[0-9A-F]{8}\.json\}$/);
    expect(policyDocFor(tf, role.assume_role_policy).statement).toEqual([
      {
        effect: "Allow",
        principals: [{ type: "Service", identifiers: ["vpc-flow-logs.amazonaws.com"] }],
        actions: ["sts:AssumeRole"],
        condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: ["123456789012"] }],
      },
    ]);
  });

  it("the flow-log role may only write to its own log group", () => {
    expect(tf.resource.aws_iam_role_policy_attachment).toBeUndefined();
    const policies = resources(tf, "aws_iam_role_policy");
    expect(policies.map(([n]) => n)).toEqual([expect.stringMatching(/^network_flow-logs-policy_[0-9A-F]{8}$/)]);
    const [, policy] = policies[0];
    expect(policy.name).toBe("write-flow-log-group");
    expect(policy.policy).toMatch(/^\$\{data\.aws_iam_policy_document\.network_flow-logs-write_doc_[0-9A-F]{8}\.json\}$/);
    const group = /^\$\{aws_cloudwatch_log_group\.network_flow-logs_[0-9A-F]{8}\.arn\}/;
    expect(policyDocFor(tf, policy.policy).statement).toEqual([
      {
        sid: "WriteFlowLogGroup",
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        resources: [expect.stringMatching(new RegExp(`${group.source}$`)), expect.stringMatching(new RegExp(`${group.source}:\\*$`))],
      },
    ]);
  });

  it("exposes the VPC id and CIDR, the subnet ids and the S3 prefix list for neighbours, as references", () => {
    const { stack: s, network: n } = build();
    new TerraformOutput(s, "vpc_id", { value: n.vpcId });
    new TerraformOutput(s, "subnet_ids", { value: n.subnetIds });
    new TerraformOutput(s, "s3_prefix_list_id", { value: n.s3PrefixListId });
    const { output } = synthBare(s).tf;
    expect(n.vpcCidr).toBe("10.0.0.0/16");
    expect(output.vpc_id.value).toMatch(VPC_ID);
    expect(output.subnet_ids.value).toEqual([
      expect.stringMatching(/^\$\{aws_subnet\.network_private-0_[0-9A-F]{8}\.id\}$/),
      expect.stringMatching(/^\$\{aws_subnet\.network_private-1_[0-9A-F]{8}\.id\}$/),
    ]);
    expect(output.s3_prefix_list_id.value).toMatch(/^\$\{aws_vpc_endpoint\.network_s3_[0-9A-F]{8}\.prefix_list_id\}$/);
  });
});

describe("Network options", () => {
  it("interface endpoints: one per service, private DNS, in every subnet, behind the endpoint group", () => {
    const { stack, network } = build({ interfaceEndpoints: ["sts", "logs"] });
    const { tf } = synthBare(stack);
    expect(Object.keys(network.interfaceEndpoints)).toEqual(["sts", "logs"]);
    for (const service of ["sts", "logs"]) {
      expect(resource(tf, "aws_vpc_endpoint", `network_endpoint-${service}_`)).toEqual({
        vpc_id: expect.stringMatching(VPC_ID),
        service_name: `com.amazonaws.eu-central-1.${service}`,
        vpc_endpoint_type: "Interface",
        private_dns_enabled: true,
        subnet_ids: [expect.stringMatching(/^\$\{aws_subnet\.network_private-0_\w+\.id\}$/), expect.stringMatching(/^\$\{aws_subnet\.network_private-1_\w+\.id\}$/)],
        security_group_ids: [expect.stringMatching(ENDPOINT_SG_ID)],
        tags: { Name: `test-${service}` },
      });
    }
    expect(resources(tf, "aws_vpc_endpoint")).toHaveLength(3);
  });

  it("zoneNames replaces the default zone list", () => {
    const { stack } = build({ zoneNames: ["eu-central-1b", "eu-central-1c"] });
    expect(dataSource(synthBare(stack).tf, "aws_availability_zones", "network_azs").filter).toEqual([{ name: "zone-name", values: ["eu-central-1b", "eu-central-1c"] }]);
  });

  it("flowLogRetentionDays sets the flow-log retention", () => {
    const { stack } = build({ flowLogRetentionDays: 30 });
    expect(resource(synthBare(stack).tf, "aws_cloudwatch_log_group", "network_flow-logs").retention_in_days).toBe(30);
  });

  it("three subnet CIDRs give three subnets and three route tables on the S3 endpoint", () => {
    const { stack } = build({ subnetCidrs: ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"] });
    const { tf } = synthBare(stack);
    expect(resources(tf, "aws_subnet").map(([, s]) => s.cidr_block)).toEqual(["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]);
    expect(resource(tf, "aws_vpc_endpoint", "network_s3_").route_table_ids).toHaveLength(3);
  });

  it("the S3 endpoint's repositories and project-bucket condition follow the environment", () => {
    const { stack } = build({ env: { accountId: "210987654321", region: "us-east-1" } });
    const { tf } = synthBare(stack);
    const policy = s3EndpointPolicy(tf);
    expect(policy.ProjectBuckets.condition[0].values).toEqual(["210987654321"]);
    expect(policy.EmrBootstrapRepositories.resources).toContain("arn:aws:s3:::al2023-repos-us-east-1-de612dc2/*");
    expect(resource(tf, "aws_vpc_endpoint", "network_s3_").service_name).toBe("com.amazonaws.us-east-1.s3");
  });
});
