/**
 * Network slots for test daemons. Every berthd makes a default bridge, and several e2e suites
 * (other worktrees too) run at once on this machine, so each test daemon gets its own slot:
 * a bridge name `btN` and an address pool 10.X.Y.0/19 (bip = its first /24, user networks
 * from the rest), held by a lock file /tmp/berth-test-netslots/N (O_EXCL, with the owner's
 * pid; a dead owner's slot is cleaned and reused). At the daemon's stop the slot is cleaned:
 * netavark teardown of every sandbox the daemon left, aardvark-dns stopped, namespace files
 * unmounted, the default bridge's keeper link dropped and a last netavark setup + teardown on
 * it (which removes the bridge and its chains as netavark made them), bridges still holding an
 * address of the pool deleted, iptables rules naming the pool deleted, then the lock released. Only what lies in the slot's own pool is touched.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, mkdirSync, writeFileSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { NETAVARK_LOCK, netavarkJson, type NetavarkInput } from '../../daemon/networks/netavark';
import { keeperName } from '../../daemon/networks/endpoints';
import { isolationPlan, isolationTag } from '../../daemon/networks/isolation';
import type { NetworkRecord } from '../../daemon/networks/record';

const DIR = '/tmp/berth-test-netslots';
const SLOTS = 1024;
const AARDVARK = ['/usr/lib/podman/aardvark-dns', '/usr/libexec/podman/aardvark-dns'].find((p) => existsSync(p)) ?? 'aardvark-dns';

export interface NetSlot {
  n: number;
  bridge: string;
  /** "10.X.Y.0/19" */
  pool: string;
  bip: string;
  args: string[];
}

export function slotOf(n: number): NetSlot {
  const x = 128 + (n >> 3);
  const y = (n & 7) * 32;
  const pool = `10.${x}.${y}.0/19`;
  const bip = `10.${x}.${y}.1/24`;
  const bridge = `bt${n}`;
  return { n, bridge, pool, bip, args: ['--bridge', bridge, '--bip', bip, '--default-address-pool', `base=${pool},size=24`] };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function routesOverlap(s: NetSlot): boolean {
  const r = spawnSync('ip', ['-4', 'route', 'show', 'root', s.pool], { encoding: 'utf8' });
  return (r.stdout ?? '').trim() !== '';
}

/**
 * Cleans every slot whose owner died without stopping its daemon (a suite killed by a
 * timeout), so what it left on the host does not wait for the slot's next user.
 */
function sweepStaleSlots(): void {
  for (const name of readdirSync(DIR)) {
    if (!/^\d+$/.test(name)) continue;
    const file = path.join(DIR, name);
    let owner = 0;
    try {
      owner = Number(readFileSync(file, 'utf8').trim() || '0');
    } catch {
      continue;
    }
    if (owner && alive(owner)) continue;
    cleanSlotNetwork(slotOf(Number(name)), undefined);
    rmSync(file, { force: true });
  }
}

let swept = false;

/** Takes a free slot for this process. */
export function acquireNetSlot(): NetSlot {
  mkdirSync(DIR, { recursive: true });
  if (!swept) {
    swept = true;
    sweepStaleSlots();
  }
  const start = (process.pid * 7) % SLOTS;
  for (let i = 0; i < SLOTS; i++) {
    const n = (start + i) % SLOTS;
    const file = path.join(DIR, String(n));
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
    } catch {
      const owner = Number(readFileSync(file, 'utf8').trim() || '0');
      if (owner && alive(owner)) continue;
      // A dead owner: its daemon may have left things in the pool; clean, then take over.
      cleanSlotNetwork(slotOf(n), undefined);
      rmSync(file, { force: true });
      i--; // retry this slot
      continue;
    }
    const s = slotOf(n);
    if (routesOverlap(s)) {
      // Not ours (another tool uses these addresses): keep it locked for this run, try the next.
      continue;
    }
    return s;
  }
  throw new Error('no free network slot for a test daemon');
}

export function releaseNetSlot(s: NetSlot): void {
  rmSync(path.join(DIR, String(s.n)), { force: true });
}

function inPool(s: NetSlot, ip: string): boolean {
  const [base, prefix] = s.pool.split('/') as [string, string];
  const num = (a: string) => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(prefix));
  const v = num(ip);
  return v >= num(base) && v < num(base) + size;
}

