/**
 * Network: a private-only VPC. No public subnets, no internet gateway, no NAT gateway and no
 * public IPs: AWS is reached through an S3 gateway endpoint and interface endpoints only.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { bucketArn, type AwsEnvironment } from "./arn";
import type { EncryptionKey } from "./encryption-key";
import { PolicyDocument, awsPrincipals, servicePrincipals } from "./policy-document";
import { Role } from "./role";

/** EMR's managed policy (AmazonEMRServicePolicy_v2) only acts on resources carrying this tag. */
export const EMR_MANAGED_TAG = { "for-use-with-amazon-emr-managed-policies": "true" } as const;

/**
 * Objects EMR nodes fetch while bootstrapping: the region's EMR and Amazon Linux repositories.
 * These are AWS-owned buckets, named by AWS:
 * - `repo.<region>.emr.amazonaws.com`, `<region>.elasticmapreduce`, `prod.<region>.appinfo.src`:
 *   the EMR repositories and bootstrap artifacts (Amazon EMR Management Guide, "Minimum Amazon
 *   S3 policy for private subnet");
 * - `amazonlinux.<region>.amazonaws.com`, `amazonlinux-2-repos-<region>`: Amazon Linux 2;
 * - `al2023-repos-<region>-de612dc2`: Amazon Linux 2023 (EMR 7's OS). The `de612dc2` suffix
 *   is fixed by AWS and the same in every region; AWS lists the bucket in its network
 *   requirements for AL2023 instances behind restrictive S3 endpoint policies (e.g. AWS
 *   Application Migration Service's). If a region's repository ever moves, dnf fails with
 *   HTTP 403 during bootstrap and this list is the place to fix.
 */
export function emrBootstrapBucketArns(region: string): string[] {
  return [
    `repo.${region}.emr.amazonaws.com`,
    `${region}.elasticmapreduce`,
    `prod.${region}.appinfo.src`,
    `amazonlinux.${region}.amazonaws.com`,
    `amazonlinux-2-repos-${region}`,
    `al2023-repos-${region}-de612dc2`,
  ].map((bucket) => `${bucketArn(bucket)}/*`);
}

export interface NetworkProps {
  /** Prefix of Name tags, e.g. `marketpulse-dev`. Required. */
  readonly namePrefix: string;
  /** The VPC's account and region. Required. */
  readonly env: AwsEnvironment;
  /** VPC CIDR block. Required. */
  readonly vpcCidr: string;
  /** One private subnet per CIDR, each in the next availability zone. Required. */
  readonly subnetCidrs: string[];
  /** Availability-zone names subnets may use, in order. Default: the region's zones a to f. */
  readonly zoneNames?: string[];
  /** Interface endpoint service short names (`sts`, `logs`, ...). Default: none. */
  readonly interfaceEndpoints?: readonly string[];
  /** Name prefix of the endpoints' security group (create_before_destroy). Required. */
  readonly endpointSecurityGroupNamePrefix: string;
  /** The project's buckets: the only non-AWS buckets the S3 endpoint lets through. Required. */
  readonly projectBuckets: readonly { readonly arn: string }[];
  /** The environment key, for the flow-log group. Required: logs are always encrypted. */
  readonly key: EncryptionKey;
  /** Name of the flow-log group; must fall under the key policy's log-group prefix. Required. */
  readonly flowLogGroupName: string;
  /** Name of the role that delivers flow logs. Required. */
  readonly flowLogRoleName: string;
  /** Flow-log retention in days. Default: 365. */
  readonly flowLogRetentionDays?: number;
}

