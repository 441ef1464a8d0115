/**
 * Encodes what the helper reads (native/helper/spec.h, README.md): NUL-terminated
 * `key=value` records, repeated keys for lists, `mount=<type>` opening a mount whose fields
 * follow. Keys never contain '='; a value containing NUL cannot be passed to exec anyway and
 * is rejected here with a clear error.
 */
import { invalid } from '../errors';
import { deviceRecord, type DeviceNode } from './devices';
import type { ResolvedSecurity } from './security';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from './system-paths';
import type { ContainerSpec, ExecSpec } from './types';

type Record_ = [string, string | number | boolean];

function encode(records: Record_[]): Buffer {
  const parts: string[] = [];
  for (const [key, value] of records) {
    const v = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
    if (v.includes('\0')) throw invalid(`${key} must not contain a NUL byte`);
    parts.push(`${key}=${v}\0`);
  }
  return Buffer.from(parts.join(''), 'utf8');
}

export interface StartExtras {
  rundir: string;
  cgroups: string[];
  /** Nodes the helper makes in the rootfs (devices.ts). */
  devices?: DeviceNode[];
  security: ResolvedSecurity;
  /** The container's cgroup directories to show at /sys/fs/cgroup ([name, dir]; '' = the whole view). */
  cgroupViews?: [string, string][];
  /** /dev/shm is bound from elsewhere or absent (--ipc, ipc-shm.ts): the helper mounts none. */
  noOwnShm?: boolean;
}

/** Repeated `key=PATH`; an empty list is one empty record (absent keys mean the helper's defaults). */
function pathRecords(key: string, paths: readonly string[]): Record_[] {
  return paths.length ? paths.map((p): Record_ => [key, p]) : [[key, '']];
}

function securityRecords(sec: ResolvedSecurity): Record_[] {
  const r: Record_[] = [['caps', sec.caps], ['nnp', sec.nnp]];
  if (sec.seccomp) r.push(['seccomp', sec.seccomp]);
  return r;
}

export function encodeStartSpec(spec: ContainerSpec, extra: StartExtras): Buffer {
  const r: Record_[] = [
    ['id', spec.id],
    ['rootfs', spec.rootfs],
    ['rundir', extra.rundir],
    ['hostname', spec.hostname],
    ['log', spec.logPath],
    ['hosts', spec.etcFiles.hosts],
    ['hostnamefile', spec.etcFiles.hostname],
    ['resolv', spec.etcFiles.resolvConf],
    ['network', spec.network],
    ['netns', spec.netns ?? ''],
    ['ipcns', spec.ipcNs ?? ''],
    ['pidns', spec.pidNs ?? ''],
    ['cwd', spec.cwd || '/'],
    ['user', spec.user],
    ['tty', spec.tty],
    ['stdin', spec.openStdin],
    ['readonly', spec.readonlyRootfs],
    ['init', spec.init],
    ['await_attach', spec.awaitAttach === true],
    ['netwait', spec.netPending !== undefined],
    ...securityRecords(extra.security),
    ['privileged', spec.security?.privileged === true],
    ...pathRecords('masked', spec.maskedPaths ?? DEFAULT_MASKED_PATHS),
    ...pathRecords('ropath', spec.readonlyPaths ?? DEFAULT_READONLY_PATHS),
  ];
  if (spec.consoleSize) r.push(['rows', spec.consoleSize[0]], ['cols', spec.consoleSize[1]]);
  if (spec.logRotate && spec.logRotate.maxSize > 0) r.push(['log_max_size', spec.logRotate.maxSize], ['log_max_files', spec.logRotate.maxFiles]);
  for (const a of spec.args) r.push(['arg', a]);
  for (const e of spec.env) r.push(['env', e]);
  for (const c of extra.cgroups) r.push(['cgroup', c]);
  for (const [name, dir] of extra.cgroupViews ?? []) r.push(['cgview', `${name}:${dir}`]);
  if (extra.noOwnShm) r.push(['shm', 'none']);
  else if (spec.shmSize && spec.shmSize > 0) r.push(['shm', `size=${spec.shmSize}`]);
  if (spec.oomScoreAdj !== undefined) r.push(['oom_score_adj', spec.oomScoreAdj]);
  for (const d of extra.devices ?? []) r.push(['device', deviceRecord(d)]);
  for (const l of spec.rlimits ?? []) r.push(['rlimit', `${l.name}:${l.soft}:${l.hard}`]);
  for (const s of spec.sysctls ?? []) r.push(['sysctl', s]);
  for (const m of spec.mounts) {
    r.push(['mount', m.type], ['mount.dst', m.destination]);
    if (m.type === 'bind') r.push(['mount.src', m.source], ['mount.ro', m.readonly]);
    else r.push(['mount.opt', m.options]);
  }
  return encode(r);
}

export function encodeExecSpec(pid: number, spec: ExecSpec, cgroups: string[], security: ResolvedSecurity): Buffer {
  const r: Record_[] = [
    ['pid', pid],
    ...securityRecords(security),
    ['cwd', spec.cwd || '/'],
    ['user', spec.user],
    ['tty', spec.tty],
    ['stdin', spec.stdin],
  ];
  if (spec.consoleSize) r.push(['rows', spec.consoleSize[0]], ['cols', spec.consoleSize[1]]);
  for (const a of spec.args) r.push(['arg', a]);
  for (const e of spec.env) r.push(['env', e]);
  for (const c of cgroups) r.push(['cgroup', c]);
  return encode(r);
}