/**
 * Removes everything the daemon of this slot set up on the host. With `execRoot` the
 * daemon's own leftovers go through netavark first, so its rules are removed exactly.
 */
export function cleanSlotNetwork(s: NetSlot, execRoot: string | undefined, dataRoot?: string): void {
  if (execRoot) {
    const netnsDir = path.join(execRoot, 'netns');
    const cfg = path.join(execRoot, 'netavark');
    const netavark = ['/usr/lib/podman/netavark', '/usr/libexec/podman/netavark'].find((p) => existsSync(p));
    for (const f of existsSync(netnsDir) ? readdirSync(netnsDir) : []) {
      const file = path.join(netnsDir, f);
      if (f.endsWith('.json')) {
        try {
          const sb = JSON.parse(readFileSync(file, 'utf8')) as { netns: string; input: NetavarkInput };
          if (netavark) spawnSync('flock', ['-o', NETAVARK_LOCK, netavark, '--config', cfg, '--aardvark-binary', AARDVARK, 'teardown', sb.netns], { input: netavarkJson(sb.input), stdio: ['pipe', 'ignore', 'ignore'] });
        } catch {
          // unreadable: the generic sweep below still removes the bridge and rules
        }
      }
    }
    for (const f of existsSync(netnsDir) ? readdirSync(netnsDir) : []) {
      if (!f.endsWith('.json')) spawnSync('umount', ['-l', path.join(netnsDir, f)], { stdio: 'ignore' });
    }
    const pidFile = path.join(cfg, 'aardvark-dns', 'aardvark.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid > 0) spawnSync('kill', [String(pid)], { stdio: 'ignore' });
    }
  }
  // The default bridge is kept by a veth link (as dockerd keeps docker0): drop it, then let
  // netavark remove the bridge and its chains exactly, by a last setup + teardown on it.
  spawnSync('ip', ['link', 'del', keeperName(s.bridge)], { stdio: 'ignore' });
  if (execRoot && dataRoot && existsSync(`/sys/class/net/${s.bridge}`)) lastTeardown(s, execRoot, dataRoot);
  // Bridges with an address of the pool (the default bridge and user networks' br-*).
  const addrs = spawnSync('ip', ['-j', '-4', 'addr', 'show'], { encoding: 'utf8' });
  try {
    for (const link of JSON.parse(addrs.stdout || '[]') as Array<{ ifname: string; addr_info?: Array<{ local: string }> }>) {
      if (link.ifname === s.bridge || (link.addr_info ?? []).some((a) => inPool(s, a.local))) {
        spawnSync('ip', ['link', 'del', link.ifname], { stdio: 'ignore' });
      }
    }
  } catch {
    // no JSON: nothing to parse
  }
  spawnSync('ip', ['link', 'del', s.bridge], { stdio: 'ignore' });
  removeIsolationRules(s.bridge);
  sweepNetavarkShared();
  // Any iptables rule that names an address of the pool.
  const prefix = s.pool.split('.').slice(0, 2).join('.') + '.';
  for (const table of ['nat', 'filter']) {
    const rules = spawnSync('iptables', ['-w', '-t', table, '-S'], { encoding: 'utf8' }).stdout ?? '';
    for (const line of rules.split('\n')) {
      if (!line.startsWith('-A ')) continue;
      const ips = line.match(/\d+\.\d+\.\d+\.\d+/g) ?? [];
      if (!ips.some((ip) => ip.startsWith(prefix) && inPool(s, ip))) continue;
      spawnSync('sh', ['-c', `iptables -w -t ${table} ${line.replace(/^-A /, '-D ')}`], { stdio: 'ignore' });
    }
  }
}

/**
 * The daemon's isolation rules (tagged with its default bridge, daemon/networks/isolation.ts),
 * and the shared isolation chains when no other daemon has rules in them.
 */
export function removeIsolationRules(defaultBridge: string): void {
  for (let attempt = 0; attempt < 4; attempt++) {
    const cur = spawnSync('iptables', ['-w', '-t', 'mangle', '-S'], { encoding: 'utf8' });
    if (cur.status !== 0) return;
    const plan = isolationPlan(cur.stdout, isolationTag(defaultBridge), []);
    if (plan.length === 0) return;
    const r = spawnSync('iptables-restore', ['-w', '--noflush'], { input: ['*mangle', ...plan, 'COMMIT', ''].join('\n'), stdio: ['pipe', 'ignore', 'ignore'] });
    if (r.status === 0) return;
  }
}

