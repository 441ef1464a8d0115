/**
 * The create request (POST /containers/create body) and how it merges with the image's config,
 * as Docker's daemon does (moby daemon/commit.go `merge` and container `getEntrypointAndArgs`):
 * user values win; an empty Env takes the image's, otherwise image variables the user did not
 * set are appended; Cmd and Entrypoint come from the image only when the user gave neither
 * Entrypoint nor Cmd (an explicit `--entrypoint ""` resets the image's entrypoint); WorkingDir,
 * User, StopSignal, labels, exposed ports and volumes fall back to the image's.
 * Pure but for the host's limits (CPU count, cpuset; read once). The body crosses a trust boundary, so every field is type-checked here.
 */
import { checkUlimits } from '../ulimits';
import { BERTH_RUNTIME } from '../version-info';
import { invalid, notImplemented } from '../errors';
import { resourcesOf, validateResources } from '../runtime/resources';
import { hostLimits } from '../runtime/resources-host';
import { checkCgroupParent } from '../runtime/cgroup-place';
import type { ContainerConfig } from '../oci/types';
import { checkDeviceConfig } from './devices-config';
import type { HostConfig } from './record';
import { parseCapabilityList } from '../runtime/capabilities';
import { parseSecurityOpt } from '../runtime/security-opt';
import { checkCreateTypes } from './create-schema';
import { validateRestartPolicy } from './restart-policy';
import { mergeHealthcheck, validateHealthcheck } from './health';
import type { ContainerNetworkState } from '../networks/record';

export interface CreateRequest {
  config: ContainerConfig & { Image: string };
  hostConfig: HostConfig;
  networkingConfig?: unknown;
  /** Set by the service from networking's checks before the container is built. */
  networkState?: ContainerNetworkState;
}

const STRING_FIELDS = ['Hostname', 'Domainname', 'User', 'WorkingDir', 'StopSignal', 'Image'] as const;
const BOOL_FIELDS = ['AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce', 'ArgsEscaped'] as const;
const LIST_FIELDS = ['Env', 'Cmd', 'Entrypoint', 'OnBuild', 'Shell'] as const;

function stringList(v: unknown, field: string): string[] | null | undefined {
  if (v === undefined || v === null) return v;
  if (typeof v === 'string') return [v]; // old clients send Cmd/Entrypoint as one string
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalid(`invalid ${field}: expected a list of strings`);
  return v as string[];
}

function stringMap(v: unknown, field: string): Record<string, string> | null | undefined {
  if (v === undefined || v === null) return v;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`invalid ${field}: expected an object`);
  for (const x of Object.values(v)) if (typeof x !== 'string') throw invalid(`invalid ${field}: values must be strings`);
  return v as Record<string, string>;
}

