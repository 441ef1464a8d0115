/**
 * `update` (POST /containers/{id}/update, Docker's UpdateConfig): a container's limits and its
 * restart policy, while it runs or not. As dockerd: a zero or absent field keeps the current
 * value, the merged limits pass the create checks, a running container's cgroup is written
 * before the record is saved (a limit the kernel refuses leaves both as they were).
 */
import { invalid } from '../errors';
import { RESOURCE_KEYS, resourcesOf, validateResources, type Resources } from '../runtime/resources';
import { hostLimits } from '../runtime/resources-host';
import type { ContainerRecord } from './record';

export interface UpdateTarget {
  get(ref: string): ContainerRecord;
  updateRecord(id: string, fn: (rec: ContainerRecord) => Promise<void>): Promise<void>;
  runtime: { setResources?(id: string, r: Resources): Promise<void> };
}

const TYPES: Record<(typeof RESOURCE_KEYS)[number], 'number' | 'string' | 'boolean'> = {
  Memory: 'number', MemorySwap: 'number', MemoryReservation: 'number', MemorySwappiness: 'number', NanoCpus: 'number',
  CpuShares: 'number', CpuQuota: 'number', CpuPeriod: 'number', CpusetCpus: 'string', CpusetMems: 'string',
  PidsLimit: 'number', BlkioWeight: 'number', OomKillDisable: 'boolean',
};

const POLICIES = ['', 'no', 'always', 'unless-stopped', 'on-failure'];

/** The body's limits, type-checked (null counts as absent, Go's zero value). */
function bodyResources(body: Record<string, unknown>): Partial<Resources> {
  const out: Record<string, unknown> = {};
  for (const k of RESOURCE_KEYS) {
    const v = body[k];
    if (v === undefined || v === null) continue;
    const t = TYPES[k];
    if (typeof v !== t || (t === 'number' && !Number.isInteger(v))) throw invalid(`invalid ${k}: expected ${t === 'number' ? 'an integer' : `a ${t}`}`);
    out[k] = v;
  }
  return out as Partial<Resources>;
}

/** Docker's merge: only fields given as non-zero change (PidsLimit: any value given). */
export function mergeResources(cur: Resources, upd: Partial<Resources>): Resources {
  const out: Record<string, unknown> = { ...cur };
  for (const [k, v] of Object.entries(upd)) {
    if (k === 'PidsLimit' || k === 'OomKillDisable' || (typeof v === 'number' ? v !== 0 : v !== '')) out[k] = v;
  }
  if (upd.PidsLimit !== undefined && (upd.PidsLimit as number) <= 0) out.PidsLimit = 0;
  // -m alone above the swap limit set before: dockerd's refusal
  if ((upd.Memory ?? 0) > 0 && !upd.MemorySwap && (cur.MemorySwap ?? 0) > 0 && (upd.Memory as number) > (cur.MemorySwap as number)) {
    throw invalid('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
  }
  return out as Resources;
}

export async function updateContainer(t: UpdateTarget, ref: string, body: unknown): Promise<{ Warnings: string[] }> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('invalid update request: expected a JSON object');
  const b = body as Record<string, unknown>;
  const upd = bodyResources(b);
  const rp = b.RestartPolicy as { Name?: unknown; MaximumRetryCount?: unknown } | undefined | null;
  if (rp !== undefined && rp !== null) {
    if (typeof rp !== 'object' || (rp.Name !== undefined && typeof rp.Name !== 'string')) throw invalid('invalid RestartPolicy: expected an object with a Name');
    if (!POLICIES.includes((rp.Name as string | undefined) ?? '')) throw invalid(`invalid restart policy '${String(rp.Name)}'`);
    const max = rp.MaximumRetryCount ?? 0;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 0) throw invalid('invalid restart policy: maximum retry count cannot be negative');
    if (max > 0 && rp.Name !== 'on-failure') throw invalid(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  }
  const rec = t.get(ref);
  const warnings: string[] = [];
  await t.updateRecord(rec.Id, async (r) => {
    const merged = mergeResources(resourcesOf(r.HostConfig as Record<string, unknown>), upd);
    const host = hostLimits();
    warnings.push(...validateResources(merged, host, host.cgroupVersion));
    if (rp && rp.Name !== undefined && rp.Name !== '' && rp.Name !== 'no' && r.HostConfig.AutoRemove) {
      throw invalid('Restart policy cannot be updated because AutoRemove is enabled for the container');
    }
    if (r.State.Running && Object.keys(upd).length > 0) {
      if (!t.runtime.setResources) throw invalid('this runtime cannot change the limits of a running container');
      await t.runtime.setResources(r.Id, merged);
    }
    Object.assign(r.HostConfig, merged);
    // An empty Name keeps the policy (moby container.UpdateContainer): Go clients always send
    // the RestartPolicy struct, zero-valued when only limits change (cri-dockerd's resize).
    if (rp && rp.Name) r.HostConfig.RestartPolicy = { Name: rp.Name as string, MaximumRetryCount: (rp.MaximumRetryCount as number | undefined) ?? 0 };
  });
  return { Warnings: warnings };
}
