/**
 * `stats`: Docker's stats JSON (moby api/types/container StatsResponse) from one sample of the
 * container's cgroup, the host's CPU time and the container's network namespace. Streams
 * one object a second, each carrying the previous sample as precpu_stats (the docker CLI's
 * CPU % is the difference); stream=false primes a first sample and answers with the second, as
 * dockerd does, one-shot answers at once. A container that is not running gives Docker's
 * zeroed object, and a stream goes on through stops and starts until the client leaves or
 * the container is removed (moby daemon/stats.go + daemon/stats/collector.go).
 */
import * as os from 'node:os';
import { readNetDev, systemCpuUsage, type CgroupStats, type NetDev } from '../runtime/cgroup-stats';
import type { ContainerRecord } from './record';

/** dockerd's collector interval. */
export const STATS_INTERVAL_MS = 1000;
const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface StatsSample {
  read: string;
  cg: CgroupStats;
  system: number;
  online: number;
  networks?: Record<string, NetDev>;
}

export interface StatsRuntime {
  stats?(id: string): Promise<CgroupStats>;
}

export async function takeSample(rt: StatsRuntime, rec: ContainerRecord): Promise<StatsSample | undefined> {
  if (!rec.State.Running || !rt.stats) return undefined;
  const [cg, sys] = await Promise.all([rt.stats(rec.Id), systemCpuUsage()]);
  const mode = rec.HostConfig.NetworkMode;
  // host and none have no interfaces of their own to count, as with dockerd
  const networks = mode === 'host' || mode === 'none' || !rec.State.Pid ? undefined : await readNetDev(rec.State.Pid);
  return { read: new Date().toISOString(), cg, system: sys.usage, online: sys.online, networks };
}

const blkioList = (l: { major: number; minor: number; op: string; value: number }[]) => (l.length ? l : null);

function cpuStats(s: StatsSample | undefined): Record<string, unknown> {
  if (!s) return { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
  const c = s.cg.cpu;
  const usage: Record<string, unknown> = { total_usage: c.total };
  if (c.percpu) usage.percpu_usage = c.percpu;
  usage.usage_in_kernelmode = c.kernel;
  usage.usage_in_usermode = c.user;
  return { cpu_usage: usage, system_cpu_usage: s.system, online_cpus: s.online, throttling_data: c.throttling };
}

function memoryStats(s: StatsSample): Record<string, unknown> {
  const m = s.cg.memory;
  const out: Record<string, unknown> = {};
  if (m.usage !== undefined) out.usage = m.usage;
  if (m.maxUsage !== undefined) out.max_usage = m.maxUsage;
  out.stats = m.stats;
  if (m.failcnt !== undefined && m.maxUsage !== undefined) out.failcnt = m.failcnt; // v1 only, as dockerd
  // no limit of its own: the host's memory, as dockerd reports
  out.limit = m.limit ?? os.totalmem();
  return out;
}

/**
 * Docker's JSON for one sample. `cur` undefined: the container is not running, Docker's
 * zeroed object, whose precpu_stats/preread still carry the stream's last sample, as dockerd's
 * stream does (its collector publishes an empty StatsJSON, the stream fills in the previous).
 */
export function statsJson(rec: ContainerRecord, cur: StatsSample | undefined, prev: StatsSample | undefined): Record<string, unknown> {
  const base = { name: rec.Name, id: rec.Id };
  if (!cur) {
    return {
      read: ZERO_TIME, preread: prev?.read ?? ZERO_TIME, pids_stats: {}, blkio_stats: emptyBlkio(), num_procs: 0, storage_stats: {},
      cpu_stats: cpuStats(undefined), precpu_stats: cpuStats(prev), memory_stats: {}, ...base,
    };
  }
  const pids: Record<string, number> = {};
  if (cur.cg.pids.current !== undefined) pids.current = cur.cg.pids.current;
  if (cur.cg.pids.limit !== undefined) pids.limit = cur.cg.pids.limit;
  const out: Record<string, unknown> = {
    read: cur.read,
    preread: prev?.read ?? ZERO_TIME,
    pids_stats: pids,
    blkio_stats: { ...emptyBlkio(), io_service_bytes_recursive: blkioList(cur.cg.blkio.serviceBytes), io_serviced_recursive: blkioList(cur.cg.blkio.serviced) },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(cur),
    precpu_stats: cpuStats(prev),
    memory_stats: memoryStats(cur),
    ...base,
  };
  if (cur.networks) out.networks = cur.networks;
  return out;
}

function emptyBlkio(): Record<string, null> {
  return {
    io_service_bytes_recursive: null, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null,
    io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null,
  };
}

export interface StatsOptions {
  stream: boolean;
  oneShot: boolean;
}

export interface StatsSource {
  /** The current record (it changes as the container starts and stops). */
  record(): ContainerRecord | undefined;
  runtime: StatsRuntime;
  /** Calls fn when the container is removed; returns the unsubscribe. */
  onRemoved(fn: () => void): () => void;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

/**
 * Writes stats objects to sink until the client leaves (signal) or the container is removed
 * (streaming), or after one object (stream=false, one-shot). As dockerd's stream, a container
 * that is not running (stopped, restarting, never started) gets Docker's zeroed object every
 * interval, and real samples again once it runs again. Sampling happens only while someone
 * listens.
 */
export async function pumpStats(
  src: StatsSource, o: StatsOptions, sink: (obj: Record<string, unknown>) => Promise<void> | void, signal: AbortSignal, intervalMs = STATS_INTERVAL_MS,
): Promise<void> {
  const first = src.record();
  if (!first) return;
  const stop = new AbortController();
  const abort = () => stop.abort();
  signal.addEventListener('abort', abort, { once: true });
  const off = src.onRemoved(abort);
  const sample = async () => {
    const rec = src.record();
    return rec ? takeSample(src.runtime, rec).catch(() => undefined) : undefined;
  };
  try {
    let prev = await sample();
    if (!o.stream && !o.oneShot && prev) {
      // dockerd primes the CPU counters with a first sample and answers with the next one
      await sleep(intervalMs, stop.signal);
      if (signal.aborted) return;
      await sink(statsJson(src.record() ?? first, await sample(), prev));
      return;
    }
    await sink(statsJson(src.record() ?? first, prev, undefined));
    if (!o.stream) return;
    for (;;) {
      await sleep(intervalMs, stop.signal);
      const rec = src.record();
      if (stop.signal.aborted || !rec) return;
      const cur = await sample();
      await sink(statsJson(rec, cur, prev));
      prev = cur;
    }
  } finally {
    off();
    signal.removeEventListener('abort', abort);
  }
}
