/**
 * The CNI side of a Nomad group in bridge mode, played by the test. Nomad's network hook hands
 * the pause container's NetworkSettings.SandboxKey to its bridge CNI config
 * (client/allocrunner/networking_bridge_linux.go: bridge + firewall + portmap plugins), which
 * enter the namespace through that path. Here: a veth pair whose inner end goes into the
 * namespace named by the SandboxKey *path* (nsenter --net=PATH, as a CNI plugin's ns.GetNS
 * opens it), an address and a default route, and a portmap-like DNAT of the host port to the
 * alloc's port. `tearDown()` removes all of it, safe after a partial set-up or twice.
 */
import { spawnSync } from 'node:child_process';

function sh(cmd: string, args: string[], allowFail = false): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout ?? '';
}

export interface AllocNet {
  hostIf: string;
  hostIp: string;
  allocIp: string;
  chain: string;
  hostPort: number;
  allocPort: number;
}

/** A /30 near the end of the test daemon's own pool (10.X.Y.0/19), so concurrent suites never collide. */
export function allocNetFor(pool: string, slot: number, hostPort: number, allocPort: number): AllocNet {
  const m = /^10\.(\d+)\.(\d+)\.0\/19$/.exec(pool);
  if (!m) throw new Error(`unexpected pool ${pool}`);
  const base = `10.${m[1]}.${Number(m[2]) + 30}`;
  return { hostIf: `nmdh${slot}`, hostIp: `${base}.249`, allocIp: `${base}.250`, chain: `NMD-HOSTPORT-${slot}`, hostPort, allocPort };
}

/** CNI ADD into the namespace at `netnsPath` (the SandboxKey). */
export function setUp(net: AllocNet, netnsPath: string): void {
  const peer = `${net.hostIf}p`;
  sh('ip', ['link', 'add', net.hostIf, 'type', 'veth', 'peer', 'name', peer]);
  sh('ip', ['addr', 'add', `${net.hostIp}/30`, 'dev', net.hostIf]);
  sh('ip', ['link', 'set', net.hostIf, 'up']);
  // iproute2 opens a netns argument containing '/' as a path, as a CNI plugin opens the SandboxKey.
  sh('ip', ['link', 'set', peer, 'netns', netnsPath]);
  const inNs = (args: string[]): string => sh('nsenter', [`--net=${netnsPath}`, 'ip', ...args]);
  inNs(['link', 'set', peer, 'name', 'eth0']);
  inNs(['addr', 'add', `${net.allocIp}/30`, 'dev', 'eth0']);
  inNs(['link', 'set', 'eth0', 'up']);
  inNs(['link', 'set', 'lo', 'up']);
  inNs(['route', 'add', 'default', 'via', net.hostIp]);
  sh('iptables', ['-t', 'nat', '-N', net.chain]);
  sh('iptables', ['-t', 'nat', '-A', net.chain, '-p', 'tcp', '--dport', String(net.hostPort), '-j', 'DNAT', '--to-destination', `${net.allocIp}:${net.allocPort}`]);
  for (const hook of ['PREROUTING', 'OUTPUT']) sh('iptables', ['-t', 'nat', '-I', hook, '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', net.chain]);
}

/** The address eth0 has inside the namespace at `netnsPath` ('' when none). */
export function addressIn(netnsPath: string): string {
  const out = sh('nsenter', [`--net=${netnsPath}`, 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0'], true);
  return /inet (\d+\.\d+\.\d+\.\d+)\//.exec(out)?.[1] ?? '';
}

/** CNI DEL: everything setUp made, whatever part of it exists. */
export function tearDown(net: AllocNet): void {
  for (const hook of ['PREROUTING', 'OUTPUT']) {
    while (spawnSync('iptables', ['-t', 'nat', '-D', hook, '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', net.chain]).status === 0) {
      /* every copy */
    }
  }
  sh('iptables', ['-t', 'nat', '-F', net.chain], true);
  sh('iptables', ['-t', 'nat', '-X', net.chain], true);
  sh('ip', ['link', 'del', net.hostIf], true);
}
