/**
 * Warnings returned by create for HostConfig settings berth accepts (so scripts written for
 * Docker still run) but does not apply, and Docker's own warnings about limits (resources.ts).
 * Docker's CLI and berth's print them as "WARNING: ..."; a user is told rather than silently given a container without the limit or privilege asked for.
 */
import type { HostConfig } from './record';
import { HOST_GATEWAY } from './etc-files';
import { existsSync } from 'node:fs';
import { resourcesOf, validateResources } from '../runtime/resources';
import { hostLimits } from '../runtime/resources-host';
import { effectiveOomScoreAdj } from '../runtime/oom-score';

const nonEmpty = (v: unknown): boolean => (Array.isArray(v) ? v.length > 0 : !!v && typeof v === 'object' && Object.keys(v).length > 0);

export function createWarnings(hc: HostConfig): string[] {
  const out: string[] = [];
  const host = hostLimits();
  out.push(...validateResources(resourcesOf(hc as Record<string, unknown>), host, host.cgroupVersion));
  if (typeof hc.BlkioWeight === 'number' && hc.BlkioWeight > 0 && host.cgroupVersion === 1 && !existsSync('/sys/fs/cgroup/blkio/blkio.weight')) {
    out.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
  }
  const gateway = (hc.ExtraHosts ?? []).filter((h) => h.endsWith(`:${HOST_GATEWAY}`)).map((h) => h.slice(0, h.indexOf(':')));
  if (gateway.length && hc.NetworkMode === 'none') {
    out.push(`a container with --network none has no route to the host, so --add-host ${gateway.join(', ')}:host-gateway is left out of /etc/hosts`);
  }
  if (typeof hc.OomScoreAdj === 'number' && hc.OomScoreAdj !== 0) {
    const oom = effectiveOomScoreAdj(hc.OomScoreAdj);
    if (oom.raised) out.push(`berthd lacks CAP_SYS_RESOURCE, so OomScoreAdj ${hc.OomScoreAdj} is raised to berthd's own ${oom.value}`);
  }
  const published = Object.values(hc.PortBindings ?? {}).some((b) => Array.isArray(b) && b.length > 0) || hc.PublishAllPorts === true;
  if (published && hc.NetworkMode === 'none') out.push('Published ports are discarded when using --network none: the container has no network of berth\'s to publish them on');
  return out;
}
