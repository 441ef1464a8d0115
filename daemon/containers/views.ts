/**
 * The JSON Docker clients read about containers: GET /containers/{id}/json (inspect) and the
 * entries of GET /containers/json (ps), in Docker's exact field names. Pure over a record.
 */
import { logSettingsOf, type LogConfig } from '../log-config';
import type { ContainerRecord } from './record';
import { BERTH_RUNTIME } from '../version-info';
import { ContainerPaths } from './record';
import { commandText, statusText } from './status';
import { inspectMounts } from './mounts';
import { inspectMountPoints } from './volume-mounts';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, systemPaths } from '../runtime/system-paths';


/** Inspect's MaskedPaths / ReadonlyPaths: null for --privileged, as Docker shows them. */
function inspectPaths(given: unknown, privileged: boolean, def: readonly string[]): string[] | null {
  const paths = systemPaths(given, privileged, def);
  return privileged && !Array.isArray(given) ? null : paths;
}

function safeMounts(rec: ContainerRecord): Record<string, unknown>[] {
  try {
    return inspectMounts(rec.HostConfig, inspectMountPoints(rec.MountPoints));
  } catch {
    return [];
  }
}

/** The network a container is on, by Docker's name for it (inspect, ps, and the network filter). */
export function networkName(rec: ContainerRecord): string {
  const mode = rec.HostConfig.NetworkMode || 'default';
  return mode === 'default' ? 'bridge' : mode;
}

function endpoint(): Record<string, unknown> {
  return {
    IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', DriverOpts: null, NetworkID: '', EndpointID: '',
    Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DNSNames: null,
  };
}

/** NetworkSettings.Networks: what networking recorded, or the mode's one network. */
function networksOf(rec: ContainerRecord): Record<string, unknown> {
  const ns = rec.NetworkSettings;
  if (ns) return Object.fromEntries(Object.entries(ns.Networks).map(([k, v]) => [k, { ...v }]));
  return { [networkName(rec)]: endpoint() };
}

/** The top-level (legacy) fields Docker fills from the default bridge endpoint. */
function primaryOf(rec: ContainerRecord): Record<string, unknown> {
  const ep = rec.NetworkSettings?.Networks.bridge;
  if (!ep || !ep.IPAddress) return {};
  return { EndpointID: ep.EndpointID, Gateway: ep.Gateway, IPAddress: ep.IPAddress, IPPrefixLen: ep.IPPrefixLen, MacAddress: ep.MacAddress };
}

/** ps's Ports: one entry per binding, exposed-only ports without a public port. */
export function portList(rec: ContainerRecord): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [key, bindings] of Object.entries(rec.NetworkSettings?.Ports ?? {})) {
    const [port, type = 'tcp'] = key.split('/');
    if (!bindings || bindings.length === 0) {
      out.push({ PrivatePort: Number(port), Type: type });
      continue;
    }
    for (const b of bindings) out.push({ IP: b.HostIp, PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: type });
  }
  return out;
}

export interface InspectExtras {
  execIds: string[];
  lowerDirs: string[];
  sizeRw?: number;
  sizeRootFs?: number;
}

/**
 * The path of the container's network namespace, as Docker's SandboxKey. Bridge networks and
 * container:NAME keep theirs in the record. A --network none container has no persistent
 * namespace in berth (the helper makes one with the process), so while it runs its key is the
 * process's own nsfs file: CNI-driven orchestrators open it as they would dockerd's
 * (Nomad's pause container, drivers/docker/network.go:45-60).
 */
function sandboxKeyOf(rec: ContainerRecord): string {
  const key = rec.NetworkSettings?.SandboxKey ?? '';
  if (key) return key;
  if (rec.HostConfig.NetworkMode === 'none' && rec.State.Running && rec.State.Pid) return `/proc/${rec.State.Pid}/ns/net`;
  return '';
}