/**
 * The iptables-restore batches that remove netavark's shared chains and the jumps to them
 * (NETAVARK-HOSTPORT-DNAT/-SETMARK/-MASQ, NETAVARK_FORWARD): netavark makes them with
 * "never tear down" rules, so they outlive the last network. Only when no network of anyone
 * uses them (no per-network NETAVARK-<hash>/NETAVARK-DN-<hash> chain, nothing in
 * NETAVARK_FORWARD or NETAVARK-HOSTPORT-DNAT); each batch is atomic, and `-X` of a chain
 * that someone just filled fails it whole.
 */
export function netavarkSweepPlan(nat: string, filter: string): { nat: string[]; filter: string[] } {
  const natLines = nat.split('\n').map((l) => l.trim());
  const filterLines = filter.split('\n').map((l) => l.trim());
  const out = { nat: [] as string[], filter: [] as string[] };
  const perNetwork = natLines.some((l) => /^-N NETAVARK-/.test(l) && !/^-N NETAVARK-HOSTPORT-/.test(l));
  const used = (lines: string[], chain: string) => lines.some((l) => l.startsWith(`-A ${chain} `));
  if (perNetwork || used(natLines, 'NETAVARK-HOSTPORT-DNAT') || used(filterLines, 'NETAVARK_FORWARD')) return out;
  const shared = ['NETAVARK-HOSTPORT-DNAT', 'NETAVARK-HOSTPORT-SETMARK', 'NETAVARK-HOSTPORT-MASQ'];
  for (const l of natLines) {
    const builtin = /^-A (PREROUTING|OUTPUT|POSTROUTING) /.test(l) && shared.some((c) => l.includes(`-j ${c}`));
    if (builtin || /^-A NETAVARK-HOSTPORT-(SETMARK|MASQ) /.test(l)) out.nat.push(l.replace(/^-A /, '-D '));
  }
  for (const c of shared) if (natLines.includes(`-N ${c}`)) out.nat.push(`-X ${c}`);
  for (const l of filterLines) if (/^-A FORWARD .*-j NETAVARK_FORWARD$/.test(l)) out.filter.push(l.replace(/^-A /, '-D '));
  if (filterLines.includes('-N NETAVARK_FORWARD')) out.filter.push('-X NETAVARK_FORWARD');
  return out;
}

/**
 * Runs netavarkSweepPlan on this host. The plan is applied under the lock every berthd's
 * netavark call takes (netavark lists chains, then adds rules: removing them in between would
 * fail its setup), and only if the tables are still those the plan was made from.
 */
export function sweepNetavarkShared(): void {
  const read = 'printf "%s\n--\n%s" "$(iptables -w -t nat -S)" "$(iptables -w -t filter -S)"';
  for (let attempt = 0; attempt < 3; attempt++) {
    const seen = spawnSync('sh', ['-c', read], { encoding: 'utf8' });
    if (seen.status !== 0) return;
    const [nat = '', filter = ''] = seen.stdout.split('\n--\n');
    const plan = netavarkSweepPlan(nat, filter);
    const input = (['nat', 'filter'] as const).flatMap((t) => (plan[t].length ? [`*${t}`, ...plan[t], 'COMMIT'] : []));
    if (input.length === 0) return;
    const apply = `[ "$(${read})" = "$SEEN" ] || exit 3; exec iptables-restore -w --noflush`;
    const r = spawnSync('flock', ['-o', NETAVARK_LOCK, 'sh', '-c', apply], { input: input.join('\n') + '\n', env: { ...process.env, SEEN: seen.stdout }, stdio: ['pipe', 'ignore', 'ignore'] });
    if (r.status !== 3) return;
  }
}

