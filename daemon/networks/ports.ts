/**
 * Published ports: Docker's PortBindings / ExposedPorts / PublishAllPorts turned into
 * concrete host ports, and the allocator that hands them out. Random host ports come from the
 * kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range) in rotating order, as
 * dockerd's portallocator does, so a port freed a moment ago is not handed out again at once;
 * a port is never given to two containers (the table below) and never one a host process
 * holds (a bind test just before). Parsing is pure; the allocator owns the in-memory table.
 */
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as dgram from 'node:dgram';
import { invalid, systemError } from '../errors';
import { parseIp } from './cidr';
import type { PortBinding } from './record';

export type Proto = 'tcp' | 'udp' | 'sctp';

/** One wanted publication: container port → host port or range (0 = any). */
export interface PortRequest {
  containerPort: number;
  proto: Proto;
  hostIp: string;
  hostPortLo: number;
  hostPortHi: number;
}

/** One granted publication. */
export interface PortMapping {
  containerPort: number;
  proto: Proto;
  hostIp: string;
  hostPort: number;
}

function port(s: string, what: string): number {
  if (!/^\d{1,5}$/.test(s)) throw invalid(`invalid ${what} "${s}": a port is a number between 1 and 65535`);
  const n = Number(s);
  if (n < 1 || n > 65535) throw invalid(`invalid ${what} "${s}": a port is a number between 1 and 65535`);
  return n;
}

/** "80/tcp", "53/udp", "80" → [port, proto]. */
export function parsePortKey(key: string): [number, Proto] {
  const [p, proto = 'tcp', extra] = key.split('/');
  if (extra !== undefined || !['tcp', 'udp', 'sctp'].includes(proto)) throw invalid(`invalid port specification: "${key}"`);
  if (proto === 'sctp') throw invalid(`invalid port specification: "${key}": sctp ports are not supported by berth`);
  return [port(p ?? '', 'container port'), proto as Proto];
}

function hostRange(s: string): [number, number] {
  if (s === '' || s === '0') return [0, 0];
  const m = /^(\d+)-(\d+)$/.exec(s);
  if (!m) {
    const p = port(s, 'host port');
    return [p, p];
  }
  const lo = port(m[1] as string, 'host port');
  const hi = port(m[2] as string, 'host port');
  if (hi < lo) throw invalid(`invalid host port range "${s}": the end is below the start`);
  return [lo, hi];
}

/**
 * The publications a container asks for. `publishAll` (-P) adds every exposed port not
 * bound explicitly, on a random host port.
 */
export function portRequests(bindings: unknown, exposed: unknown, publishAll: boolean): PortRequest[] {
  const out: PortRequest[] = [];
  const bound = new Set<string>();
  if (bindings !== undefined && bindings !== null) {
    if (typeof bindings !== 'object' || Array.isArray(bindings)) throw invalid('invalid HostConfig.PortBindings: expected an object');
    for (const [key, list] of Object.entries(bindings as Record<string, unknown>)) {
      const [cport, proto] = parsePortKey(key);
      bound.add(`${cport}/${proto}`);
      if (list === null) continue;
      if (!Array.isArray(list)) throw invalid(`invalid HostConfig.PortBindings["${key}"]: expected a list`);
      for (const b of list as Array<Partial<PortBinding> | null>) {
        const hostIp = b?.HostIp ?? '';
        if (typeof hostIp !== 'string' || (hostIp !== '' && parseIp(hostIp) === undefined)) {
          throw invalid(`invalid host IP "${String(hostIp)}" for port ${key}: only IPv4 addresses are supported`);
        }
        const hp = b?.HostPort ?? '';
        if (typeof hp !== 'string') throw invalid(`invalid HostPort for port ${key}: expected a string`);
        const [lo, hi] = hostRange(hp);
        out.push({ containerPort: cport, proto, hostIp: hostIp === '0.0.0.0' ? '' : hostIp, hostPortLo: lo, hostPortHi: hi });
      }
    }
  }
  if (publishAll && exposed && typeof exposed === 'object') {
    for (const key of Object.keys(exposed as Record<string, unknown>)) {
      const [cport, proto] = parsePortKey(key);
      if (bound.has(`${cport}/${proto}`)) continue;
      out.push({ containerPort: cport, proto, hostIp: '', hostPortLo: 0, hostPortHi: 0 });
    }
  }
  return out;
}

