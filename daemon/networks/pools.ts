/**
 * Where new networks' subnets come from: the daemon's address pools (dockerd's
 * `default-address-pools`: a base split into subnets of one size), skipping every subnet that
 * overlaps a route of the host (read from /proc/net/route) or another network of this daemon.
 * Reading the routes each time means a subnet that another daemon (or a second berthd, or a
 * test daemon) took a moment ago is seen as taken once its bridge has an address.
 */
import { readFileSync } from 'node:fs';
import { invalid } from '../errors';
import { formatCidr, overlaps, parseCidr, Subnet } from './cidr';

export interface AddressPool {
  base: string;
  size: number;
}

/** Docker's defaults: 172.17-31.0.0/16, then 192.168.0.0/16 in /20s. */
export const DEFAULT_POOLS: AddressPool[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/15', size: 16 }, { base: '172.20.0.0/14', size: 16 }, { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

/** Parses dockerd's `--default-address-pool base=10.10.0.0/16,size=24`. */
export function parsePoolFlag(s: string): AddressPool {
  const kv = new Map(s.split(',').map((p) => p.split('=', 2) as [string, string | undefined]));
  const base = kv.get('base');
  const sz = Number(kv.get('size'));
  if (!base || !Number.isInteger(sz)) throw invalid(`invalid default address pool "${s}": expected base=CIDR,size=N`);
  return checkPool({ base, size: sz });
}

export function checkPool(p: AddressPool): AddressPool {
  const b = parseCidr(p.base, 'address pool base');
  if (!(p.size >= b.prefix && p.size <= 30)) throw invalid(`invalid default address pool ${p.base}: size ${p.size} must be between ${b.prefix} and 30`);
  return { base: formatCidr(b), size: p.size };
}

/** IPv4 routes of the host except the default route (what a new subnet must not shadow). */
export function hostRoutes(text = readRoutes()): Subnet[] {
  const out: Subnet[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const dest = parseInt(f[1] as string, 16);
    const m = parseInt(f[7] as string, 16);
    if (!Number.isFinite(dest) || !Number.isFinite(m)) continue;
    // /proc/net/route holds little-endian hex words.
    const be = (x: number) => (((x & 255) << 24) | (((x >>> 8) & 255) << 16) | (((x >>> 16) & 255) << 8) | (x >>> 24)) >>> 0;
    const maskBe = be(m);
    if (maskBe === 0) continue;
    let prefix = 0;
    while (prefix < 32 && (maskBe & (0x80000000 >>> prefix)) !== 0) prefix++;
    out.push({ base: (be(dest) & maskBe) >>> 0, prefix });
  }
  return out;
}

function readRoutes(): string {
  try {
    return readFileSync('/proc/net/route', 'utf8');
  } catch {
    return '';
  }
}

/** The first subnet of the pools that overlaps nothing in `taken`; undefined when all are used. */
export function pickSubnet(pools: readonly AddressPool[], taken: readonly Subnet[]): Subnet | undefined {
  for (const pool of pools) {
    const b = parseCidr(pool.base);
    const step = 2 ** (32 - pool.size);
    const count = 2 ** (pool.size - b.prefix);
    for (let i = 0; i < count; i++) {
      const cand: Subnet = { base: (b.base + i * step) >>> 0, prefix: pool.size };
      if (!taken.some((t) => overlaps(t, cand))) return cand;
    }
  }
  return undefined;
}
