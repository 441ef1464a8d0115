/**
 * Reads a container's usage counters from its cgroup (v1: cpuacct, memory, pids, blkio; v2:
 * cpu.stat, memory.*, pids.*, io.stat), the host's CPU time (/proc/stat) and the interfaces of
 * its network namespace (/proc/PID/net/dev), in the units Docker's stats JSON uses
 * (nanoseconds, bytes). Files are parsed as untrusted text: what is missing reads as absent.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

export interface CgroupStats {
  cpu: {
    total: number;
    percpu?: number[];
    kernel: number;
    user: number;
    throttling: { periods: number; throttled_periods: number; throttled_time: number };
  };
  memory: { usage?: number; maxUsage?: number; failcnt?: number; limit?: number; stats: Record<string, number> };
  pids: { current?: number; limit?: number };
  blkio: { serviceBytes: BlkioEntry[]; serviced: BlkioEntry[] };
}

export interface NetDev {
  rx_bytes: number; rx_packets: number; rx_errors: number; rx_dropped: number;
  tx_bytes: number; tx_packets: number; tx_errors: number; tx_dropped: number;
}

/** USER_HZ: the unit of cpuacct.stat and /proc/stat (100 on every Linux ABI Node runs on). */
const NS_PER_TICK = 1e9 / 100;

/**
 * Synchronous on purpose: cgroupfs and procfs reads never wait on a disk, and a threadpool
 * round trip per file made a sample cost 3.6 ms of berthd's CPU against well under 1 ms so
 * (bench/stats.sh, 50 streams).
 */
const readNow = (f: string): string | undefined => {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return undefined;
  }
};
const read = (f: string): Promise<string | undefined> => Promise.resolve(readNow(f));

const num = (s: string | undefined): number | undefined => {
  const t = s?.trim();
  if (!t || !/^\d+$/.test(t)) return undefined;
  return Number(t);
};

/** "key value" lines (memory.stat, cpu.stat, cpuacct.stat) into numbers. */
export function keyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** v1 blkio: "8:0 Read 4096" lines (Total lines and bare totals dropped). */
export function parseV1Blkio(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
    if (m && m[3] !== 'Total') out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3] as string, value: Number(m[4]) });
  }
  return out;
}

/** v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." into Docker's lower-case op entries. */
export function parseIoStat(text: string | undefined): { serviceBytes: BlkioEntry[]; serviced: BlkioEntry[] } {
  const serviceBytes: BlkioEntry[] = [];
  const serviced: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (.*)$/.exec(line.trim());
    if (!m) continue;
    const kv: Record<string, number> = {};
    for (const p of (m[3] as string).split(' ')) {
      const [k, v] = p.split('=');
      if (k && v && /^\d+$/.test(v)) kv[k] = Number(v);
    }
    const dev = { major: Number(m[1]), minor: Number(m[2]) };
    serviceBytes.push({ ...dev, op: 'read', value: kv.rbytes ?? 0 }, { ...dev, op: 'write', value: kv.wbytes ?? 0 });
    serviced.push({ ...dev, op: 'read', value: kv.rios ?? 0 }, { ...dev, op: 'write', value: kv.wios ?? 0 });
  }
  return { serviceBytes, serviced };
}

const UNLIMITED_V1 = 0x7ffffffffffff000; // memory.limit_in_bytes "-1" reads back as this (page-rounded)

