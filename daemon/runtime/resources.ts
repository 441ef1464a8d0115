/**
 * Resource limits of a container (HostConfig's Resources: -m, --memory-swap, --cpus, ...):
 * Docker's validation with its messages, and what each limit becomes as cgroup control-file
 * writes under v1 and v2. Pure: cgroups.ts does the writing, so the translation is unit-tested
 * without a kernel. Docker's semantics: 0 means "not set", -1 "unlimited" (swap, pids).
 */
import { invalid } from '../errors';

export interface Resources {
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  MemorySwappiness?: number | null;
  NanoCpus?: number;
  CpuShares?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  PidsLimit?: number | null;
  BlkioWeight?: number;
  OomKillDisable?: boolean | null;
}

export const RESOURCE_KEYS = [
  'Memory', 'MemorySwap', 'MemoryReservation', 'MemorySwappiness', 'NanoCpus', 'CpuShares', 'CpuQuota', 'CpuPeriod',
  'CpusetCpus', 'CpusetMems', 'PidsLimit', 'BlkioWeight', 'OomKillDisable',
] as const;

/** Docker's linuxMinMemory: below it the container's runtime itself would not fit. */
export const MIN_MEMORY = 6 * 1024 * 1024;

/** One control-file write: `ctrl` names the v1 hierarchy (ignored under v2). */
export interface CgroupWrite {
  ctrl: string;
  file: string;
  value: string;
}

const n = (v: number | null | undefined): number => (typeof v === 'number' ? v : 0);

/** Parses a cpuset list ("0-2,4") into its members; undefined when malformed. */
export function parseCpuset(s: string): Set<number> | undefined {
  const out = new Set<number>();
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b - a > 4096) return undefined;
    for (let i = a; i <= b; i++) out.add(i);
  }
  return out;
}

export interface HostLimits {
  cpus: number;
  /** cpuset.cpus / cpuset.mems of the host ("0-1", "0"); undefined when unknown. */
  cpusetCpus?: string;
  cpusetMems?: string;
}

/**
 * Docker's checks (daemon_unix.go verifyPlatformContainerResources), with its messages; throws
 * 400 for the first failure. Returns Docker's warnings for settings the host cannot apply.
 */