export class Network extends Construct {
  readonly vpc: Vpc;
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly subnets: Subnet[];
  readonly subnetIds: string[];
  readonly routeTables: RouteTable[];
  readonly s3Endpoint: VpcEndpoint;
  /** Managed prefix list of S3 in this region, for security-group egress rules. */
  readonly s3PrefixListId: string;
  readonly endpointSecurityGroup: SecurityGroup;
  readonly interfaceEndpoints: Record<string, VpcEndpoint> = {};
  readonly flowLogGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.vpcCidr = props.vpcCidr;
    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: props.vpcCidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: props.namePrefix, ...EMR_MANAGED_TAG },
    });
    this.vpcId = this.vpc.id;

    // Strip the default security group of every rule so nothing can use it by accident.
    new DefaultSecurityGroup(this, "default-sg", { vpcId: this.vpc.id, ingress: [], egress: [] });

    // An allow-list of zone names keeps the set closed: a zone AWS adds later cannot shift
    // subnets into new AZs (which would replace them).
    const zoneNames = props.zoneNames ?? ["a", "b", "c", "d", "e", "f"].map((l) => `${props.env.region}${l}`);
    const azs = new DataAwsAvailabilityZones(this, "azs", {
      state: "available",
      filter: [{ name: "zone-name", values: zoneNames }],
    });
    this.subnets = [];
    this.routeTables = [];
    props.subnetCidrs.forEach((cidr, i) => {
      const subnet = new Subnet(this, `private-${i}`, {
        vpcId: this.vpc.id,
        cidrBlock: cidr,
        availabilityZone: Fn.element(azs.names, i),
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.namePrefix}-private-${i}`, tier: "private", ...EMR_MANAGED_TAG },
      });
      // One route table per subnet, with no default route: only local and the S3 gateway.
      const rt = new RouteTable(this, `private-rt-${i}`, { vpcId: this.vpc.id, tags: { Name: `${props.namePrefix}-private-${i}` } });
      new RouteTableAssociation(this, `private-rta-${i}`, { subnetId: subnet.id, routeTableId: rt.id });
      this.subnets.push(subnet);
      this.routeTables.push(rt);
    });
    this.subnetIds = this.subnets.map((s) => s.id);

    const s3Policy = new PolicyDocument(this, "s3-endpoint-policy", [
      {
        sid: "ProjectBuckets",
        effect: "Allow",
        principals: awsPrincipals("*"),
        actions: [
          "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject",
          "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
          "s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads",
        ],
        resources: props.projectBuckets.flatMap((b) => [b.arn, `${b.arn}/*`]),
        // Only principals of this account, so the endpoint cannot be used to exfiltrate to
        // a look-alike bucket or be used with foreign credentials.
        condition: [{ test: "StringEquals", variable: "aws:PrincipalAccount", values: [props.env.accountId] }],
      },
      {
        // Package repositories are read anonymously by yum/dnf, so no principal condition.
        sid: "EmrBootstrapRepositories",
        effect: "Allow",
        principals: awsPrincipals("*"),
        actions: ["s3:GetObject"],
        resources: emrBootstrapBucketArns(props.env.region),
      },
    ]);
    this.s3Endpoint = new VpcEndpoint(this, "s3", {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${props.env.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: this.routeTables.map((rt) => rt.id),
      policy: s3Policy.json,
      tags: { Name: `${props.namePrefix}-s3` },
    });
    this.s3PrefixListId = this.s3Endpoint.prefixListId;

    this.endpointSecurityGroup = new SecurityGroup(this, "endpoints-sg", {
      // Name and description are ForceNew: a prefix lets a replacement exist before the old
      // group (still attached to the endpoints) is deleted.
      namePrefix: props.endpointSecurityGroupNamePrefix,
      description: "Interface VPC endpoints: HTTPS from inside the VPC only",
      vpcId: this.vpc.id,
      revokeRulesOnDelete: true,
      tags: { Name: `${props.namePrefix}-vpc-endpoints` },
      lifecycle: { createBeforeDestroy: true },
    });
    new VpcSecurityGroupIngressRule(this, "endpoints-https", {
      securityGroupId: this.endpointSecurityGroup.id,
      description: "HTTPS from the VPC",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: props.vpcCidr,
    });
    for (const service of props.interfaceEndpoints ?? []) {
      this.interfaceEndpoints[service] = new VpcEndpoint(this, `endpoint-${service}`, {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${props.env.region}.${service}`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: this.subnetIds,
        securityGroupIds: [this.endpointSecurityGroup.id],
        tags: { Name: `${props.namePrefix}-${service}` },
      });
    }

    this.flowLogGroup = new CloudwatchLogGroup(this, "flow-logs", {
      name: props.flowLogGroupName,
      retentionInDays: props.flowLogRetentionDays ?? 365,
      kmsKeyId: props.key.keyArn,
    });
    const role = new Role(this, "flow-logs-role", {
      roleName: props.flowLogRoleName,
      description: "Delivers VPC flow logs to their CloudWatch log group",
      grantSid: "VpcFlowLogs",
      trustId: "flow-logs-trust",
      assumedBy: [
        {
          effect: "Allow",
          principals: servicePrincipals("vpc-flow-logs.amazonaws.com"),
          actions: ["sts:AssumeRole"],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [props.env.accountId] }],
        },
      ],
      policyIds: { "write-flow-log-group": { policy: "flow-logs-policy", document: "flow-logs-write" } },
    });
    role.addToPolicy("write-flow-log-group", {
      sid: "WriteFlowLogGroup",
      effect: "Allow",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      resources: [this.flowLogGroup.arn, `${this.flowLogGroup.arn}:*`],
    });
    new FlowLog(this, "flow-log", {
      vpcId: this.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: this.flowLogGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
    });
  }
}
