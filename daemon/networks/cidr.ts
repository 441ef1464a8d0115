/**
 * IPv4 addresses and subnets as numbers: parsing Docker's strings ("172.18.0.0/16",
 * "10.1.2.3"), containment, overlap, the n-th address of a subnet. Pure; every string that
 * crosses a trust boundary (an API body, daemon.json, a route table) goes through here.
 * IPv6 networks are not supported yet (EnableIPv6 is refused where it is asked for).
 */
import { invalid } from '../errors';

export interface Subnet {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function parseIp(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return undefined;
    n = n * 256 + o;
  }
  return n;
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** "a.b.c.d/n" → Subnet (host bits cleared when `strict` is false, refused when true). */
export function parseCidr(s: string, what = 'subnet', strict = false): Subnet {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s.trim());
  const ip = m ? parseIp(m[1] as string) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (ip === undefined || !(prefix >= 0 && prefix <= 32)) throw invalid(`invalid ${what} ${s}: expected an IPv4 CIDR such as 172.20.0.0/16`);
  const base = (ip & mask(prefix)) >>> 0;
  if (strict && base !== ip) throw invalid(`invalid ${what} ${s}: it is not a network address (did you mean ${formatIp(base)}/${prefix}?)`);
  return { base, prefix };
}

/** The address with its prefix: "172.18.0.1/16" → { ip, subnet }. */
export function parseIpWithPrefix(s: string, what: string): { ip: number; subnet: Subnet } {
  const subnet = parseCidr(s, what);
  return { ip: parseIp(s.split('/')[0] as string) as number, subnet };
}

export function formatCidr(s: Subnet): string {
  return `${formatIp(s.base)}/${s.prefix}`;
}

export function size(s: Subnet): number {
  return 2 ** (32 - s.prefix);
}

export function contains(s: Subnet, ip: number): boolean {
  return ((ip & mask(s.prefix)) >>> 0) === s.base;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return ((a.base & mask(p)) >>> 0) === ((b.base & mask(p)) >>> 0);
}

/** The n-th address of the subnet (1 = the first host, Docker's default gateway). */
export function nth(s: Subnet, n: number): number {
  return (s.base + n) >>> 0;
}

/** The broadcast address (never handed out). */
export function broadcast(s: Subnet): number {
  return (s.base + size(s) - 1) >>> 0;
}
