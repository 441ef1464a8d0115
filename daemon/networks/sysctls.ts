/**
 * `--sysctl`: which keys a container may set, as Docker allows them (moby's
 * ValidateSysctl): net.* in the container's own network namespace (not with --network host,
 * where they would change the host), and the IPC namespace's kernel.msg*, kernel.sem,
 * kernel.shm*, fs.mqueue.*. Anything else is refused at create, never accepted and ignored.
 */
import { invalid } from '../errors';

const IPC = /^(kernel\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)|fs\.mqueue\..+)$/;

export function checkSysctls(v: unknown, networkMode: string): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid('invalid HostConfig.Sysctls: expected an object');
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (typeof val !== 'string') throw invalid(`invalid sysctl ${k}: the value must be a string`);
    if (!/^[a-z0-9_.-]+$/i.test(k) || k.includes('..')) throw invalid(`invalid sysctl name "${k}"`);
    if (k.startsWith('net.')) {
      if (networkMode === 'host') throw invalid(`sysctl "${k}" is not allowed in host network namespace`);
      if (networkMode.startsWith('container:')) throw invalid(`sysctl "${k}" is not allowed: the container shares the network namespace of another container`);
      continue;
    }
    if (IPC.test(k)) continue;
    throw invalid(`sysctl "${k}" is not whitelisted: berth sets only net.* and the IPC namespace's kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* keys`);
  }
}

/** As the helper's spec wants them: "key=value". */
export function sysctlList(v: unknown): string[] {
  if (!v || typeof v !== 'object') return [];
  return Object.entries(v as Record<string, string>).map(([k, val]) => `${k}=${val}`);
}
