/** `network`: the private VPC, its subnets and its VPC endpoints. */
import { z } from "zod";
import { capacity, carveSubnets, contains, formatCidr, overlaps, parseCidr } from "../cidr";
import { logRetention } from "../fields";
import type { ConfigRule, Problem } from "../rules";
import type { EnvConfig } from "../schema";
import { prodRule } from "./production";

/** Interface endpoints the network module knows how to create. */
export const INTERFACE_ENDPOINT_SERVICES = [
  "sts", "ec2", "logs", "kms", "glue", "ssm", "ssmmessages", "ec2messages",
  "elasticmapreduce", "monitoring", "events", "sns", "secretsmanager", "lakeformation", "athena",
] as const;
export type InterfaceEndpointService = (typeof INTERFACE_ENDPOINT_SERVICES)[number];

/** What EMR nodes in a private subnet need to reach AWS without a NAT gateway. */
export const DEFAULT_INTERFACE_ENDPOINTS: InterfaceEndpointService[] = [
  "sts", "ec2", "logs", "kms", "glue", "ssm", "ssmmessages", "ec2messages", "elasticmapreduce", "monitoring",
];

/**
 * Endpoints a private EMR cluster of this platform cannot run without (there is no NAT to fall
 * back on), and why. The S3 gateway endpoint is always created.
 */
export const REQUIRED_INTERFACE_ENDPOINTS: Readonly<Partial<Record<InterfaceEndpointService, string>>> = {
  kms: "EMR nodes encrypt their local disks and EBS volumes with the environment key and must reach KMS to boot",
  glue: "Spark on the cluster uses the Glue Data Catalog as its metastore, so every Spark session calls Glue",
};

/** Session Manager needs all three of these; any one alone is useless. */
export const SESSION_MANAGER_ENDPOINTS: readonly InterfaceEndpointService[] = ["ssm", "ssmmessages", "ec2messages"];

const cidr = (s: string) => parseCidr(s) !== undefined;

export const networkSchema = z
  .strictObject({
    vpcCidr: z
      .string()
      .refine(cidr, "expected an IPv4 network in CIDR form, e.g. 10.20.0.0/16")
      .refine((s) => {
        const c = parseCidr(s);
        return c === undefined || (c.prefix >= 16 && c.prefix <= 24);
      }, "VPC prefix length must be between /16 and /24")
      .default("10.20.0.0/16")
      .describe("VPC CIDR block (/16 to /24). Default: 10.20.0.0/16."),
    azCount: z.number().int().min(2).max(6).default(3).describe("Availability zones to spread private subnets over (2-6). Default: 3."),
    subnetPrefixLength: z
      .number()
      .int()
      .min(16)
      .max(28)
      .default(20)
      .describe("Prefix length of each private subnet carved from the VPC CIDR (/16 to /28). Default: 20 (4,091 usable addresses)."),
    subnetCidrs: z
      .array(z.string().refine(cidr, "expected an IPv4 network in CIDR form"))
      .optional()
      .describe("Explicit private subnet CIDRs, one per AZ; overrides subnetPrefixLength. Default: carved from vpcCidr."),
    interfaceEndpoints: z
      .array(z.enum(INTERFACE_ENDPOINT_SERVICES))
      .default(DEFAULT_INTERFACE_ENDPOINTS)
      .describe(
        `Interface VPC endpoints (private DNS on); must keep ${Object.keys(REQUIRED_INTERFACE_ENDPOINTS).join(" and ")}. ` +
          `Default: ${DEFAULT_INTERFACE_ENDPOINTS.join(", ")}.`,
      ),
    flowLogRetentionDays: logRetention(365, "Retention of the VPC flow-log group"),
  })
  .prefault({})
  .describe("Private network: no public subnets, no internet or NAT gateway, VPC endpoints only.");

export type NetworkConfig = z.output<typeof networkSchema>;

/** Private subnet CIDRs of an environment: the explicit list, or carved from the VPC CIDR. */
export function subnetCidrsOf(network: NetworkConfig): string[] {
  if (network.subnetCidrs) return network.subnetCidrs;
  const vpc = parseCidr(network.vpcCidr);
  if (!vpc) throw new Error(`unvalidated vpcCidr ${network.vpcCidr}`);
  return carveSubnets(vpc, network.subnetPrefixLength, network.azCount).map(formatCidr);
}

