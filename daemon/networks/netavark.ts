/**
 * The one place that speaks netavark (Podman's network back end, Debian's `netavark`): one
 * exec per container start sets up the veth pair on the network's bridge (creating the bridge
 * on first use), the address and routes, the NAT/forward rules, the published ports (DNAT, also
 * for 127.0.0.1 and hairpin traffic) and, on networks with DNS, the container's names in
 * aardvark-dns, which netavark starts and stops. Teardown undoes exactly what the same input
 * set up, and removes the bridge and its chains with the last container.
 * Chosen over the CNI plugins after measuring both (bench/net-parts.sh, notes/networks.md).
 * The config dir (aardvark's state) is per daemon, under its exec root.
 */
import { existsSync, promises as fs } from 'node:fs';
import { systemError } from '../errors';
import type { RunTool } from './exec';
import type { PortMapping } from './ports';

export interface BridgeNetwork {
  name: string;
  id: string;
  bridge: string;
  subnet: string;
  gateway: string;
  internal: boolean;
  dns: boolean;
}

export interface Attachment {
  network: BridgeNetwork;
  ip: string;
  ifname: string;
  aliases: string[];
  mac?: string;
}

/** Everything one setup call applies; the same object undoes it in teardown. */
export interface NetavarkInput {
  containerId: string;
  containerName: string;
  ports: PortMapping[];
  attachments: Attachment[];
}

export interface SetupResult {
  /** network name → MAC address of the container's interface on it */
  macs: Record<string, string>;
}

/** The host-wide lock every netavark call of every berthd takes (see Netavark.exec). */
export const NETAVARK_LOCK = existsSync('/run/lock') ? '/run/lock/berth-netavark.lock' : '/tmp/berth-netavark.lock';

const CANDIDATES = ['/usr/lib/podman/netavark', '/usr/libexec/podman/netavark', '/usr/local/libexec/podman/netavark'];
const AARDVARK = ['/usr/lib/podman/aardvark-dns', '/usr/libexec/podman/aardvark-dns', '/usr/local/libexec/podman/aardvark-dns'];

export function findNetavark(): { netavark: string; aardvark: string } | undefined {
  const netavark = CANDIDATES.find((p) => existsSync(p));
  const aardvark = AARDVARK.find((p) => existsSync(p));
  return netavark && aardvark ? { netavark, aardvark } : undefined;
}

/** The JSON netavark reads on stdin (its `NetworkOptions`). */
export function netavarkJson(input: NetavarkInput): string {
  const networks: Record<string, unknown> = {};
  const info: Record<string, unknown> = {};
  for (const a of input.attachments) {
    networks[a.network.name] = {
      static_ips: [a.ip],
      aliases: a.aliases,
      interface_name: a.ifname,
      ...(a.mac ? { static_mac: a.mac } : {}),
    };
    info[a.network.name] = {
      name: a.network.name,
      id: a.network.id,
      driver: 'bridge',
      network_interface: a.network.bridge,
      subnets: [{ subnet: a.network.subnet, gateway: a.network.gateway }],
      ipv6_enabled: false,
      internal: a.network.internal,
      dns_enabled: a.network.dns,
    };
  }
  return JSON.stringify({
    container_id: input.containerId,
    container_name: input.containerName,
    port_mappings: input.ports.map((p) => ({ host_ip: p.hostIp, container_port: p.containerPort, host_port: p.hostPort, range: 1, protocol: p.proto })),
    networks,
    network_info: info,
  });
}

function failure(what: string, stderr: string, code: number): Error {
  // netavark prints `{"error":"..."}` or plain text; keep the sentence, drop the JSON.
  let msg = stderr.trim();
  try {
    const j = JSON.parse(msg) as { error?: string };
    if (j.error) msg = j.error;
  } catch {
    // plain text
  }
  return systemError(`${what} failed: ${msg.split('\n').filter((l) => !/failed to connect to syslog/.test(l)).join(' ').trim() || `exit ${code}`}`);
}

export class Netavark {
  /**
   * One netavark at a time per daemon (Podman holds a lock the same way): two teardowns of
   * the last containers on a bridge would both find it empty and race to delete it (one
   * then fails before removing its rules), two setups would race to create it.
   */
  private queue: Promise<unknown> = Promise.resolve();

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  constructor(
    private readonly run: RunTool,
    private readonly bins: { netavark: string; aardvark: string },
    private readonly configDir: string,
  ) {}

  /**
   * netavark runs under flock(1) on one host-wide lock: its NETAVARK-HOSTPORT-* and
   * NETAVARK_FORWARD chains are shared by every daemon on the machine (other berthds, test
   * daemons, podman), and one daemon's last teardown deleting them while another appends a
   * rule fails that rule ("No chain/target/match by that name"). `-o`: the aardvark-dns
   * netavark starts must not inherit the locked descriptor (it would hold the lock forever).
   */
  private exec(cmd: string, netns: string, input: NetavarkInput) {
    const args = ['--config', this.configDir, '--aardvark-binary', this.bins.aardvark, cmd, netns];
    return this.run('flock', ['-o', NETAVARK_LOCK, this.bins.netavark, ...args], netavarkJson(input));
  }

  async setup(netns: string, input: NetavarkInput): Promise<SetupResult> {
    await fs.mkdir(this.configDir, { recursive: true }); // netavark makes only the aardvark-dns dir in it
    const r = await this.serial(() => this.exec('setup', netns, input));
    if (r.code !== 0) throw failure('setting up the network', r.stderr || r.stdout, r.code);
    const macs: Record<string, string> = {};
    try {
      const out = JSON.parse(r.stdout) as Record<string, { interfaces?: Record<string, { mac_address?: string }> }>;
      for (const [name, status] of Object.entries(out)) {
        const iface = Object.values(status.interfaces ?? {})[0];
        if (iface?.mac_address) macs[name] = iface.mac_address;
      }
    } catch {
      // MACs are informational (inspect); the setup itself succeeded
    }
    return { macs };
  }

  async teardown(netns: string, input: NetavarkInput): Promise<void> {
    const r = await this.serial(() => this.exec('teardown', netns, input));
    if (r.code !== 0) throw failure('tearing down the network', r.stderr || r.stdout, r.code);
  }
}
