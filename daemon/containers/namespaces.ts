/**
 * `--ipc` and `--pid` (HostConfig.IpcMode, PidMode): a new namespace (the default; for IPC
 * also `private`, `shareable` and `none`), the host's (`host`), or another running container's
 * (`container:NAME`), which is how pods are built. Checked at create (unknown mode 400, unknown
 * container 404) and resolved at each start to what the helper joins ("host" or
 * /proc/<pid>/ns/{ipc,pid} of the other container's init) and, for IPC, to the container's
 * /dev/shm as Docker gives it (runtime/ipc-shm.ts): joining IPC needs a donor that is
 * `shareable` (or itself joined to one, or on the host's), else Docker's "non-shareable IPC".
 */
import { conflict, invalid, notFound } from '../errors';
import type { ContainerRecord, HostConfig } from './record';

type Find = (ref: string) => ContainerRecord | undefined;

const IPC = new Set(['', 'private', 'shareable', 'none', 'host']);
const PID = new Set(['', 'host']);

function modeOf(hc: HostConfig, key: 'IpcMode' | 'PidMode'): string {
  const v = hc[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw invalid(`invalid HostConfig.${key}: expected a string`);
  return v;
}

export function checkNamespaceModes(hc: HostConfig, find: Find): void {
  for (const [key, allowed, what] of [['IpcMode', IPC, 'IPC'], ['PidMode', PID, 'PID']] as const) {
    const mode = modeOf(hc, key);
    if (allowed.has(mode)) continue;
    if (!mode.startsWith('container:')) throw invalid(`invalid ${what} mode: ${mode} (use ${what === 'IPC' ? 'private, shareable, none, ' : ''}host or container:NAME)`);
    const ref = mode.slice('container:'.length);
    if (!ref) throw invalid(`invalid ${what} mode: ${mode}: name the container`);
    if (!find(ref)) throw notFound(`No such container: ${ref}`);
  }
}

export type IpcShm = 'private' | 'shareable' | 'none' | 'host' | { container: string };

/** For the runtime spec: { ipcNs, pidNs } as "" | "host" | a namespace file, and ipcShm. */
export function namespacePaths(rec: ContainerRecord, find: Find): { ipcNs: string; pidNs: string; ipcShm: IpcShm } {
  const running = (ref: string, what: string): ContainerRecord => {
    const other = find(ref);
    if (!other || !other.State.Running || !other.State.Pid) throw conflict(`cannot join ${what} of a non running container: ${ref}`);
    return other;
  };
  const resolve = (key: 'IpcMode' | 'PidMode', ns: 'ipc' | 'pid', what: string): string => {
    const mode = modeOf(rec.HostConfig, key);
    if (mode === 'host') return 'host';
    if (!mode.startsWith('container:')) return '';
    return `/proc/${running(mode.slice('container:'.length), what).State.Pid}/ns/${ns}`;
  };
  return { ipcNs: resolve('IpcMode', 'ipc', 'IPC'), pidNs: resolve('PidMode', 'pid', 'PID'), ipcShm: ipcShmOf(rec, find, running) };
}

/** The /dev/shm a start gets: its own, none, the host's, or the shareable donor's (followed through joiners). */
function ipcShmOf(rec: ContainerRecord, find: Find, running: (ref: string, what: string) => ContainerRecord): IpcShm {
  let mode = modeOf(rec.HostConfig, 'IpcMode');
  if (!mode.startsWith('container:')) return mode === '' ? 'private' : (mode as IpcShm);
  // A donor that joined another container's IPC shares that one's /dev/shm (as dockerd's ShmPath).
  for (let hops = 0; hops < 8; hops++) {
    const ref = mode.slice('container:'.length);
    const donor = running(ref, 'IPC');
    mode = modeOf(donor.HostConfig, 'IpcMode');
    if (mode === 'shareable') return { container: donor.Id };
    if (mode === 'host') return 'host';
    if (!mode.startsWith('container:')) throw invalid(`failed to join IPC namespace: container ${ref}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
  }
  throw invalid('failed to join IPC namespace: too many containers joined one to another');
}
