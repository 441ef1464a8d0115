/**
 * The files berth writes for each container and the runtime binds over the image's:
 * /etc/hosts, /etc/hostname and /etc/resolv.conf (Docker keeps them beside the container
 * record too). With `--network host` the host's own hosts and resolv.conf are used; otherwise
 * resolv.conf is the host's without loopback nameservers (unreachable from a private network
 * namespace), with Docker's public fallbacks when nothing is left, and HostConfig.Dns* applied;
 * on a network with DNS the network's server comes first. They are written at create and
 * again at each start, when the container's address is known.
 */
import { promises as fs } from 'node:fs';
import { atomicWrite } from '../store/atomic';
import type { ContainerPaths, HostConfig } from './record';

const HOSTS_BASE = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

/** Docker's special --add-host address for the host. */
export const HOST_GATEWAY = 'host-gateway';

/**
 * `--add-host NAME:IP` as hosts lines. The special IP "host-gateway" names the host: with
 * `--network host` that is 127.0.0.1; a private network namespace (loopback only) has no route
 * to the host, so the entry is left out (create warns) rather than written as an invalid line.
 */
export function extraHostLines(extraHosts: string[], hostNetwork: boolean, gateway?: string): string[] {
  const out: string[] = [];
  for (const h of extraHosts) {
    const i = h.indexOf(':');
    if (i <= 0) continue;
    let ip = h.slice(i + 1);
    if (ip === HOST_GATEWAY) {
      if (hostNetwork) ip = '127.0.0.1';
      else if (gateway) ip = gateway; // the bridge's address on the host, as Docker does
      else continue;
    }
    out.push(`${ip}\t${h.slice(0, i)}`);
  }
  return out;
}

/** What the container's network gave it: its address, its gateway, DNS servers to use. */
export interface NetworkFacts {
  ipAddress?: string;
  gateway?: string;
  nameservers?: string[];
}

export function hostsFile(hostname: string, domainname: string, extraHosts: string[], net: NetworkFacts = {}): string {
  const lines = [...HOSTS_BASE, ...extraHostLines(extraHosts, false, net.gateway)];
  const fqdn = domainname ? `${hostname}.${domainname} ${hostname}` : hostname;
  lines.push(`${net.ipAddress ?? '127.0.1.1'}\t${fqdn}`);
  return lines.join('\n') + '\n';
}

/** resolv.conf for a container from the host's, with HostConfig's Dns, DnsSearch, DnsOptions applied. */
export function resolvConf(hostResolv: string, hc: HostConfig, hostNetwork: boolean, networkDns?: string[]): string {
  const lines = hostResolv.split('\n');
  let nameservers = lines.filter((l) => /^\s*nameserver\s/.test(l)).map((l) => l.trim().split(/\s+/)[1] ?? '').filter(Boolean);
  let search = lines.filter((l) => /^\s*(search|domain)\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  let options = lines.filter((l) => /^\s*options\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  if (!hostNetwork) {
    nameservers = nameservers.filter((n) => !n.startsWith('127.') && n !== '::1');
    if (nameservers.length === 0) nameservers = FALLBACK_NAMESERVERS;
  }
  if (hc.Dns && hc.Dns.length) nameservers = hc.Dns;
  // On networks with DNS the network's server answers container names and forwards the rest
  // (to the host's resolvers); --dns servers follow it.
  if (networkDns && networkDns.length) nameservers = [...networkDns, ...(hc.Dns ?? [])];
  if (hc.DnsSearch && hc.DnsSearch.length) search = hc.DnsSearch;
  if (hc.DnsOptions && hc.DnsOptions.length) options = hc.DnsOptions;
  const out: string[] = [];
  if (search.length) out.push(`search ${search.join(' ')}`);
  for (const n of nameservers) out.push(`nameserver ${n}`);
  if (options.length) out.push(`options ${options.join(' ')}`);
  return out.join('\n') + '\n';
}

function withLines(text: string, lines: string[]): string {
  if (lines.length === 0) return text;
  return (text === '' || text.endsWith('\n') ? text : text + '\n') + lines.join('\n') + '\n';
}

async function readOr(file: string, fallback: string): Promise<string> {
  return fs.readFile(file, 'utf8').catch(() => fallback);
}

/** Writes the three files into the container's directory. */
export async function writeEtcFiles(p: ContainerPaths, hostname: string, domainname: string, hc: HostConfig, net: NetworkFacts = {}): Promise<void> {
  const hostNetwork = hc.NetworkMode === 'host';
  // With --network host the host's own hosts file, plus the --add-host entries (as Docker does).
  const hosts = hostNetwork
    ? withLines(await readOr('/etc/hosts', hostsFile(hostname, domainname, [])), extraHostLines(hc.ExtraHosts ?? [], true))
    : hostsFile(hostname, domainname, hc.ExtraHosts ?? [], net);
  const resolv = resolvConf(await readOr('/etc/resolv.conf', ''), hc, hostNetwork, net.nameservers);
  await Promise.all([writeIfChanged(p.hosts, hosts), writeIfChanged(p.hostname, hostname + '\n'), writeIfChanged(p.resolvConf, resolv)]);
}

/**
 * Each start rewrites the files, but mostly to the same text (the hostname always, resolv.conf
 * unless the host's changed, hosts when the address is the same): a file already holding it
 * is durable as it is, so the atomic write and its two fsyncs are skipped.
 */
async function writeIfChanged(file: string, text: string): Promise<void> {
  if ((await fs.readFile(file, 'utf8').catch(() => undefined)) === text) return;
  await atomicWrite(file, text);
}
