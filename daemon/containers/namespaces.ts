/**
 * `--ipc` and `--pid` (HostConfig.IpcMode, PidMode): a new namespace (the default, also
 * `private`/`shareable` for IPC: any berth container can be joined), the host's (`host`), or
 * another running container's (`container:NAME`), which is how pods are built. Checked at
 * create (unknown mode 400, unknown container 404) and resolved at each start to what the
 * helper joins: "host" or /proc/<pid>/ns/{ipc,pid} of the other container's init.
 */
import { conflict, invalid, notFound } from '../errors';
import type { ContainerRecord, HostConfig } from './record';

type Find = (ref: string) => ContainerRecord | undefined;

const IPC = new Set(['', 'private', 'shareable', 'host']);
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
    if (!mode.startsWith('container:')) throw invalid(`invalid ${what} mode: ${mode} (use ${what === 'IPC' ? 'private, shareable, ' : ''}host or container:NAME)`);
    const ref = mode.slice('container:'.length);
    if (!ref) throw invalid(`invalid ${what} mode: ${mode}: name the container`);
    if (!find(ref)) throw notFound(`No such container: ${ref}`);
  }
}

/** For the runtime spec: { ipcNs, pidNs } as "" | "host" | a namespace file. */
export function namespacePaths(rec: ContainerRecord, find: Find): { ipcNs: string; pidNs: string } {
  const resolve = (key: 'IpcMode' | 'PidMode', ns: 'ipc' | 'pid', what: string): string => {
    const mode = modeOf(rec.HostConfig, key);
    if (mode === 'host') return 'host';
    if (!mode.startsWith('container:')) return '';
    const ref = mode.slice('container:'.length);
    const other = find(ref);
    if (!other || !other.State.Running || !other.State.Pid) throw conflict(`cannot join ${what} of a non running container: ${ref}`);
    return `/proc/${other.State.Pid}/ns/${ns}`;
  };
  return { ipcNs: resolve('IpcMode', 'ipc', 'IPC'), pidNs: resolve('PidMode', 'pid', 'PID') };
}
