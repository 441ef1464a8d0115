/**
 * The networks service: Docker's network objects (create, list, inspect, remove, prune) over
 * the network records, and the state shared with container attachment (endpoints.ts): which
 * addresses are taken on which network, which sandboxes are live. Throws BerthError with
 * Docker's messages and status kinds; never touches HTTP.
 */
import { BerthError, conflict, invalid, notFound } from '../errors';
import { log } from '../log';
import { broadcast, contains, formatCidr, formatIp, nth, overlaps, parseCidr, parseIp, Subnet } from './cidr';
import { baseRecord, bipConfig, defaultBridgeRecord, newNetworkId, PREDEFINED } from './builtins';
import type { BridgeNetwork } from './netavark';
import { AddressPool, hostRoutes, pickSubnet } from './pools';
import type { IpamConfig, NetworkRecord, NetworkStore } from './record';
import type { Sandbox } from './sandbox';

export interface NetworkSettingsConfig {
  /** Linux bridge of the default `bridge` network (dockerd's --bridge). */
  bridgeName: string;
  /** dockerd's --bip: "10.1.0.1/24"; undefined: the first free subnet of the pools. */
  bip?: string;
  pools: AddressPool[];
}

export const forbidden = (msg: string) => new BerthError('Forbidden', msg);

export class NetworkService {
  private readonly byId = new Map<string, NetworkRecord>();
  /** Live sandboxes by container id (endpoints.ts owns their life cycle). */
  readonly live = new Map<string, Sandbox>();
  /** Addresses handed out but not yet in a live sandbox (a start in progress). */
  readonly pendingIps = new Map<string, Set<number>>();

  constructor(
    private readonly store: NetworkStore,
    private readonly cfg: NetworkSettingsConfig,
    private readonly routes: () => Subnet[] = () => hostRoutes(),
  ) {}

  /** Loads the records and makes sure bridge, host and none exist with the daemon's settings. */
  async init(): Promise<void> {
    for (const r of await this.store.loadAll()) this.byId.set(r.Id, r);
    for (const [name, driver] of [['host', 'host'], ['none', 'null']] as const) {
      if (!this.byName(name)) await this.put(baseRecord(name, driver));
    }
    const existing = this.byName('bridge');
    let subnet: Subnet;
    let gateway: string;
    if (this.cfg.bip) {
      ({ subnet, gateway } = bipConfig(this.cfg.bip));
    } else if (existing?.IPAM.Config[0] && existing.BridgeName === this.cfg.bridgeName) {
      subnet = parseCidr(existing.IPAM.Config[0].Subnet);
      gateway = existing.IPAM.Config[0].Gateway;
    } else {
      // The daemon's own bridge may already hold a route (restart with live containers).
      const others = this.subnetsExcept(existing?.Id);
      const picked = pickSubnet(this.cfg.pools, [...this.routes(), ...others]);
      if (!picked) throw invalid('no free subnet for the default bridge network: every subnet of the address pools overlaps a host route; set --bip');
      subnet = picked;
      gateway = formatIp(nth(subnet, 1));
    }
    await this.put(defaultBridgeRecord(existing, this.cfg.bridgeName, subnet, gateway));
  }

  private async put(rec: NetworkRecord): Promise<void> {
    await this.store.save(rec);
    this.byId.set(rec.Id, rec);
  }

  all(): NetworkRecord[] {
    return [...this.byId.values()];
  }

  byName(name: string): NetworkRecord | undefined {
    return this.all().find((n) => n.Name === name);
  }

  /** Docker's lookup: full id, exact name, unique id prefix. */
  find(ref: string): NetworkRecord | undefined {
    const exact = this.byId.get(ref) ?? this.byName(ref);
    if (exact) return exact;
    if (!/^[a-f0-9]+$/.test(ref)) return undefined;
    const hits = this.all().filter((n) => n.Id.startsWith(ref));
    if (hits.length > 1) throw invalid(`network ${ref} is ambiguous (${hits.length} matches found based on ID prefix)`);
    return hits[0];
  }

  get(ref: string): NetworkRecord {
    const n = this.find(ref);
    if (!n) throw notFound(`network ${ref} not found`);
    return n;
  }

  private subnetsExcept(id?: string): Subnet[] {
    return this.all().filter((n) => n.Id !== id).flatMap((n) => n.IPAM.Config.map((c) => parseCidr(c.Subnet)));
  }

  /** The netavark view of a bridge network. */
  bridgeOf(n: NetworkRecord): BridgeNetwork {
    const c = n.IPAM.Config[0] as IpamConfig;
    return { name: n.Name, id: n.Id, bridge: n.BridgeName, subnet: c.Subnet, gateway: c.Gateway, internal: n.Internal, dns: n.DnsEnabled };
  }

