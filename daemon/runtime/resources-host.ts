/**
 * What the host offers for resource limits, read once: its CPU count, cpuset and the cgroup
 * version mounted at /sys/fs/cgroup (Docker checks requested limits against these at create).
 */
import { readFileSync, statfsSync } from 'node:fs';
import * as os from 'node:os';
import type { HostLimits } from './resources';

const CGROUP2_SUPER_MAGIC = 0x63677270;

let cached: (HostLimits & { cgroupVersion: 0 | 1 | 2 }) | undefined;

const readTrim = (f: string): string | undefined => {
  try {
    return readFileSync(f, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
};

export function hostLimits(root = '/sys/fs/cgroup'): HostLimits & { cgroupVersion: 0 | 1 | 2 } {
  if (cached) return cached;
  let v2 = false;
  try {
    v2 = statfsSync(root).type === CGROUP2_SUPER_MAGIC;
  } catch {
    // no cgroup mount at all
  }
  const cpusetDir = v2 ? root : `${root}/cpuset`;
  const cpusetCpus = readTrim(`${cpusetDir}/cpuset.cpus.effective`) ?? readTrim(`${cpusetDir}/cpuset.effective_cpus`) ?? readTrim(`${cpusetDir}/cpuset.cpus`);
  const cpusetMems = readTrim(`${cpusetDir}/cpuset.mems.effective`) ?? readTrim(`${cpusetDir}/cpuset.effective_mems`) ?? readTrim(`${cpusetDir}/cpuset.mems`);
  const version = v2 ? 2 : readTrim(`${root}/memory/cgroup.procs`) !== undefined || readTrim(`${root}/pids/cgroup.procs`) !== undefined ? 1 : 0;
  cached = { cpus: os.cpus().length, cpusetCpus, cpusetMems, cgroupVersion: version };
  return cached;
}