function lastTeardown(s: NetSlot, execRoot: string, dataRoot: string): void {
  const netavark = ['/usr/lib/podman/netavark', '/usr/libexec/podman/netavark'].find((p) => existsSync(p));
  const dir = path.join(dataRoot, 'networks');
  if (!netavark || !existsSync(dir)) return;
  const rec = readdirSync(dir).map((f) => {
    try {
      return JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as NetworkRecord;
    } catch {
      return undefined;
    }
  }).find((r) => r?.Name === 'bridge' && r.BridgeName === s.bridge);
  const cfg = rec?.IPAM.Config[0];
  if (!rec || !cfg) return;
  const [a, b, c] = cfg.Subnet.split('/')[0]!.split('.');
  const input: NetavarkInput = {
    containerId: `cleanup${s.n}`, containerName: `cleanup${s.n}`, ports: [],
    attachments: [{ network: { name: rec.Name, id: rec.Id, bridge: rec.BridgeName, subnet: cfg.Subnet, gateway: cfg.Gateway, internal: false, dns: false }, ip: `${a}.${b}.${c}.254`, ifname: 'eth0', aliases: [] }],
  };
  const ns = path.join(execRoot, `cleanup-netns-${s.n}`);
  try {
    writeFileSync(ns, '');
    if (spawnSync('unshare', [`--net=${ns}`, 'true']).status !== 0) return;
    const args = ['--config', path.join(execRoot, 'netavark'), '--aardvark-binary', AARDVARK];
    spawnSync('flock', ['-o', NETAVARK_LOCK, netavark, ...args, 'setup', ns], { input: netavarkJson(input), stdio: ['pipe', 'ignore', 'ignore'] });
    spawnSync('flock', ['-o', NETAVARK_LOCK, netavark, ...args, 'teardown', ns], { input: netavarkJson(input), stdio: ['pipe', 'ignore', 'ignore'] });
  } finally {
    spawnSync('umount', ['-l', ns], { stdio: 'ignore' });
    rmSync(ns, { force: true });
  }
}

/** What a suite finds before it starts a daemon without a slot (the installed berthd). */
export interface HostNetworkSnapshot {
  bridgeExisted: boolean;
  netavarkRules: boolean;
}

export function snapshotHostNetwork(bridge: string): HostNetworkSnapshot {
  const rules = spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout ?? '';
  return { bridgeExisted: existsSync(`/sys/class/net/${bridge}`), netavarkRules: rules.includes('NETAVARK') };
}

/**
 * Removes the default bridge a daemon without a slot made (berthd keeps it, as dockerd keeps
 * docker0), with every rule naming its subnet; when the host had no netavark rules before,
 * also netavark's shared chains, which only that daemon's network kept alive.
 */
export function removeBridgeNetwork(bridge: string, before: HostNetworkSnapshot): void {
  if (before.bridgeExisted) return;
  if (!existsSync(`/sys/class/net/${bridge}`)) return removeIsolationRules(bridge);
  const shown = spawnSync('ip', ['-j', '-4', 'addr', 'show', 'dev', bridge], { encoding: 'utf8' }).stdout || '[]';
  const addr = (JSON.parse(shown) as Array<{ addr_info?: Array<{ local: string; prefixlen: number }> }>)[0]?.addr_info?.[0];
  if (addr) {
    const mask = addr.prefixlen === 0 ? 0 : (~0 << (32 - addr.prefixlen)) >>> 0;
    const num = addr.local.split('.').reduce((acc, o) => acc * 256 + Number(o), 0) & mask;
    const base = [24, 16, 8, 0].map((sh) => ((num >>> sh) & 255).toString()).join('.');
    cleanSlotNetwork({ n: 0, bridge, pool: `${base}/${addr.prefixlen}`, bip: '', args: [] }, undefined);
  } else {
    spawnSync('ip', ['link', 'del', keeperName(bridge)], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  }
  if (before.netavarkRules) return;
  for (const table of ['nat', 'filter']) {
    const rules = spawnSync('iptables', ['-w', '-t', table, '-S'], { encoding: 'utf8' }).stdout ?? '';
    const lines = rules.split('\n');
    for (const line of lines) {
      if (/^-A (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) .*NETAVARK/.test(line)) {
        spawnSync('sh', ['-c', `iptables -w -t ${table} ${line.replace(/^-A /, '-D ')}`], { stdio: 'ignore' });
      }
    }
    const chains = lines.filter((l) => l.startsWith('-N NETAVARK')).map((l) => l.slice(3));
    for (const c of chains) spawnSync('iptables', ['-w', '-t', table, '-F', c], { stdio: 'ignore' });
    for (const c of chains) spawnSync('iptables', ['-w', '-t', table, '-X', c], { stdio: 'ignore' });
  }
}