/** Parses the JSON body of POST /containers/create. */
export function parseCreateRequest(body: unknown): CreateRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('invalid container config: expected a JSON object');
  const b = body as Record<string, unknown>;
  checkCreateTypes(b);
  const config: Record<string, unknown> = {};
  for (const f of STRING_FIELDS) {
    if (b[f] === undefined || b[f] === null) continue;
    if (typeof b[f] !== 'string') throw invalid(`invalid ${f}: expected a string`);
    config[f] = b[f];
  }
  for (const f of BOOL_FIELDS) if (b[f] !== undefined) config[f] = b[f] === true;
  for (const f of LIST_FIELDS) {
    const v = stringList(b[f], f);
    if (v !== undefined) config[f] = v;
  }
  if (b.StopTimeout !== undefined && b.StopTimeout !== null) {
    if (!Number.isInteger(b.StopTimeout)) throw invalid('invalid StopTimeout: expected an integer number of seconds');
    config.StopTimeout = b.StopTimeout;
  }
  const labels = stringMap(b.Labels, 'Labels');
  if (labels !== undefined) config.Labels = labels;
  for (const f of ['ExposedPorts', 'Volumes', 'Healthcheck'] as const) {
    if (b[f] && typeof b[f] === 'object') config[f] = b[f];
  }
  if (typeof config.Image !== 'string' || config.Image === '') throw invalid('Config.Image must be set: which image should the container run?');
  // Docker checks the user's WorkingDir before merging with the image (verifyContainerSettings).
  if (typeof config.WorkingDir === 'string' && config.WorkingDir !== '' && !config.WorkingDir.startsWith('/')) {
    throw invalid(`the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`);
  }
  const hc = b.HostConfig ?? {};
  if (typeof hc !== 'object' || hc === null || Array.isArray(hc)) throw invalid('invalid HostConfig: expected an object');
  const hostConfig = { ...(hc as Record<string, unknown>) } as HostConfig;
  const binds = stringList(hostConfig.Binds, 'HostConfig.Binds');
  hostConfig.Binds = binds ?? null;
  hostConfig.Tmpfs = stringMap(hostConfig.Tmpfs, 'HostConfig.Tmpfs') ?? undefined;
  for (const f of ['Dns', 'DnsSearch', 'DnsOptions', 'ExtraHosts'] as const) hostConfig[f] = stringList(hostConfig[f], `HostConfig.${f}`) ?? [];
  hostConfig.AutoRemove = hostConfig.AutoRemove === true;
  hostConfig.ReadonlyRootfs = hostConfig.ReadonlyRootfs === true;
  if (hostConfig.Init !== undefined && hostConfig.Init !== null && typeof hostConfig.Init !== 'boolean') throw invalid('invalid HostConfig.Init: expected a boolean');
  if (hostConfig.NetworkMode !== undefined && typeof hostConfig.NetworkMode !== 'string') throw invalid('invalid HostConfig.NetworkMode');
  checkDeviceConfig(hostConfig);
  checkSecurity(hostConfig);
  validateRestartPolicy(hostConfig);
  validateHealthcheck((config as ContainerConfig).Healthcheck);
  checkResources(hostConfig);
  hostConfig.Runtime = BERTH_RUNTIME; // inspect names the runtime that runs it, also when the client sent none
  hostConfig.Ulimits = checkUlimits(hostConfig.Ulimits);
  const cs = hostConfig.ConsoleSize;
  if (cs !== undefined && cs !== null && (!Array.isArray(cs) || cs.length !== 2 || !cs.every((n) => Number.isInteger(n) && n >= 0))) {
    throw invalid('invalid HostConfig.ConsoleSize: expected [height, width]');
  }
  return { config: config as unknown as CreateRequest['config'], hostConfig, networkingConfig: b.NetworkingConfig };
}

/** CapAdd, CapDrop, Privileged, SecurityOpt: Docker's 400s at create, not a failed start later. */
/** Docker's limit checks (400 with its message) before anything is made. */
function checkResources(hc: HostConfig): void {
  const host = hostLimits();
  validateResources(resourcesOf(hc as Record<string, unknown>), host, host.cgroupVersion);
  if (typeof hc.ShmSize === 'number' && hc.ShmSize < 0) throw invalid('SHM size can not be less than 0');
  checkCgroupParent(hc.CgroupParent);
  if (hc.CgroupParent && host.cgroupVersion === 0) throw notImplemented('--cgroup-parent needs cgroups, which are not available on this host');
  // moby daemon/runtime_unix.go getRuntime, same words: only the runtime /info lists
  if (typeof hc.Runtime === 'string' && hc.Runtime !== '' && hc.Runtime !== BERTH_RUNTIME) throw invalid(`unknown or invalid runtime name: ${hc.Runtime}`);
  // moby daemon/daemon_unix.go verifyPlatformContainerSettings, same words
  if (typeof hc.OomScoreAdj === 'number' && (hc.OomScoreAdj < -1000 || hc.OomScoreAdj > 1000)) throw invalid(`Invalid value ${hc.OomScoreAdj}, range for oom score adj is [-1000, 1000]`);
  // limits berth does not apply are refused, never accepted and ignored
  for (const [k, flag] of [['BlkioWeightDevice', '--blkio-weight-device'], ['BlkioDeviceReadBps', '--device-read-bps'], ['BlkioDeviceWriteBps', '--device-write-bps'],
    ['BlkioDeviceReadIOps', '--device-read-iops'], ['BlkioDeviceWriteIOps', '--device-write-iops']] as const) {
    if (Array.isArray(hc[k]) && (hc[k] as unknown[]).length > 0) throw notImplemented(`berth does not support ${flag}`);
  }
  for (const [k, flag] of [['CpuRealtimePeriod', '--cpu-rt-period'], ['CpuRealtimeRuntime', '--cpu-rt-runtime']] as const) {
    if (typeof hc[k] === 'number' && (hc[k] as number) > 0) throw notImplemented(`berth does not support ${flag}`);
  }
}

