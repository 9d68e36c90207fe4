/**
 * IPv4 CIDR arithmetic for subnet planning. Parsing and validation come from ipaddr.js;
 * only the carving of equal-sized subnets is done here, as plain 32-bit integer maths.
 */
import * as ipaddr from "ipaddr.js";

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly base: number;
  readonly prefix: number;
}

/** Parses `a.b.c.d/n`; returns undefined unless it is a canonical IPv4 network address. */
export function parseCidr(text: string): Cidr | undefined {
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(text)) return undefined;
  const [addr, prefix] = ipaddr.IPv4.parseCIDR(text);
  const base = toInt(addr);
  if (networkOf(base, prefix) !== base) return undefined;
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${new ipaddr.IPv4(toBytes(c.base)).toString()}/${c.prefix}`;
}

/** True when `inner` lies wholly inside `outer`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && networkOf(inner.base, outer.prefix) === outer.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b) || contains(b, a);
}

/** The first `count` consecutive subnets of size `/prefix` inside `vpc`. */
export function carveSubnets(vpc: Cidr, prefix: number, count: number): Cidr[] {
  const size = 2 ** (32 - prefix);
  return Array.from({ length: count }, (_, i) => ({ base: vpc.base + i * size, prefix }));
}

/** How many `/prefix` subnets fit in `vpc`. */
export function capacity(vpc: Cidr, prefix: number): number {
  return prefix < vpc.prefix ? 0 : 2 ** (prefix - vpc.prefix);
}

function toInt(addr: ipaddr.IPv4): number {
  return addr.octets.reduce((acc, o) => acc * 256 + o, 0);
}

function toBytes(n: number): number[] {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256);
}

function networkOf(base: number, prefix: number): number {
  const size = 2 ** (32 - prefix);
  return Math.floor(base / size) * size;
}
