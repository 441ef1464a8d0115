/**
 * /dev/shm by `--ipc` mode, as Docker gives it: a `private` container has a tmpfs of its own
 * (the helper mounts it inside); a `shareable` one gets a tmpfs the daemon mounts on the host
 * at <rundir>/shm and binds into the container, so that a container started with
 * `--ipc container:<it>` binds the very same tmpfs (POSIX shared memory, which lives in files
 * under /dev/shm, is then shared as the IPC namespace is); `host` binds the host's /dev/shm;
 * `none` has no /dev/shm. Joining a container that is not shareable is refused with Docker's
 * sentence. The host tmpfs lives as long as the container runs: removed at cleanup, at a failed
 * start, and by reconcile after a daemon crash (it is under the exec-root's containers dir).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { invalid } from '../errors';
import { MS_NODEV, MS_NOEXEC, MS_NOSUID, type Syscalls } from '../../native/ffi';
import { unmountRootfs } from './rootfs';
import type { BindMount, ContainerSpec } from './types';

/** Docker's default /dev/shm size. */
const DEFAULT_SHM = 64 * 1024 * 1024;

/** Where a container's shareable /dev/shm is mounted on the host. */
export const shmDirOf = (rundir: string): string => path.join(rundir, 'shm');

export interface ShmPlan {
  /** The bind of /dev/shm, ahead of the user's mounts (which may lie below it). */
  bind?: BindMount;
  /** The helper mounts no tmpfs of its own at /dev/shm. */
  noOwnShm: boolean;
}

/**
 * Makes what spec.ipcShm needs on the host before the helper runs. `rundirOf` names another
 * container's run directory; `isMounted` reads the mount table.
 */
export async function prepareShm(sys: Syscalls, spec: ContainerSpec, rundir: string, rundirOf: (id: string) => string, isMounted: (p: string) => Promise<boolean>): Promise<ShmPlan> {
  const mode = spec.ipcShm ?? 'private';
  const bind = (source: string): ShmPlan => ({ bind: { type: 'bind', source, destination: '/dev/shm', readonly: false }, noOwnShm: true });
  if (mode === 'private') return { noOwnShm: false };
  if (mode === 'none') return { noOwnShm: true };
  if (mode === 'host') return bind('/dev/shm');
  if (mode === 'shareable') {
    const dir = shmDirOf(rundir);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const size = spec.shmSize && spec.shmSize > 0 ? spec.shmSize : DEFAULT_SHM;
    sys.mount('shm', dir, 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, `mode=1777,size=${size}`);
    return bind(dir);
  }
  const donor = shmDirOf(rundirOf(mode.container));
  if (!(await isMounted(donor))) throw invalid(`failed to join IPC namespace: container ${mode.container}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
  return bind(donor);
}

/** Unmounts the container's shareable /dev/shm if it has one. Idempotent. */
export async function releaseShm(sys: Syscalls, rundir: string): Promise<void> {
  await unmountRootfs(sys, shmDirOf(rundir));
}