function checkSecurity(hc: HostConfig): void {
  parseCapabilityList(hc.CapAdd, 'CapAdd');
  parseCapabilityList(hc.CapDrop, 'CapDrop');
  if (hc.Privileged !== undefined && hc.Privileged !== null && typeof hc.Privileged !== 'boolean') throw invalid('invalid HostConfig.Privileged: expected a boolean');
  parseSecurityOpt(hc.SecurityOpt);
  for (const f of ['MaskedPaths', 'ReadonlyPaths'] as const) {
    const v = hc[f];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v) || !v.every((p) => typeof p === 'string' && p.startsWith('/'))) throw invalid(`invalid HostConfig.${f}: expected a list of absolute paths`);
  }
}

function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

/** Docker's merge of a user's config over the image's. Returns a new object. */
export function mergeWithImage(user: ContainerConfig & { Image: string }, image: ContainerConfig | undefined): ContainerConfig & { Image: string } {
  const img = image ?? {};
  const out: ContainerConfig & { Image: string } = { ...user };
  if (!out.User) out.User = img.User ?? '';
  if (!out.Env || out.Env.length === 0) out.Env = [...(img.Env ?? [])];
  else {
    const keys = new Set(out.Env.map(envKey));
    out.Env = [...out.Env, ...(img.Env ?? []).filter((e) => !keys.has(envKey(e)))];
  }
  const resetEntrypoint = out.Entrypoint?.length === 1 && out.Entrypoint[0] === '';
  if (resetEntrypoint) out.Entrypoint = null;
  if (!out.Entrypoint || out.Entrypoint.length === 0) {
    if (!out.Cmd || out.Cmd.length === 0) out.Cmd = img.Cmd ? [...img.Cmd] : null;
    if (!resetEntrypoint && !out.Entrypoint) out.Entrypoint = img.Entrypoint ? [...img.Entrypoint] : null;
  }
  if (!out.WorkingDir) out.WorkingDir = img.WorkingDir ?? '';
  if (!out.StopSignal && img.StopSignal) out.StopSignal = img.StopSignal;
  out.Labels = { ...(img.Labels ?? {}), ...(out.Labels ?? {}) };
  if (img.ExposedPorts) out.ExposedPorts = { ...img.ExposedPorts, ...(out.ExposedPorts ?? {}) };
  if (img.Volumes) out.Volumes = { ...img.Volumes, ...(out.Volumes ?? {}) };
  const health = mergeHealthcheck(out.Healthcheck, img.Healthcheck);
  if (health) out.Healthcheck = health;
  if (!out.OnBuild) out.OnBuild = null;
  return out;
}

/** The process to run: Docker's Path and Args. Throws Docker's "No command specified". */
export function entrypointAndArgs(config: ContainerConfig): { path: string; args: string[] } {
  const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  const [first, ...rest] = argv;
  if (first === undefined || first === '') throw invalid('No command specified');
  return { path: first, args: rest };
}

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The process environment: the config's Env plus PATH and HOSTNAME when missing, as Docker adds them. */
export function processEnv(config: ContainerConfig, hostname: string): string[] {
  const env = [...(config.Env ?? [])];
  const keys = new Set(env.map(envKey));
  if (!keys.has('PATH')) env.unshift(DEFAULT_PATH);
  if (!keys.has('HOSTNAME')) env.splice(1, 0, `HOSTNAME=${hostname}`);
  if (config.Tty && !keys.has('TERM')) env.push('TERM=xterm');
  return env;
}
