/**
 * From a container's DevicePolicy (device-rules.ts) to what start needs: the allow rules
 * for its device cgroup and the nodes the helper makes in its rootfs (`device` records,
 * native/helper/devices.c). `--device` paths are looked up on the host at each start, as
 * Docker does (a device may come and go between runs); a directory brings every device
 * under it. `--privileged` brings the host's devices into /dev and allows them all.
 */
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { invalid } from '../errors';
import { ALLOW_ALL, DEFAULT_DEVICE_RULES, parseDeviceCgroupRule, type DevicePolicy, type DeviceRule } from './device-rules';

/** A node to make in the container. */
export interface DeviceNode {
  /** Absolute path in the container. */
  path: string;
  type: 'b' | 'c';
  major: number;
  minor: number;
  /** Permission bits (the host node's). */
  mode: number;
  uid: number;
  gid: number;
}

export interface ResolvedDevices {
  rules: DeviceRule[];
  nodes: DeviceNode[];
}

/** Host /dev entries a privileged container does not get: per-instance or made by the helper. */
const PRIVILEGED_SKIP = new Set(['pts', 'shm', 'mqueue', 'fd', 'console', 'ptmx', '.lxc', '.lxd-mounts', '.udev']);

// glibc's gnu_dev_major / gnu_dev_minor over st_rdev
const devMajor = (rdev: number) => Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
const devMinor = (rdev: number) => Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));

function nodeOf(st: Stats, containerPath: string): DeviceNode | undefined {
  const type = st.isBlockDevice() ? 'b' : st.isCharacterDevice() ? 'c' : undefined;
  if (!type) return undefined;
  return { path: containerPath, type, major: devMajor(st.rdev), minor: devMinor(st.rdev), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/** Device nodes under a host directory (symlinks not followed), keyed to the container dir. */
async function nodesUnder(hostDir: string, ctrDir: string, skip: Set<string> = new Set()): Promise<DeviceNode[]> {
  const out: DeviceNode[] = [];
  const names = await fs.readdir(hostDir).catch(() => [] as string[]);
  for (const name of names.sort()) {
    if (skip.has(name)) continue;
    const host = path.join(hostDir, name);
    const st = await fs.lstat(host).catch(() => undefined);
    if (!st) continue; // gone meanwhile
    if (st.isDirectory()) out.push(...(await nodesUnder(host, path.posix.join(ctrDir, name))));
    else {
      const n = nodeOf(st, path.posix.join(ctrDir, name));
      if (n) out.push(n);
    }
  }
  return out;
}

export async function resolveDevices(policy: DevicePolicy | undefined, hostDev = '/dev'): Promise<ResolvedDevices> {
  if (policy?.privileged) return { rules: [ALLOW_ALL], nodes: await nodesUnder(hostDev, '/dev', PRIVILEGED_SKIP) };
  const rules: DeviceRule[] = [...DEFAULT_DEVICE_RULES];
  const nodes: DeviceNode[] = [];
  for (const m of policy?.mappings ?? []) {
    const target = m.PathInContainer || m.PathOnHost;
    const st = await fs.stat(m.PathOnHost).catch((err: NodeJS.ErrnoException) => {
      throw invalid(`error gathering device information while adding custom device "${m.PathOnHost}": ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`, err);
    });
    const found = st.isDirectory() ? await nodesUnder(m.PathOnHost, target) : [nodeOf(st, target)].filter((n): n is DeviceNode => n !== undefined);
    if (found.length === 0) throw invalid(`error gathering device information while adding custom device "${m.PathOnHost}": not a device node`);
    for (const n of found) {
      nodes.push(n);
      rules.push({ type: n.type, major: n.major, minor: n.minor, access: m.CgroupPermissions || 'rwm' });
    }
  }
  for (const r of policy?.rules ?? []) rules.push(parseDeviceCgroupRule(r));
  return { rules, nodes };
}

/** The helper's `device` record value: "TYPE MAJOR MINOR MODE UID GID PATH" (MODE octal). */
export function deviceRecord(n: DeviceNode): string {
  return `${n.type} ${n.major} ${n.minor} ${n.mode.toString(8)} ${n.uid} ${n.gid} ${n.path}`;
}
