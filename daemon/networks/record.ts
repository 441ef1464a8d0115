/**
 * Network records: `<data-root>/networks/<id>.json`, one per network, in Docker's inspect
 * shape (PascalCase) plus the private fields berth needs (the Linux bridge's name, whether
 * names resolve on it). Also the per-container endpoint shape kept in container records
 * (NetworkSettings.Networks.<name>). Contract: written only with atomicWrite; a record that
 * does not parse is skipped with a warning, never half-used.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { atomicWriteJson, readJsonIfExists, sweepTemps } from '../store/atomic';
import { log } from '../log';

export type NetworkDriver = 'bridge' | 'host' | 'null';

export interface IpamConfig {
  Subnet: string;
  Gateway: string;
  IPRange?: string;
}

export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: NetworkDriver;
  EnableIPv6: false;
  IPAM: { Driver: 'default'; Options: Record<string, string> | null; Config: IpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: false;
  Options: Record<string, string>;
  Labels: Record<string, string>;
  /** berth: the Linux bridge of a bridge network ("" for host/none). */
  BridgeName: string;
  /** berth: container names and aliases resolve on it (user-defined bridge networks). */
  DnsEnabled: boolean;
}

/** One container's attachment to one network, as Docker shows it in NetworkSettings.Networks. */
export interface EndpointSettings {
  IPAMConfig: { IPv4Address?: string } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  DriverOpts: Record<string, string> | null;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[] | null;
}

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** What berth keeps about a container's networking in its record. */
export interface ContainerNetworkState {
  Networks: Record<string, EndpointSettings>;
  /** "80/tcp" → bindings while running (null: exposed, not published). */
  Ports: Record<string, PortBinding[] | null>;
  SandboxKey: string;
}

export function emptyEndpoint(networkId = ''): EndpointSettings {
  return {
    IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', DriverOpts: null, NetworkID: networkId, EndpointID: '',
    Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DNSNames: null,
  };
}

function parseRecord(v: unknown): NetworkRecord | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const r = v as Partial<NetworkRecord>;
  if (typeof r.Id !== 'string' || !/^[a-f0-9]{64}$/.test(r.Id) || typeof r.Name !== 'string' || !r.Name) return undefined;
  if (r.Driver !== 'bridge' && r.Driver !== 'host' && r.Driver !== 'null') return undefined;
  if (!r.IPAM || !Array.isArray(r.IPAM.Config)) return undefined;
  return {
    Name: r.Name, Id: r.Id, Created: typeof r.Created === 'string' ? r.Created : new Date(0).toISOString(), Scope: 'local',
    Driver: r.Driver, EnableIPv6: false, IPAM: { Driver: 'default', Options: r.IPAM.Options ?? null, Config: r.IPAM.Config },
    Internal: r.Internal === true, Attachable: r.Attachable === true, Ingress: false, Options: r.Options ?? {}, Labels: r.Labels ?? {},
    BridgeName: typeof r.BridgeName === 'string' ? r.BridgeName : '', DnsEnabled: r.DnsEnabled === true,
  };
}

/** Reads and writes network records under <data-root>/networks. */
export class NetworkStore {
  constructor(readonly dir: string) {}

  async loadAll(): Promise<NetworkRecord[]> {
    await fs.mkdir(this.dir, { recursive: true });
    await sweepTemps(this.dir);
    const out: NetworkRecord[] = [];
    for (const name of await fs.readdir(this.dir)) {
      if (!/^[a-f0-9]{64}\.json$/.test(name)) continue;
      const raw = await readJsonIfExists(path.join(this.dir, name)).catch(() => undefined);
      const rec = parseRecord(raw);
      if (rec) out.push(rec);
      else log.warn('skipping malformed network record', { file: name });
    }
    return out;
  }

  save(rec: NetworkRecord): Promise<void> {
    return atomicWriteJson(path.join(this.dir, `${rec.Id}.json`), rec);
  }

  async delete(id: string): Promise<void> {
    await fs.rm(path.join(this.dir, `${id}.json`), { force: true });
  }
}