  /** Container ids with a live endpoint on the network. */
  endpointsOn(netId: string): string[] {
    return [...this.live.values()].filter((s) => s.input.attachments.some((a) => a.network.id === netId)).map((s) => s.containerId);
  }

  // ---- create / remove / prune ----

  async create(body: unknown): Promise<{ Id: string; Warning: string }> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('invalid network config: expected a JSON object');
    const b = body as Record<string, unknown>;
    const name = b.Name;
    if (typeof name !== 'string' || name === '') throw invalid('network name must be set');
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw invalid(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    if (PREDEFINED.has(name)) throw forbidden(`operation is not permitted on predefined ${name} network `.trimEnd());
    if (this.byName(name)) throw conflict(`network with name ${name} already exists`);
    const driver = b.Driver === undefined || b.Driver === '' ? 'bridge' : b.Driver;
    if (driver !== 'bridge') throw invalid(`berth supports only the bridge network driver, not "${String(driver)}"`);
    if (b.EnableIPv6 === true) throw invalid('IPv6 networks are not supported by berth yet (EnableIPv6)');
    const labels = stringMap(b.Labels, 'Labels');
    const options = stringMap(b.Options, 'Options');
    checkBridgeOptions(options);
    const ipam = (b.IPAM ?? {}) as { Driver?: unknown; Config?: unknown; Options?: unknown };
    if (ipam.Driver !== undefined && ipam.Driver !== '' && ipam.Driver !== 'default') throw invalid(`IPAM driver "${String(ipam.Driver)}" is not supported: use the default`);
    const configs = Array.isArray(ipam.Config) ? (ipam.Config as Record<string, unknown>[]) : [];
    if (configs.length > 1) throw invalid('berth supports one IPv4 subnet per network');
    const cfg = configs[0] ?? {};
    if (cfg.AuxiliaryAddresses !== undefined && cfg.AuxiliaryAddresses !== null && Object.keys(stringMap(cfg.AuxiliaryAddresses, 'IPAM.Config.AuxiliaryAddresses')).length > 0) {
      throw invalid('auxiliary addresses (--aux-address) are not supported by berth: the addresses would not be reserved');
    }
    let subnet: Subnet;
    if (typeof cfg.Subnet === 'string' && cfg.Subnet !== '') {
      subnet = parseCidr(cfg.Subnet, 'subnet', true);
      if (subnet.prefix > 30) throw invalid(`invalid subnet ${cfg.Subnet}: it must hold at least two addresses (a prefix of /30 or shorter)`);
      const clash = this.all().find((n) => n.IPAM.Config.some((c) => overlaps(parseCidr(c.Subnet), subnet)));
      if (clash) throw forbidden(`Pool overlaps with other one on this address space: ${formatCidr(subnet)} overlaps the subnet of network ${clash.Name}`);
    } else {
      if (cfg.Gateway) throw invalid('a gateway needs a subnet: set --subnet too');
      const picked = pickSubnet(this.cfg.pools, [...this.routes(), ...this.subnetsExcept()]);
      if (!picked) throw forbidden('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
      subnet = picked;
    }
    let gateway = formatIp(nth(subnet, 1));
    if (typeof cfg.Gateway === 'string' && cfg.Gateway !== '') {
      const g = parseIp(cfg.Gateway);
      if (g === undefined || !contains(subnet, g) || g === subnet.base || g === broadcast(subnet)) throw invalid(`invalid gateway ${cfg.Gateway}: it must be a host address inside ${formatCidr(subnet)}`);
      gateway = cfg.Gateway;
    }
    const ipamCfg: IpamConfig = { Subnet: formatCidr(subnet), Gateway: gateway };
    if (typeof cfg.IPRange === 'string' && cfg.IPRange !== '') {
      const r = parseCidr(cfg.IPRange, 'ip-range');
      if (!contains(subnet, r.base) || r.prefix < subnet.prefix) throw invalid(`invalid ip-range ${cfg.IPRange}: it must lie inside the subnet ${formatCidr(subnet)}`);
      ipamCfg.IPRange = formatCidr(r);
    }
    const id = newNetworkId();
    const bridgeName = options['com.docker.network.bridge.name'] ?? `br-${id.slice(0, 12)}`;
    if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(bridgeName)) throw invalid(`invalid bridge name "${bridgeName}": at most 15 characters of [a-zA-Z0-9_.-]`);
    if (this.all().some((n) => n.BridgeName === bridgeName)) throw conflict(`bridge name ${bridgeName} is already used by another network`);
    const rec: NetworkRecord = {
      ...baseRecord(name, 'bridge'), Id: id, Internal: b.Internal === true, Attachable: b.Attachable === true,
      IPAM: { Driver: 'default', Options: stringMap(ipam.Options, 'IPAM.Options'), Config: [ipamCfg] },
      Options: options, Labels: labels, BridgeName: bridgeName, DnsEnabled: true,
    };
    await this.put(rec);
    log.info('network created', { id, name, subnet: ipamCfg.Subnet });
    return { Id: id, Warning: '' };
  }

