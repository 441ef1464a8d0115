/**
 * Request bodies as the moby Go client (v27, api/types/container) marshals them: Go's
 * encoding/json writes every field of a struct in declaration order, zero values included
 * (`""`, `0`, `false`, `null` for nil slices, maps and pointers, `[0,0]` for ConsoleSize),
 * and leaves out only the `omitempty` ones when empty. A daemon must accept these zero values
 * as "not set" — a replay that sent only the interesting fields would miss exactly that.
 *
 * Field lists follow api/types/container/config.go (Config, HealthConfig) and hostconfig.go
 * (HostConfig with the embedded Resources after Isolation) of the vendored client.
 */

type Obj = Record<string, unknown>;

/** Applies `set` over Go's zero value `zero`, keeping Go's field order; omitempty keys are added only when given. */
function goStruct(zero: Obj, omitempty: readonly string[], set: Obj): Obj {
  for (const k of Object.keys(set)) {
    if (!(k in zero) && !omitempty.includes(k)) throw new Error(`${k} is not a field of this Go struct`);
  }
  const out: Obj = {};
  for (const [k, v] of Object.entries(zero)) out[k] = k in set ? set[k] : v;
  // omitempty fields sit at their declaration positions; appended here, which JSON decoders ignore.
  for (const k of omitempty) if (k in set) out[k] = set[k];
  return out;
}

