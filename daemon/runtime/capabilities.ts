/**
 * Linux capabilities by Docker's names, and the set a container's process gets: Docker's
 * default set with --cap-drop and --cap-add applied (moby's TweakCapabilities rules), or for
 * --privileged everything berthd itself holds. The result is a bit mask for the helper's spec
 * (bit n = capability n) and a name list for the seccomp profile's `caps` conditions.
 *
 * "Everything" means berthd's own bounding set, not the kernel's list: root on some hosts
 * lacks capabilities (e.g. CAP_SYS_RESOURCE), and asking capset(2) for one the process cannot
 * have fails the whole start.
 */
import { readFileSync } from 'node:fs';
import { invalid } from '../errors';

/** Index = capability number (linux/capability.h). */
export const CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** Docker's default set (moby oci/caps/defaults.go), in its order. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

const ALL = 'ALL';

/** "net_admin", "NET_ADMIN", "CAP_NET_ADMIN" → "CAP_NET_ADMIN"; "all" → "ALL". */
function normalize(name: string): string {
  const up = name.trim().toUpperCase();
  if (up === ALL) return ALL;
  return up.startsWith('CAP_') ? up : `CAP_${up}`;
}

/**
 * HostConfig.CapAdd / CapDrop as the API sends them (null, or a list of names) → normalized
 * names. Throws Docker's 400 for anything else.
 */
export function parseCapabilityList(v: unknown, field: 'CapAdd' | 'CapDrop'): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalid(`invalid ${field}: expected a list of capability names`);
  return v.map((raw: string) => {
    const n = normalize(raw);
    if (n !== ALL && !CAPABILITIES.includes(n)) throw invalid(`invalid ${field}: unknown capability: ${JSON.stringify(raw)}`);
    return n;
  });
}

export interface CapabilityRequest {
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
}

/**
 * The container's capabilities, sorted by number. `held` is what berthd holds (its bounding
 * set): --privileged and `ALL` mean all of that; naming one it lacks is an error, since the
 * start would fail in capset anyway, later and less clearly.
 */
export function resolveCapabilities(req: CapabilityRequest, held: ReadonlySet<string>): string[] {
  const add = req.capAdd.map(normalize);
  const drop = req.capDrop.map(normalize);
  let caps: string[];
  if (req.privileged) caps = [...held];
  else if (add.includes(ALL)) caps = [...held].filter((c) => !drop.includes(c));
  else if (drop.includes(ALL)) caps = add;
  else caps = [...DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c)), ...add];
  for (const c of caps) {
    if (!CAPABILITIES.includes(c)) throw invalid(`unknown capability: ${JSON.stringify(c)}`);
    if (!held.has(c)) throw invalid(`cannot give the container ${c}: berthd itself does not hold it`);
  }
  return [...new Set(caps)].sort((a, b) => CAPABILITIES.indexOf(a) - CAPABILITIES.indexOf(b));
}

/** The helper's `caps` value: the mask in hex. */
export function capabilityMask(caps: readonly string[]): string {
  let m = 0n;
  for (const c of caps) {
    const n = CAPABILITIES.indexOf(c);
    if (n >= 0) m |= 1n << BigInt(n);
  }
  return m.toString(16);
}

/** Names of the capabilities in a /proc status mask ("000001fffeffffff"). */
export function capabilitiesOfMask(hex: string): Set<string> {
  const m = BigInt(`0x${hex}`);
  return new Set(CAPABILITIES.filter((_, n) => (m >> BigInt(n)) & 1n));
}

let heldCache: Set<string> | undefined;

/** berthd's bounding set (CapBnd in /proc/self/status), read once. */
export function daemonCapabilities(): ReadonlySet<string> {
  if (heldCache) return heldCache;
  const status = readFileSync('/proc/self/status', 'utf8');
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  heldCache = hex ? capabilitiesOfMask(hex) : new Set(DEFAULT_CAPABILITIES);
  return heldCache;
}