/** Docker's NetworkSettings.Ports: every exposed or published port, bindings when running. */
export function portsView(mappings: readonly PortMapping[], exposed: unknown, bindingKeys: unknown): Record<string, PortBinding[] | null> {
  const out: Record<string, PortBinding[] | null> = {};
  const keyOf = (k: string) => (k.includes('/') ? k : `${k}/tcp`);
  if (exposed && typeof exposed === 'object') for (const k of Object.keys(exposed)) out[keyOf(k)] = null;
  if (bindingKeys && typeof bindingKeys === 'object') for (const k of Object.keys(bindingKeys)) out[keyOf(k)] = null;
  for (const m of mappings) {
    const key = `${m.containerPort}/${m.proto}`;
    const list = out[key] ?? [];
    list.push({ HostIp: m.hostIp || '0.0.0.0', HostPort: String(m.hostPort) });
    out[key] = list;
  }
  return out;
}

function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo && hi && lo <= hi) return [lo, hi];
  } catch {
    // not Linux: dockerd's defaults
  }
  return [49153, 65535];
}

/** Resolves true when the host can bind the port right now (no host process holds it). */
export function canBind(hostIp: string, p: number, proto: Proto): Promise<boolean> {
  return new Promise((resolve) => {
    const host = hostIp || '0.0.0.0';
    if (proto === 'udp') {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind({ address: host, port: p, exclusive: true }, () => s.close(() => resolve(true)));
      return;
    }
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port: p, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** The table of host ports in use by containers of this daemon. Not thread-safe across daemons. */
export class PortAllocator {
  private readonly used = new Map<string, string>(); // "tcp/ip/port" → container id
  private cursor: number;
  private readonly lo: number;
  private readonly hi: number;

  constructor(private readonly bindTest: typeof canBind = canBind, range = ephemeralRange()) {
    [this.lo, this.hi] = range;
    this.cursor = this.lo;
  }

  private key(proto: Proto, ip: string, p: number): string {
    return `${proto}/${ip}/${p}`;
  }

  /** Taken by a container for this ip, or for the wildcard (either way they clash). */
  private holder(proto: Proto, ip: string, p: number): string | undefined {
    if (ip === '') {
      for (const [k, v] of this.used) if (k.startsWith(`${proto}/`) && k.endsWith(`/${p}`)) return v;
      return undefined;
    }
    return this.used.get(this.key(proto, ip, p)) ?? this.used.get(this.key(proto, '', p));
  }

  /** Records mappings of a container found running at start (no bind test: they are in use by it). */
  adopt(owner: string, mappings: readonly PortMapping[]): void {
    for (const m of mappings) this.used.set(this.key(m.proto, m.hostIp, m.hostPort), owner);
  }

  release(owner: string): void {
    for (const [k, v] of [...this.used]) if (v === owner) this.used.delete(k);
  }

  /** Grants every request or none (a failure releases what this call took). */
  async allocate(owner: string, reqs: readonly PortRequest[]): Promise<PortMapping[]> {
    const got: PortMapping[] = [];
    try {
      for (const r of reqs) got.push(await this.one(owner, r));
      return got;
    } catch (err) {
      for (const m of got) this.used.delete(this.key(m.proto, m.hostIp, m.hostPort));
      throw err;
    }
  }

  private async one(owner: string, r: PortRequest): Promise<PortMapping> {
    const shown = `${r.hostIp || '0.0.0.0'}`;
    const take = (p: number): PortMapping => {
      this.used.set(this.key(r.proto, r.hostIp, p), owner);
      return { containerPort: r.containerPort, proto: r.proto, hostIp: r.hostIp, hostPort: p };
    };
    if (r.hostPortLo !== 0 && r.hostPortLo === r.hostPortHi) {
      const p = r.hostPortLo;
      if (this.holder(r.proto, r.hostIp, p)) throw systemError(`Bind for ${shown}:${p} failed: port is already allocated`);
      const m = take(p); // reserved before the await, so a concurrent start cannot take it too
      if (!(await this.bindTest(r.hostIp, p, r.proto))) {
        this.used.delete(this.key(r.proto, r.hostIp, p));
        throw systemError(`Bind for ${shown}:${p} failed: the port is in use by a process on the host (listen ${r.proto}4 ${shown}:${p}: address already in use)`);
      }
      return m;
    }
    const [lo, hi] = r.hostPortLo === 0 ? [this.lo, this.hi] : [r.hostPortLo, r.hostPortHi];
    const span = hi - lo + 1;
    const start = r.hostPortLo === 0 ? this.cursor : lo;
    for (let i = 0; i < span; i++) {
      const p = lo + ((start - lo + i) % span);
      if (this.holder(r.proto, r.hostIp, p)) continue;
      const m = take(p);
      if (r.hostPortLo === 0) this.cursor = p + 1 > hi ? lo : p + 1;
      if (await this.bindTest(r.hostIp, p, r.proto)) return m;
      this.used.delete(this.key(r.proto, r.hostIp, p));
    }
    throw systemError(`Bind for ${shown}:${lo}-${hi} failed: no free port left in the range`);
  }
}