/** container.Config: ExposedPorts, Healthcheck, ArgsEscaped, NetworkDisabled, MacAddress, StopSignal, StopTimeout, Shell are omitempty. */
export function goConfig(set: Obj): Obj {
  const zero: Obj = {
    Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false,
    Tty: false, OpenStdin: false, StdinOnce: false, Env: null, Cmd: null, Image: '', Volumes: null, WorkingDir: '',
    Entrypoint: null, OnBuild: null, Labels: null,
  };
  const out = goStruct(zero, ['ExposedPorts', 'Healthcheck', 'ArgsEscaped', 'NetworkDisabled', 'MacAddress', 'StopSignal', 'StopTimeout', 'Shell'], set);
  // Go order: ExposedPorts after AttachStderr, Healthcheck after Cmd — rebuild in that order.
  const ordered: Obj = {};
  for (const k of ['Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'ExposedPorts', 'Tty', 'OpenStdin', 'StdinOnce', 'Env', 'Cmd', 'Healthcheck', 'ArgsEscaped', 'Image', 'Volumes', 'WorkingDir', 'Entrypoint', 'NetworkDisabled', 'MacAddress', 'OnBuild', 'Labels', 'StopSignal', 'StopTimeout', 'Shell']) {
    if (k in out) ordered[k] = out[k];
  }
  return ordered;
}

/** container.HostConfig with the embedded Resources (between Isolation and Mounts). */
export function goHostConfig(set: Obj): Obj {
  const zero: Obj = {
    Binds: null, ContainerIDFile: '', LogConfig: { Type: '', Config: null }, NetworkMode: '', PortBindings: null,
    RestartPolicy: { Name: '', MaximumRetryCount: 0 }, AutoRemove: false, VolumeDriver: '', VolumesFrom: null, ConsoleSize: [0, 0],
    CapAdd: null, CapDrop: null, CgroupnsMode: '', Dns: null, DnsOptions: null, DnsSearch: null, ExtraHosts: null, GroupAdd: null,
    IpcMode: '', Cgroup: '', Links: null, OomScoreAdj: 0, PidMode: '', Privileged: false, PublishAllPorts: false, ReadonlyRootfs: false,
    SecurityOpt: null, UTSMode: '', UsernsMode: '', ShmSize: 0, Isolation: '',
    // Resources (embedded)
    CpuShares: 0, Memory: 0, NanoCpus: 0, CgroupParent: '', BlkioWeight: 0, BlkioWeightDevice: null, BlkioDeviceReadBps: null,
    BlkioDeviceWriteBps: null, BlkioDeviceReadIOps: null, BlkioDeviceWriteIOps: null, CpuPeriod: 0, CpuQuota: 0, CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0, CpusetCpus: '', CpusetMems: '', Devices: null, DeviceCgroupRules: null, DeviceRequests: null,
    MemoryReservation: 0, MemorySwap: 0, MemorySwappiness: null, OomKillDisable: null, PidsLimit: null, Ulimits: null, CpuCount: 0,
    CpuPercent: 0, IOMaximumIOps: 0, IOMaximumBandwidth: 0,
    MaskedPaths: null, ReadonlyPaths: null,
  };
  const omit = ['Annotations', 'StorageOpt', 'Tmpfs', 'Sysctls', 'Runtime', 'Mounts', 'Init', 'KernelMemory', 'KernelMemoryTCP'];
  const out = goStruct(zero, omit, set);
  const order = [
    'Binds', 'ContainerIDFile', 'LogConfig', 'NetworkMode', 'PortBindings', 'RestartPolicy', 'AutoRemove', 'VolumeDriver', 'VolumesFrom',
    'ConsoleSize', 'Annotations', 'CapAdd', 'CapDrop', 'CgroupnsMode', 'Dns', 'DnsOptions', 'DnsSearch', 'ExtraHosts', 'GroupAdd', 'IpcMode',
    'Cgroup', 'Links', 'OomScoreAdj', 'PidMode', 'Privileged', 'PublishAllPorts', 'ReadonlyRootfs', 'SecurityOpt', 'StorageOpt', 'Tmpfs',
    'UTSMode', 'UsernsMode', 'ShmSize', 'Sysctls', 'Runtime', 'Isolation',
    'CpuShares', 'Memory', 'NanoCpus', 'CgroupParent', 'BlkioWeight', 'BlkioWeightDevice', 'BlkioDeviceReadBps', 'BlkioDeviceWriteBps',
    'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'CpusetCpus',
    'CpusetMems', 'Devices', 'DeviceCgroupRules', 'DeviceRequests', 'KernelMemory', 'KernelMemoryTCP', 'MemoryReservation', 'MemorySwap',
    'MemorySwappiness', 'OomKillDisable', 'PidsLimit', 'Ulimits', 'CpuCount', 'CpuPercent', 'IOMaximumIOps', 'IOMaximumBandwidth',
    'Mounts', 'MaskedPaths', 'ReadonlyPaths', 'Init',
  ];
  const ordered: Obj = {};
  for (const k of order) if (k in out) ordered[k] = out[k];
  return ordered;
}

/** The create body: configWrapper{*Config (inlined), HostConfig, NetworkingConfig} (client/container_create.go). */
export function goCreateBody(config: Obj, hostConfig: Obj, networkingConfig: Obj | null = null): Obj {
  return { ...goConfig(config), HostConfig: goHostConfig(hostConfig), NetworkingConfig: networkingConfig };
}

/** container.UpdateConfig: the embedded Resources (every field, Go's zero values) and RestartPolicy. */
export function goUpdateBody(resources: Obj, restartPolicy: Obj = { Name: '', MaximumRetryCount: 0 }): Obj {
  const hc = goHostConfig(resources);
  const keys = ['CpuShares', 'Memory', 'NanoCpus', 'CgroupParent', 'BlkioWeight', 'BlkioWeightDevice', 'BlkioDeviceReadBps', 'BlkioDeviceWriteBps',
    'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'CpusetCpus',
    'CpusetMems', 'Devices', 'DeviceCgroupRules', 'DeviceRequests', 'KernelMemory', 'KernelMemoryTCP', 'MemoryReservation', 'MemorySwap',
    'MemorySwappiness', 'OomKillDisable', 'PidsLimit', 'Ulimits', 'CpuCount', 'CpuPercent', 'IOMaximumIOps', 'IOMaximumBandwidth'];
  const out: Obj = {};
  for (const k of keys) if (k in hc) out[k] = hc[k];
  out.RestartPolicy = restartPolicy;
  return out;
}