export const networkRules: ConfigRule<EnvConfig>[] = [
  {
    code: "subnets-one-per-az",
    path: "network.subnetCidrs",
    description: "Explicit subnets number exactly `azCount`, one per AZ.",
    check: ({ network: n }) =>
      n.subnetCidrs && n.subnetCidrs.length !== n.azCount
        ? [{ message: `expected ${n.azCount} subnets (one per AZ, azCount), got ${n.subnetCidrs.length}` }]
        : [],
  },
  {
    code: "subnets-inside-vpc",
    path: "network.subnetCidrs",
    description: "Each explicit subnet lies inside `vpcCidr`, is /28 or larger, and overlaps no other.",
    check: ({ network: n }) => {
      const vpc = parseCidr(n.vpcCidr);
      if (!vpc || !n.subnetCidrs) return [];
      const subnets = n.subnetCidrs;
      const parsed = subnets.map(parseCidr);
      return parsed.flatMap((c, i): Problem[] => {
        if (!c) return [];
        const found: Problem[] = [];
        if (!contains(vpc, c)) found.push({ at: [i], message: `${subnets[i]} is not inside vpcCidr ${n.vpcCidr}` });
        if (c.prefix > 28) found.push({ at: [i], message: "subnets must be /28 or larger" });
        parsed.slice(0, i).forEach((other, j) => {
          if (other && overlaps(c, other)) found.push({ at: [i], message: `${subnets[i]} overlaps subnetCidrs.${j} (${subnets[j]})` });
        });
        return found;
      });
    },
  },
  {
    code: "subnets-fit-vpc",
    path: "network.subnetPrefixLength",
    description: "Without explicit subnets, `azCount` subnets of `subnetPrefixLength` fit in `vpcCidr`.",
    check: ({ network: n }) => {
      const vpc = parseCidr(n.vpcCidr);
      if (!vpc || n.subnetCidrs || capacity(vpc, n.subnetPrefixLength) >= n.azCount) return [];
      return [{ message: `${n.azCount} subnets of /${n.subnetPrefixLength} do not fit in ${n.vpcCidr}; use a longer prefix or a larger VPC` }];
    },
  },
  {
    code: "required-endpoints",
    path: "network.interfaceEndpoints",
    description: `The endpoints a private EMR cluster cannot run without stay in the list: ${Object.entries(REQUIRED_INTERFACE_ENDPOINTS)
      .map(([service, why]) => `\`${service}\` (${why})`)
      .join("; ")}.`,
    check: ({ network: n }) =>
      Object.entries(REQUIRED_INTERFACE_ENDPOINTS)
        .filter(([service]) => !n.interfaceEndpoints.includes(service as InterfaceEndpointService))
        .map(([service, why]) => ({ message: `must include ${service}: ${why}` })),
  },
  {
    code: "session-manager-endpoints",
    path: "network.interfaceEndpoints",
    description: `Session Manager's endpoints (${SESSION_MANAGER_ENDPOINTS.join(", ")}) are listed all together or not at all.`,
    check: ({ network: n }) => {
      const present = SESSION_MANAGER_ENDPOINTS.filter((s) => n.interfaceEndpoints.includes(s));
      const missing = SESSION_MANAGER_ENDPOINTS.filter((s) => !n.interfaceEndpoints.includes(s));
      return present.length > 0 && missing.length > 0
        ? [{ message: `Session Manager needs ${SESSION_MANAGER_ENDPOINTS.join(", ")} together; add ${missing.join(", ")} or remove ${present.join(", ")}` }]
        : [];
    },
  },
  {
    code: "endpoints-unique",
    path: "network.interfaceEndpoints",
    description: "No endpoint is listed twice.",
    check: ({ network: n }) =>
      n.interfaceEndpoints.flatMap((s, i) => (n.interfaceEndpoints.indexOf(s) !== i ? [{ at: [i], message: `${s} is listed twice` }] : [])),
  },
  prodRule("prod-two-azs", "network.azCount", "at least 2 AZs", (c) => c.network.azCount < 2),
];
