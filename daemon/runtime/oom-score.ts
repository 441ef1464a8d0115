/**
 * Docker's OomScoreAdj against what the daemon may do. Lowering a process's oom_score_adj
 * below its parent's takes CAP_SYS_RESOURCE; a daemon without it (some VMs, user namespaces)
 * cannot give a container -998 (cri-dockerd's sandbox) and its start would fail. As
 * containerd's restrict_oom_score_adj does, the value is then raised to the daemon's own,
 * and create says so in its Warnings (containers/warnings.ts): never silently.
 */
import { readFileSync } from 'node:fs';
import { daemonCapabilities } from './capabilities';

function ownScore(): number {
  try {
    return Number(readFileSync('/proc/self/oom_score_adj', 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** The value the container gets for `requested`, and whether it had to be raised. */
export function effectiveOomScoreAdj(requested: number): { value: number; raised: boolean } {
  if (daemonCapabilities().has('CAP_SYS_RESOURCE')) return { value: requested, raised: false };
  const own = ownScore();
  return requested < own ? { value: own, raised: true } : { value: requested, raised: false };
}