export async function readV1Stats(dirOf: (ctrl: string) => string | undefined): Promise<CgroupStats> {
  const f = (ctrl: string, file: string): Promise<string | undefined> => {
    const d = dirOf(ctrl);
    return d ? read(path.join(d, file)) : Promise.resolve(undefined);
  };
  const [usage, percpu, acct, cpuStat, memUsage, memMax, memFail, memLimit, memStat, pidsCur, pidsMax, bytes, ios, tBytes, tIos] = await Promise.all([
    f('cpuacct', 'cpuacct.usage'), f('cpuacct', 'cpuacct.usage_percpu'), f('cpuacct', 'cpuacct.stat'), f('cpu', 'cpu.stat'),
    f('memory', 'memory.usage_in_bytes'), f('memory', 'memory.max_usage_in_bytes'), f('memory', 'memory.failcnt'),
    f('memory', 'memory.limit_in_bytes'), f('memory', 'memory.stat'), f('pids', 'pids.current'), f('pids', 'pids.max'),
    f('blkio', 'blkio.io_service_bytes_recursive'), f('blkio', 'blkio.io_serviced_recursive'),
    f('blkio', 'blkio.throttle.io_service_bytes_recursive'), f('blkio', 'blkio.throttle.io_serviced_recursive'),
  ]);
  const a = keyValues(acct);
  const c = keyValues(cpuStat);
  const limit = num(memLimit);
  // Docker reads the CFQ files and falls back to the throttle ones when those are empty
  const serviceBytes = parseV1Blkio(bytes);
  const serviced = parseV1Blkio(ios);
  return {
    cpu: {
      total: num(usage) ?? 0,
      percpu: percpu ? percpu.trim().split(/\s+/).filter(Boolean).map(Number) : undefined,
      kernel: (a.system ?? 0) * NS_PER_TICK,
      user: (a.user ?? 0) * NS_PER_TICK,
      throttling: { periods: c.nr_periods ?? 0, throttled_periods: c.nr_throttled ?? 0, throttled_time: c.throttled_time ?? 0 },
    },
    memory: {
      usage: num(memUsage), maxUsage: num(memMax), failcnt: num(memFail),
      limit: limit !== undefined && limit < UNLIMITED_V1 ? limit : undefined,
      stats: keyValues(memStat),
    },
    pids: { current: num(pidsCur), limit: num(pidsMax) },
    blkio: {
      serviceBytes: serviceBytes.length ? serviceBytes : parseV1Blkio(tBytes),
      serviced: serviced.length ? serviced : parseV1Blkio(tIos),
    },
  };
}

export async function readV2Stats(dir: string): Promise<CgroupStats> {
  const f = (file: string): Promise<string | undefined> => read(path.join(dir, file));
  const [cpuStat, memCur, memMax, memStat, memEvents, pidsCur, pidsMax, io] = await Promise.all([
    f('cpu.stat'), f('memory.current'), f('memory.max'), f('memory.stat'), f('memory.events'), f('pids.current'), f('pids.max'), f('io.stat'),
  ]);
  const c = keyValues(cpuStat);
  return {
    cpu: {
      total: (c.usage_usec ?? 0) * 1000,
      kernel: (c.system_usec ?? 0) * 1000,
      user: (c.user_usec ?? 0) * 1000,
      throttling: { periods: c.nr_periods ?? 0, throttled_periods: c.nr_throttled ?? 0, throttled_time: (c.throttled_usec ?? 0) * 1000 },
    },
    memory: { usage: num(memCur), limit: num(memMax), failcnt: keyValues(memEvents).max, stats: keyValues(memStat) },
    pids: { current: num(pidsCur), limit: num(pidsMax) },
    blkio: parseIoStat(io),
  };
}

/** The host's CPU time in ns (the "cpu" line of /proc/stat, as Docker's system_cpu_usage). */
let lastSystem: { at: number; value: { usage: number; online: number } } | undefined;

export async function systemCpuUsage(): Promise<{ usage: number; online: number }> {
  // every stream samples once a second: one read of /proc/stat serves them all for 100 ms
  const now = Date.now();
  if (lastSystem && now - lastSystem.at < 100) return lastSystem.value;
  const text = readNow('/proc/stat') ?? '';
  let usage = 0;
  let online = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu ')) {
      usage = line.trim().split(/\s+/).slice(1, 8).reduce((s, v) => s + Number(v), 0) * NS_PER_TICK;
    } else if (/^cpu\d+ /.test(line)) online++;
  }
  lastSystem = { at: now, value: { usage, online } };
  return { usage, online };
}

/** /proc/PID/net/dev: the interfaces of the process's network namespace, loopback left out. */
export function parseNetDev(text: string): Record<string, NetDev> {
  const out: Record<string, NetDev> = {};
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const v = (m[2] as string).trim().split(/\s+/).map(Number);
    if (v.length < 16 || v.some((x) => !Number.isFinite(x))) continue;
    out[m[1] as string] = {
      rx_bytes: v[0] as number, rx_packets: v[1] as number, rx_errors: v[2] as number, rx_dropped: v[3] as number,
      tx_bytes: v[8] as number, tx_packets: v[9] as number, tx_errors: v[10] as number, tx_dropped: v[11] as number,
    };
  }
  return out;
}

export async function readNetDev(pid: number): Promise<Record<string, NetDev> | undefined> {
  const text = await read(`/proc/${pid}/net/dev`);
  return text === undefined ? undefined : parseNetDev(text);
}