export function inspectView(rec: ContainerRecord, p: ContainerPaths, extras: InspectExtras): Record<string, unknown> {
  const hc = {
    Binds: null, ContainerIDFile: '', LogConfig: { Type: 'json-file', Config: {} }, NetworkMode: 'default', PortBindings: {},
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, AutoRemove: false, VolumeDriver: '', VolumesFrom: null, ConsoleSize: [0, 0],
    CapAdd: null, CapDrop: null, CgroupnsMode: 'host', Dns: [], DnsOptions: [], DnsSearch: [], ExtraHosts: null, GroupAdd: null,
    Cgroup: '', Links: null, OomScoreAdj: 0, PidMode: '', Privileged: false, PublishAllPorts: false,
    ReadonlyRootfs: false, SecurityOpt: null, UTSMode: '', UsernsMode: '', ShmSize: 67108864, Runtime: BERTH_RUNTIME, Isolation: '',
    CpuShares: 0, Memory: 0, NanoCpus: 0, CgroupParent: '', BlkioWeight: 0, BlkioWeightDevice: [], BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [], BlkioDeviceReadIOps: [], BlkioDeviceWriteIOps: [], CpuPeriod: 0, CpuQuota: 0, CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0, CpusetCpus: '', CpusetMems: '', Devices: [], DeviceCgroupRules: null, DeviceRequests: null,
    MemoryReservation: 0, MemorySwap: 0, MemorySwappiness: null, OomKillDisable: false, PidsLimit: null, Ulimits: [],
    CpuCount: 0, CpuPercent: 0, IOMaximumIOps: 0, IOMaximumBandwidth: 0,
    ...rec.HostConfig,
    // dockerd stores its default IPC mode in place of an empty one
    IpcMode: rec.HostConfig.IpcMode || 'private',
    // Docker's: the record's lists, or the defaults; none for --privileged
    MaskedPaths: inspectPaths(rec.HostConfig.MaskedPaths, rec.HostConfig.Privileged === true, DEFAULT_MASKED_PATHS),
    ReadonlyPaths: inspectPaths(rec.HostConfig.ReadonlyPaths, rec.HostConfig.Privileged === true, DEFAULT_READONLY_PATHS),
  };
  const out: Record<string, unknown> = {
    Id: rec.Id,
    Created: rec.Created,
    Path: rec.Path,
    Args: rec.Args,
    State: { ...rec.State },
    Image: rec.Image,
    ResolvConfPath: p.resolvConf,
    HostnamePath: p.hostname,
    HostsPath: p.hosts,
    // dockerd names no file for a container logging to none (Nomad's logging type "none")
    LogPath: logSettingsOf(rec.HostConfig.LogConfig as Partial<LogConfig> | undefined).driver === 'none' ? '' : p.log,
    Name: rec.Name,
    RestartCount: rec.RestartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: extras.execIds.length ? extras.execIds : null,
    HostConfig: hc,
    GraphDriver: {
      Data: { LowerDir: extras.lowerDirs.join(':'), MergedDir: p.rootfs, UpperDir: p.upper, WorkDir: p.work },
      Name: 'overlay2',
    },
    Mounts: safeMounts(rec),
    Config: {
      Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false, Tty: false,
      OpenStdin: false, StdinOnce: false, Env: null, Cmd: null, Volumes: null, WorkingDir: '',
      Entrypoint: null, OnBuild: null, Labels: {},
      ...rec.Config,
    },
    NetworkSettings: {
      Bridge: '', SandboxID: sandboxKeyOf(rec) ? rec.Id : '', SandboxKey: sandboxKeyOf(rec), HairpinMode: false,
      LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0,
      Ports: { ...(rec.NetworkSettings?.Ports ?? {}) }, SecondaryIPAddresses: null, SecondaryIPv6Addresses: null, EndpointID: '', Gateway: '', GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0, IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', MacAddress: '',
      ...primaryOf(rec),
      Networks: networksOf(rec),
    },
  };
  if (extras.sizeRw !== undefined) out.SizeRw = extras.sizeRw;
  if (extras.sizeRootFs !== undefined) out.SizeRootFs = extras.sizeRootFs;
  return out;
}

/** `image` is what the user asked for, or the image id once that no longer names the container's image. */
export function listView(rec: ContainerRecord, now: number, size?: { rw: number; rootFs: number }, image = rec.Config.Image): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Id: rec.Id,
    Names: [rec.Name],
    Image: image,
    ImageID: rec.Image,
    Command: commandText(rec),
    Created: Math.floor(Date.parse(rec.Created) / 1000),
    Ports: portList(rec),
    Labels: rec.Config.Labels ?? {},
    State: rec.State.Status,
    Status: statusText(rec, now),
    HostConfig: { NetworkMode: rec.HostConfig.NetworkMode ?? 'default' },
    NetworkSettings: { Networks: networksOf(rec) },
    Mounts: safeMounts(rec),
  };
  if (size) {
    out.SizeRw = size.rw;
    out.SizeRootFs = size.rootFs;
  }
  return out;
}
