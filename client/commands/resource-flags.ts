/**
 * The resource-limit flags `create`/`run` and `update` share (-m, --memory-swap, --cpus, ...)
 * and their translation into HostConfig's Resources fields, with the docker CLI's units:
 * sizes in binary units ("64m" = 64 MiB, -1 for unlimited swap), --cpus as a decimal.
 */
import { CliError } from '../http';
import type { FlagSpec, Parsed } from '../flags';

export const RESOURCE_FLAGS: FlagSpec = {
  memory: { type: 'string', short: 'm' },
  'memory-swap': { type: 'string' },
  'memory-reservation': { type: 'string' },
  cpus: { type: 'string' },
  'cpu-shares': { type: 'int', short: 'c' },
  'cpu-quota': { type: 'int' },
  'cpu-period': { type: 'int' },
  'cpuset-cpus': { type: 'string' },
  'cpuset-mems': { type: 'string' },
  'pids-limit': { type: 'int' },
  'blkio-weight': { type: 'int' },
};

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** The docker CLI's RAMInBytes: "512", "64m", "1.5g", "64MiB"; -1 where allowed. */
export function parseRamSize(flag: string, v: string, allowUnlimited = false): number {
  if (allowUnlimited && v.trim() === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtpb]?)(?:i?b)?$/i.exec(v.trim());
  if (!m) throw new CliError(`invalid argument "${v}" for "--${flag}" flag: invalid size: '${v}'`);
  return Math.floor(Number(m[1]) * (UNITS[(m[2] as string).toLowerCase()] as number));
}

export function parseCpus(v: string): number {
  const n = Number(v);
  if (!/^\d*\.?\d+$/.test(v.trim()) || !Number.isFinite(n)) throw new CliError(`invalid argument "${v}" for "--cpus" flag: failed to parse ${v} as a rational number`);
  return Math.round(n * 1e9);
}

/** Only the flags given: update sends nothing for the others (they keep their values). */
export function resourcesFromFlags(p: Parsed): Record<string, number | string> {
  const r: Record<string, number | string> = {};
  const s = p.strings;
  const i = p.ints;
  if (s.memory !== undefined) r.Memory = parseRamSize('memory', s.memory);
  if (s['memory-swap'] !== undefined) r.MemorySwap = parseRamSize('memory-swap', s['memory-swap'], true);
  if (s['memory-reservation'] !== undefined) r.MemoryReservation = parseRamSize('memory-reservation', s['memory-reservation']);
  if (s.cpus !== undefined) r.NanoCpus = parseCpus(s.cpus);
  if (i['cpu-shares'] !== undefined) r.CpuShares = i['cpu-shares'];
  if (i['cpu-quota'] !== undefined) r.CpuQuota = i['cpu-quota'];
  if (i['cpu-period'] !== undefined) r.CpuPeriod = i['cpu-period'];
  if (s['cpuset-cpus'] !== undefined) r.CpusetCpus = s['cpuset-cpus'];
  if (s['cpuset-mems'] !== undefined) r.CpusetMems = s['cpuset-mems'];
  if (i['pids-limit'] !== undefined) r.PidsLimit = i['pids-limit'];
  if (i['blkio-weight'] !== undefined) r.BlkioWeight = i['blkio-weight'];
  return r;
}

export const RESOURCE_HELP = `      --blkio-weight uint16     Block IO (relative weight), between 10 and 1000
  -c, --cpu-shares int          CPU shares (relative weight)
      --cpu-period int          Limit CPU CFS (Completely Fair Scheduler) period
      --cpu-quota int           Limit CPU CFS (Completely Fair Scheduler) quota
      --cpus decimal            Number of CPUs
      --cpuset-cpus string      CPUs in which to allow execution (0-3, 0,1)
      --cpuset-mems string      MEMs in which to allow execution (0-3, 0,1)
  -m, --memory bytes            Memory limit
      --memory-reservation bytes  Memory soft limit
      --memory-swap bytes       Swap limit equal to memory plus swap: '-1' to enable unlimited swap
      --pids-limit int          Tune container pids limit (set -1 for unlimited)
`;
