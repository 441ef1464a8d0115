/**
 * Warnings returned by create for HostConfig settings berth accepts (so scripts written for
 * Docker still run) but does not apply. Docker's CLI and berth's print them as "WARNING: ...";
 * a user is told rather than silently given a container without the limit or privilege asked for.
 */
import type { HostConfig } from './record';
import { HOST_GATEWAY } from './etc-files';

const LIMITS = ['Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuShares', 'CpuQuota', 'CpuPeriod', 'PidsLimit', 'BlkioWeight'] as const;
const LIMIT_FLAGS: Record<(typeof LIMITS)[number], string> = {
  Memory: '--memory', MemorySwap: '--memory-swap', MemoryReservation: '--memory-reservation', NanoCpus: '--cpus',
  CpuShares: '--cpu-shares', CpuQuota: '--cpu-quota', CpuPeriod: '--cpu-period', PidsLimit: '--pids-limit', BlkioWeight: '--blkio-weight',
};

const nonEmpty = (v: unknown): boolean => (Array.isArray(v) ? v.length > 0 : !!v && typeof v === 'object' && Object.keys(v).length > 0);

export function createWarnings(hc: HostConfig): string[] {
  const out: string[] = [];
  const limits = LIMITS.filter((k) => typeof hc[k] === 'number' && (hc[k] as number) > 0).map((k) => LIMIT_FLAGS[k]);
  if (limits.length) out.push(`berth does not set resource limits: ${limits.join(', ')} ${limits.length === 1 ? 'is' : 'are'} ignored`);
  const gateway = (hc.ExtraHosts ?? []).filter((h) => h.endsWith(`:${HOST_GATEWAY}`)).map((h) => h.slice(0, h.indexOf(':')));
  if (gateway.length && hc.NetworkMode === 'none') {
    out.push(`a container with --network none has no route to the host, so --add-host ${gateway.join(', ')}:host-gateway is left out of /etc/hosts`);
  }
  return out;
}