  async remove(ref: string): Promise<void> {
    const n = this.get(ref);
    if (PREDEFINED.has(n.Name)) throw forbidden(`${n.Name} is a pre-defined network and cannot be removed`);
    const users = this.endpointsOn(n.Id);
    if (users.length) throw forbidden(`error while removing network: network ${n.Name} id ${n.Id} has active endpoints`);
    await this.store.delete(n.Id);
    this.byId.delete(n.Id);
    log.info('network removed', { id: n.Id, name: n.Name });
  }

  /** Removes user networks without endpoints that match the filter; returns their names. */
  async prune(keep: (n: NetworkRecord) => boolean): Promise<string[]> {
    const out: string[] = [];
    for (const n of this.all()) {
      if (PREDEFINED.has(n.Name) || this.endpointsOn(n.Id).length || keep(n)) continue;
      await this.remove(n.Id).then(() => out.push(n.Name), () => undefined);
    }
    return out;
  }

  // ---- addresses ----

  private taken(n: NetworkRecord): Set<number> {
    const out = new Set<number>(this.pendingIps.get(n.Id) ?? []);
    for (const s of this.live.values()) for (const a of s.input.attachments) if (a.network.id === n.Id) out.add(parseIp(a.ip) as number);
    return out;
  }

  /** Hands out an address on the network (the wanted one when given); release with releaseIp. */
  allocateIp(n: NetworkRecord, wanted?: string): string {
    const c = n.IPAM.Config[0];
    if (!c) throw invalid(`network ${n.Name} has no subnet`);
    const subnet = parseCidr(c.Subnet);
    const gw = parseIp(c.Gateway);
    const taken = this.taken(n);
    let ip: number | undefined;
    if (wanted) {
      const w = parseIp(wanted);
      if (w === undefined || !contains(subnet, w) || w === subnet.base || w === broadcast(subnet)) throw invalid(`invalid IP address ${wanted}: it is not a host address of network ${n.Name} (${c.Subnet})`);
      if (w === gw || taken.has(w)) throw forbidden(`Address already in use: ${wanted} on network ${n.Name}`);
      ip = w;
    } else {
      const range = c.IPRange ? parseCidr(c.IPRange) : subnet;
      for (let i = range === subnet ? 1 : 0; i < 2 ** (32 - range.prefix); i++) {
        const cand = nth(range, i);
        if (cand === subnet.base || cand === broadcast(subnet) || cand === gw || taken.has(cand)) continue;
        ip = cand;
        break;
      }
      if (ip === undefined) throw forbidden(`no available IPv4 addresses on network ${n.Name} (${c.Subnet})`);
    }
    const set = this.pendingIps.get(n.Id) ?? new Set<number>();
    set.add(ip);
    this.pendingIps.set(n.Id, set);
    return formatIp(ip);
  }

  /** Drops a pending reservation (the sandbox holds the address from now on, or failed). */
  releaseIp(netId: string, ip: string): void {
    this.pendingIps.get(netId)?.delete(parseIp(ip) as number);
  }
}

/**
 * Docker's bridge driver options berth honours: the bridge's name, and the defaults of the
 * others (ICC and masquerade on, MTU 1500). Anything else is refused, never accepted and ignored.
 */
const BRIDGE_DEFAULTS: Record<string, string> = {
  'com.docker.network.bridge.enable_icc': 'true',
  'com.docker.network.bridge.enable_ip_masquerade': 'true',
  'com.docker.network.driver.mtu': '1500',
  'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
};

function checkBridgeOptions(options: Record<string, string>): void {
  for (const [k, v] of Object.entries(options)) {
    if (k === 'com.docker.network.bridge.name') continue;
    const def = BRIDGE_DEFAULTS[k];
    if (def === undefined) throw invalid(`network option ${k} is not supported by berth (supported: com.docker.network.bridge.name, and the defaults of ${Object.keys(BRIDGE_DEFAULTS).join(', ')})`);
    if (v.toLowerCase() !== def) throw invalid(`network option ${k}=${v} is not supported by berth: only ${def} (the default)`);
  }
}

function stringMap(v: unknown, field: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`invalid ${field}: expected an object`);
  for (const x of Object.values(v)) if (typeof x !== 'string') throw invalid(`invalid ${field}: values must be strings`);
  return { ...(v as Record<string, string>) };
}