export function validateResources(r: Resources, host: HostLimits, cgroupVersion: 0 | 1 | 2): string[] {
  const warnings: string[] = [];
  const mem = n(r.Memory);
  const swap = n(r.MemorySwap);
  const resv = n(r.MemoryReservation);
  if (mem < 0) throw invalid('invalid memory limit: it can not be negative');
  if (mem > 0 && mem < MIN_MEMORY) throw invalid('Minimum memory limit allowed is 6MB');
  if (mem > 0 && swap > 0 && swap < mem) throw invalid('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (mem === 0 && swap > 0) throw invalid('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (swap < -1) throw invalid('invalid memory swap limit: use -1 for unlimited swap');
  const sw = r.MemorySwappiness;
  if (typeof sw === 'number' && sw !== -1 && (sw < 0 || sw > 100)) throw invalid(`Invalid value: ${sw}, valid memory swappiness range is 0-100`);
  if (resv < 0) throw invalid('invalid memory reservation: it can not be negative');
  if (resv > 0 && resv < MIN_MEMORY) throw invalid('Minimum memory reservation allowed is 6MB');
  if (mem > 0 && resv > 0 && mem < resv) throw invalid('Minimum memory limit can not be less than memory reservation limit, see usage');
  if (r.OomKillDisable === true && mem === 0) {
    warnings.push('OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.');
  }
  if (r.OomKillDisable === true && cgroupVersion === 2) warnings.push('Your kernel does not support OomKillDisable. OomKillDisable discarded.');
  const nano = n(r.NanoCpus);
  if (nano > 0 && n(r.CpuPeriod) > 0) throw invalid('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && n(r.CpuQuota) > 0) throw invalid('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano < 0 || nano > host.cpus * 1e9) {
    throw invalid(`Range of CPUs is from 0.01 to ${host.cpus}.00, as there are only ${host.cpus} CPUs available`);
  }
  if (nano > 0 && nano < 1e7) throw invalid(`Range of CPUs is from 0.01 to ${host.cpus}.00, as there are only ${host.cpus} CPUs available`);
  const period = n(r.CpuPeriod);
  if (period !== 0 && (period < 1000 || period > 1000000)) throw invalid('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  const quota = n(r.CpuQuota);
  if (quota > 0 && quota < 1000) throw invalid('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  const shares = n(r.CpuShares);
  if (shares < 0) throw invalid('invalid CPU shares: it can not be negative');
  if (shares > 0 && shares < 2) warnings.push(`Changing requested CPUShares of ${shares} to minimum allowed of 2`);
  if (shares > 262144) warnings.push(`Changing requested CPUShares of ${shares} to maximum allowed of 262144`);
  checkCpuset('CPUs', 'cpus', r.CpusetCpus, host.cpusetCpus);
  checkCpuset('memory nodes', 'mems', r.CpusetMems, host.cpusetMems);
  const w = n(r.BlkioWeight);
  if (w > 0 && (w < 10 || w > 1000)) throw invalid('Range of blkio weight is from 10 to 1000');
  return warnings;
}

function checkCpuset(what: string, key: string, want: string | undefined, have: string | undefined): void {
  if (!want) return;
  const set = parseCpuset(want);
  if (!set) throw invalid(`Invalid value ${want} for cpuset ${key}`);
  const avail = have ? parseCpuset(have) : undefined;
  if (avail && [...set].some((c) => !avail.has(c))) throw invalid(`Requested ${what} are not available - requested ${want}, available: ${have}`);
}

const clampShares = (s: number): number => Math.min(262144, Math.max(2, s));

/** The quota/period pair: --cpus is a quota over Docker's 100 ms period. */
function cfs(r: Resources): { quota: number; period: number } | undefined {
  const nano = n(r.NanoCpus);
  if (nano > 0) return { period: 100000, quota: Math.round((nano * 100000) / 1e9) };
  if (n(r.CpuQuota) !== 0 || n(r.CpuPeriod) !== 0) return { period: n(r.CpuPeriod) || 100000, quota: n(r.CpuQuota) > 0 ? n(r.CpuQuota) : -1 };
  return undefined;
}

/** Docker's swap rule: unset swap with a memory limit means as much swap as memory (2x total). */
function memsw(r: Resources): number {
  const mem = n(r.Memory);
  const swap = n(r.MemorySwap);
  if (mem <= 0) return -1;
  if (swap === 0) return mem * 2;
  return swap;
}

/**
 * The v1 writes for a full set of limits (every limit written, unset ones as "unlimited", so
 * an update that clears a limit clears it in the kernel too). `present` says which files exist
 * (memsw without swap accounting, blkio.weight without a proportional I/O scheduler).
 */
export function v1Writes(r: Resources, present: (ctrl: string, file: string) => boolean): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  const mem = n(r.Memory);
  const hasMemsw = present('memory', 'memory.memsw.limit_in_bytes');
  // memsw must stay >= the limit at every step: open it fully first, then set both
  if (hasMemsw) w.push({ ctrl: 'memory', file: 'memory.memsw.limit_in_bytes', value: '-1' });
  w.push({ ctrl: 'memory', file: 'memory.limit_in_bytes', value: mem > 0 ? String(mem) : '-1' });
  if (hasMemsw && memsw(r) > 0) w.push({ ctrl: 'memory', file: 'memory.memsw.limit_in_bytes', value: String(memsw(r)) });
  w.push({ ctrl: 'memory', file: 'memory.soft_limit_in_bytes', value: n(r.MemoryReservation) > 0 ? String(r.MemoryReservation) : '-1' });
  if (typeof r.MemorySwappiness === 'number' && r.MemorySwappiness >= 0) w.push({ ctrl: 'memory', file: 'memory.swappiness', value: String(r.MemorySwappiness) });
  if (r.OomKillDisable === true) w.push({ ctrl: 'memory', file: 'memory.oom_control', value: '1' });
  w.push({ ctrl: 'cpu', file: 'cpu.shares', value: String(n(r.CpuShares) > 0 ? clampShares(n(r.CpuShares)) : 1024) });
  const c = cfs(r);
  // the period first: the kernel checks the quota against the period in force
  w.push({ ctrl: 'cpu', file: 'cpu.cfs_period_us', value: String(c?.period ?? 100000) });
  w.push({ ctrl: 'cpu', file: 'cpu.cfs_quota_us', value: String(c?.quota ?? -1) });
  if (r.CpusetCpus) w.push({ ctrl: 'cpuset', file: 'cpuset.cpus', value: r.CpusetCpus });
  if (r.CpusetMems) w.push({ ctrl: 'cpuset', file: 'cpuset.mems', value: r.CpusetMems });
  w.push({ ctrl: 'pids', file: 'pids.max', value: n(r.PidsLimit) > 0 ? String(r.PidsLimit) : 'max' });
  if (n(r.BlkioWeight) > 0 && present('blkio', 'blkio.weight')) w.push({ ctrl: 'blkio', file: 'blkio.weight', value: String(r.BlkioWeight) });
  return w.filter((x) => present(x.ctrl, x.file));
}

/** v2: cpu.weight from Docker's shares (runc's mapping of 2..262144 onto 1..10000). */
export const sharesToWeight = (s: number): number => 1 + Math.floor(((clampShares(s) - 2) * 9999) / 262142);
/** v2: io.weight from blkio weight (10..1000 onto 1..10000). */
export const blkioToIoWeight = (w: number): number => 1 + Math.floor(((w - 10) * 9999) / 990);

/** The v2 writes (unified hierarchy; every file in the container's one directory). */
export function v2Writes(r: Resources, present: (file: string) => boolean): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  const mem = n(r.Memory);
  w.push({ ctrl: '', file: 'memory.max', value: mem > 0 ? String(mem) : 'max' });
  // memory.swap.max counts swap alone: Docker's MemorySwap is memory + swap
  const total = memsw(r);
  w.push({ ctrl: '', file: 'memory.swap.max', value: total > 0 ? String(Math.max(0, total - mem)) : 'max' });
  w.push({ ctrl: '', file: 'memory.low', value: n(r.MemoryReservation) > 0 ? String(r.MemoryReservation) : '0' });
  w.push({ ctrl: '', file: 'cpu.weight', value: String(n(r.CpuShares) > 0 ? sharesToWeight(n(r.CpuShares)) : 100) });
  const c = cfs(r);
  w.push({ ctrl: '', file: 'cpu.max', value: c ? `${c.quota > 0 ? c.quota : 'max'} ${c.period}` : 'max 100000' });
  if (r.CpusetCpus) w.push({ ctrl: '', file: 'cpuset.cpus', value: r.CpusetCpus });
  if (r.CpusetMems) w.push({ ctrl: '', file: 'cpuset.mems', value: r.CpusetMems });
  w.push({ ctrl: '', file: 'pids.max', value: n(r.PidsLimit) > 0 ? String(r.PidsLimit) : 'max' });
  if (n(r.BlkioWeight) > 0) w.push({ ctrl: '', file: 'io.weight', value: `default ${blkioToIoWeight(n(r.BlkioWeight))}` });
  // a controller the host does not delegate has no files: a limit it would carry must not be
  // silently dropped, so only the "unlimited" defaults may be skipped
  return w.filter((x) => present(x.file) || !isDefault(x));
}

function isDefault(x: CgroupWrite): boolean {
  return ['max', '0', '100', 'max 100000'].includes(x.value) || (x.file === 'memory.swap.max' && x.value === '0');
}

/** Picks the resource fields out of a HostConfig-like object. */
export function resourcesOf(hc: Record<string, unknown>): Resources {
  const out: Record<string, unknown> = {};
  for (const k of RESOURCE_KEYS) if (hc[k] !== undefined) out[k] = hc[k];
  return out as Resources;
}

/** True when any limit is set (the container's cgroup then needs writes at start). */
export function hasLimits(r: Resources): boolean {
  return RESOURCE_KEYS.some((k) => {
    const v = r[k];
    return k === 'OomKillDisable' ? v === true : typeof v === 'number' ? v > 0 && !(k === 'MemorySwappiness') : typeof v === 'string' && v !== '';
  });
}
