/**
 * The three networks every daemon has, as Docker has them: `bridge` (the default, on the
 * daemon's bridge — `--bridge`/`--bip` or the first free subnet of the pools), `host` and
 * `none`. Their ids are made once and kept, as dockerd keeps them in its store.
 */
import { randomBytes } from 'node:crypto';
import { formatCidr, formatIp, nth, parseCidr, parseIp, Subnet } from './cidr';
import type { NetworkRecord } from './record';

export const PREDEFINED = new Set(['bridge', 'host', 'none']);

export function newNetworkId(): string {
  return randomBytes(32).toString('hex');
}

export function baseRecord(name: string, driver: NetworkRecord['Driver']): NetworkRecord {
  return {
    Name: name, Id: newNetworkId(), Created: new Date().toISOString(), Scope: 'local', Driver: driver, EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [] }, Internal: false, Attachable: false, Ingress: false,
    Options: {}, Labels: {}, BridgeName: '', DnsEnabled: false,
  };
}

/** `--bip 10.1.0.1/24`: the gateway address with the subnet's prefix. */
export function bipConfig(bip: string): { subnet: Subnet; gateway: string } {
  const subnet = parseCidr(bip, '--bip');
  const ip = parseIp(bip.split('/')[0] as string) as number;
  return { subnet, gateway: formatIp(ip === subnet.base ? nth(subnet, 1) : ip) };
}

export function defaultBridgeRecord(existing: NetworkRecord | undefined, bridgeName: string, subnet: Subnet, gateway: string): NetworkRecord {
  const rec = existing ?? baseRecord('bridge', 'bridge');
  rec.BridgeName = bridgeName;
  rec.DnsEnabled = false;
  rec.IPAM = { Driver: 'default', Options: null, Config: [{ Subnet: formatCidr(subnet), Gateway: gateway }] };
  rec.Options = {
    'com.docker.network.bridge.default_bridge': 'true',
    'com.docker.network.bridge.enable_icc': 'true',
    'com.docker.network.bridge.enable_ip_masquerade': 'true',
    'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
    'com.docker.network.bridge.name': bridgeName,
    'com.docker.network.driver.mtu': '1500',
  };
  return rec;
}
