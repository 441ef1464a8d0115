/**
 * The CNI side of the pod, played by the test (cri-dockerd hands the sandbox's netns path
 * `/proc/<State.Pid>/ns/net` to a CNI plugin, network/cni/cni.go; the bridge/ptp and portmap
 * plugins then do what this file does): a veth pair with one end moved into the sandbox's
 * network namespace as eth0 with an address and a default route, and a portmap-like DNAT of
 * the host port to the pod's port in a chain of its own. `teardown()` removes all of it and
 * is safe to call twice or after a partial set-up.
 */
import { spawnSync } from 'node:child_process';

function sh(cmd: string, args: string[], allowFail = false): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout ?? '';
}

export interface PodNet {
  hostIf: string;
  hostIp: string;
  podIp: string;
  chain: string;
  hostPort: number;
  podPort: number;
}

/** A /30 of the test daemon's own address pool (10.X.Y.0/19: its last /30), so concurrent suites never collide. */
export function podNetFor(pool: string, n: number, hostPort: number, podPort: number): PodNet {
  const m = /^10\.(\d+)\.(\d+)\.0\/19$/.exec(pool);
  if (!m) throw new Error(`unexpected pool ${pool}`);
  const base = `10.${m[1]}.${Number(m[2]) + 31}`;
  return { hostIf: `crih${n}`, hostIp: `${base}.253`, podIp: `${base}.254`, chain: `CRI-HOSTPORT-${n}`, hostPort, podPort };
}

/** The CNI ADD: veth into /proc/<pid>/ns/net, address, route, DNAT for the host port. */
export function setUp(net: PodNet, sandboxPid: number): void {
  const peer = `${net.hostIf}p`;
  const ns = `/proc/${sandboxPid}/ns/net`;
  sh('ip', ['link', 'add', net.hostIf, 'type', 'veth', 'peer', 'name', peer]);
  sh('ip', ['addr', 'add', `${net.hostIp}/30`, 'dev', net.hostIf]);
  sh('ip', ['link', 'set', net.hostIf, 'up']);
  sh('ip', ['link', 'set', peer, 'netns', ns]);
  const inNs = (args: string[]) => sh('nsenter', [`--net=${ns}`, 'ip', ...args]);
  inNs(['link', 'set', peer, 'name', 'eth0']);
  inNs(['addr', 'add', `${net.podIp}/30`, 'dev', 'eth0']);
  inNs(['link', 'set', 'eth0', 'up']);
  inNs(['route', 'add', 'default', 'via', net.hostIp]);
  // portmap: traffic to a local address on the host port goes to the pod (PREROUTING for
  // other hosts, OUTPUT for this one).
  sh('iptables', ['-t', 'nat', '-N', net.chain]);
  sh('iptables', ['-t', 'nat', '-A', net.chain, '-p', 'tcp', '--dport', String(net.hostPort), '-j', 'DNAT', '--to-destination', `${net.podIp}:${net.podPort}`]);
  for (const hook of ['PREROUTING', 'OUTPUT']) sh('iptables', ['-t', 'nat', '-I', hook, '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', net.chain]);
}

/** The CNI DEL: everything setUp made, whatever part of it exists. */
export function tearDown(net: PodNet): void {
  for (const hook of ['PREROUTING', 'OUTPUT']) {
    while (spawnSync('iptables', ['-t', 'nat', '-D', hook, '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', net.chain]).status === 0) {
      /* every copy */
    }
  }
  sh('iptables', ['-t', 'nat', '-F', net.chain], true);
  sh('iptables', ['-t', 'nat', '-X', net.chain], true);
  // Deleting the host end deletes the pair (the pod end goes with the namespace anyway).
  sh('ip', ['link', 'del', net.hostIf], true);
}
