/**
 * What the runtime is asked to run for a container record: the ContainerSpec (layers, argv,
 * env with Docker's additions, user, tty, mounts, /etc files, network mode). Pure.
 */
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, systemPaths } from '../runtime/system-paths';
import type { ContainerSpec, ProcessSecurity } from '../runtime/types';
import { resourcesOf } from '../runtime/resources';
import { processEnv } from './create-config';
import { devicePolicyOf } from './devices-config';
import { mountsOf } from './mounts';
import { logSettingsOf, type LogConfig } from '../log-config';
import type { ContainerPaths, ContainerRecord } from './record';
import { checkUlimits, mergeUlimits, type Ulimit } from '../ulimits';
import type { SandboxInfo } from './networking';
import { sysctlList } from '../networks/sysctls';
import { effectiveOomScoreAdj } from '../runtime/oom-score';

/** `defaultUlimits`: the daemon's default-ulimits at this start (its own Ulimits win by name);
 *  `sandbox`: what networking prepared for this start (namespace to join, shared /etc files). */
export function specOf(rec: ContainerRecord, p: ContainerPaths, layerDir: (chainId: ContainerRecord['Image']) => string, defaultUlimits: readonly Ulimit[] = [], sandbox?: SandboxInfo): ContainerSpec {
  const mode = rec.HostConfig.NetworkMode;
  const cs = rec.HostConfig.ConsoleSize;
  // container:NAME shares that container's hostname and /etc files, as Docker does.
  const share = sandbox?.shareFrom;
  const hostname = share?.hostnameValue ?? (rec.Config.Hostname || rec.Id.slice(0, 12));
  return {
    id: rec.Id,
    layers: { lower: rec.LayerChainIds.map(layerDir), upper: p.upper, work: p.work },
    rootfs: p.rootfs,
    args: [rec.Path, ...rec.Args],
    env: processEnv(rec.Config, hostname),
    cwd: rec.Config.WorkingDir || '/',
    user: rec.Config.User ?? '',
    hostname,
    tty: rec.Config.Tty === true,
    openStdin: rec.Config.OpenStdin === true,
    readonlyRootfs: rec.HostConfig.ReadonlyRootfs === true,
    init: rec.HostConfig.Init === true,
    mounts: mountsOf(rec.HostConfig),
    ...logOf(rec, p),
    etcFiles: share ? { hosts: share.hosts, hostname: share.hostname, resolvConf: share.resolvConf } : { hosts: p.hosts, hostname: p.hostname, resolvConf: p.resolvConf },
    consoleSize: cs && cs.length === 2 && (cs[0] ?? 0) > 0 ? [cs[0] as number, cs[1] as number] : undefined,
    network: sandbox?.mode ?? (mode === 'none' ? 'none' : mode === 'host' ? 'host' : 'private'),
    ...(sandbox?.netns ? { netns: sandbox.netns } : {}),
    sysctls: sysctlList(rec.HostConfig.Sysctls),
    devices: devicePolicyOf(rec.HostConfig),
    security: securityOf(rec.HostConfig),
    maskedPaths: systemPaths(rec.HostConfig.MaskedPaths, rec.HostConfig.Privileged === true, DEFAULT_MASKED_PATHS),
    readonlyPaths: systemPaths(rec.HostConfig.ReadonlyPaths, rec.HostConfig.Privileged === true, DEFAULT_READONLY_PATHS),
    resources: resourcesOf(rec.HostConfig as Record<string, unknown>),
    ...(typeof rec.HostConfig.CgroupParent === 'string' && rec.HostConfig.CgroupParent ? { cgroupParent: rec.HostConfig.CgroupParent } : {}),
    ...(typeof rec.HostConfig.ShmSize === 'number' && rec.HostConfig.ShmSize > 0 ? { shmSize: rec.HostConfig.ShmSize } : {}),
    ...(typeof rec.HostConfig.OomScoreAdj === 'number' && rec.HostConfig.OomScoreAdj !== 0 ? { oomScoreAdj: effectiveOomScoreAdj(rec.HostConfig.OomScoreAdj).value } : {}),
    rlimits: mergeUlimits(checkUlimits(rec.HostConfig.Ulimits), defaultUlimits).map((u) => ({ name: u.Name, soft: u.Soft, hard: u.Hard })),
  };
}

/** The json-file log and its rotation; no path at all for --log-driver none. */
function logOf(rec: ContainerRecord, p: ContainerPaths): Pick<ContainerSpec, 'logPath' | 'logRotate'> {
  const s = logSettingsOf(rec.HostConfig.LogConfig as Partial<LogConfig> | undefined);
  if (s.driver === 'none') return { logPath: '' };
  return { logPath: p.log, ...(s.maxSize > 0 ? { logRotate: { maxSize: s.maxSize, maxFiles: s.maxFiles } } : {}) };
}

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The record's capability and seccomp settings (checked at create) for the runtime. */
export function securityOf(hc: ContainerRecord['HostConfig']): ProcessSecurity {
  return { capAdd: strs(hc.CapAdd), capDrop: strs(hc.CapDrop), privileged: hc.Privileged === true, securityOpt: strs(hc.SecurityOpt) };
}
