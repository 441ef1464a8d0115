/**
 * The moby API types (github.com/moby/moby/api v1.55, the module Nomad's go.mod requires) that
 * Nomad's docker driver decodes, as replay Shapes: every typed field the Go decoder would choke
 * on (an int64 that is a float, a time.Time that is not RFC 3339, a netip.Addr that does not
 * parse) and every field Nomad reads. Fields Nomad never reads and that are plain strings are
 * left out: Go ignores them and so does the check.
 */
import { shapeErrors, type Shape } from '../replay';

/** network.PortMap: "port/proto" → null or bindings (api/types/network/port.go:164). */
const PORT_MAP: Shape = { '*': '?array' };
const PORT_BINDINGS: Shape = [{ HostIp: 'ip', HostPort: 'string' }];

/** network.EndpointSettings (api/types/network/endpoint.go): Nomad's detectIP reads IPAddress and GlobalIPv6Address. */
export const ENDPOINT: Shape = {
  IPAMConfig: '?object', Links: '?array', Aliases: '?array', DriverOpts: '?object', GwPriority: '?int',
  NetworkID: 'string', EndpointID: 'string', Gateway: 'ip', IPAddress: 'ip', MacAddress: '?mac', IPPrefixLen: 'int',
  IPv6Gateway: 'ip', GlobalIPv6Address: 'ip', GlobalIPv6PrefixLen: 'int', DNSNames: '?array',
};

/** container.State (api/types/container/state.go); InspectTask parses StartedAt/FinishedAt with time.RFC3339 (driver.go:1856). */
const STATE: Shape = {
  Status: 'string', Running: 'bool', Paused: 'bool', Restarting: 'bool', OOMKilled: 'bool', Dead: 'bool',
  Pid: 'int', ExitCode: 'int', Error: 'string', StartedAt: 'time', FinishedAt: 'time', Health: '?object',
};

/** container.InspectResponse (api/types/container/container.go) — what ContainerInspect decodes. */
export const INSPECT: Shape = {
  Id: 'string', Created: 'time', Path: 'string', Args: '?array', State: STATE, Image: 'string', ResolvConfPath: 'string',
  HostnamePath: 'string', HostsPath: 'string', LogPath: 'string', Name: 'string', RestartCount: 'int', Driver: 'string',
  Platform: 'string', MountLabel: 'string', ProcessLabel: 'string', AppArmorProfile: 'string', ExecIDs: '?array',
  HostConfig: {
    Binds: '?array', LogConfig: { Type: 'string', Config: '?object' }, NetworkMode: 'string', PortBindings: '?object',
    RestartPolicy: { Name: 'string', MaximumRetryCount: 'int' }, CapAdd: '?array', CapDrop: '?array', Memory: 'int',
    MemorySwap: 'int', CpuShares: 'int', PidsLimit: '?int', CpusetCpus: 'string', ConsoleSize: ['uint'],
  },
  SizeRw: '?int', SizeRootFs: '?int',
  Mounts: [{ Type: 'string', Source: 'string', Destination: 'string', Mode: 'string', RW: 'bool', Propagation: 'string' }],
  Config: { Tty: 'bool', Image: 'string', Labels: '?object', Env: '?array', Cmd: '?array', ExposedPorts: '?object' },
  NetworkSettings: { SandboxID: 'string', SandboxKey: 'string', Ports: '?object', Networks: { '*': ENDPOINT } },
};

/** container.Summary (api/types/container/container.go): the reconciler reads Created, Labels, Mounts, Names. */
export const SUMMARY: Shape = {
  Id: 'string', Names: ['string'], Image: 'string', ImageID: 'string', Command: 'string', Created: 'int',
  Ports: [{ IP: '?ip', PrivatePort: 'uint', PublicPort: '?uint', Type: 'string' }], Labels: '?object', State: 'string',
  Status: 'string', HostConfig: { NetworkMode: '?string' }, NetworkSettings: { Networks: { '*': ENDPOINT } },
  Mounts: [{ Type: 'string', Source: 'string', Destination: 'string', RW: 'bool' }],
};

/** network.Summary (api/types/network/network.go + ipam.go): fingerprint.go reads Name and IPAM.Config[0].Gateway. */
export const NETWORK: Shape = {
  Name: 'string', Id: 'string', Created: 'time', Scope: 'string', Driver: 'string', EnableIPv4: '?bool', EnableIPv6: 'bool',
  IPAM: { Driver: 'string', Options: '?object', Config: [{ Subnet: '?cidr', IPRange: '?cidr', Gateway: '?ip' }] },
  Internal: 'bool', Attachable: 'bool', Ingress: 'bool', Options: '?object', Labels: '?object',
};

/** container.StatsResponse (api/types/container/stats.go), the fields util/stats_posix.go reads. */
const CPU_STATS: Shape = {
  cpu_usage: { total_usage: 'uint', percpu_usage: '?array', usage_in_kernelmode: 'uint', usage_in_usermode: 'uint' },
  system_cpu_usage: '?uint', online_cpus: '?uint',
  throttling_data: { periods: 'uint', throttled_periods: 'uint', throttled_time: 'uint' },
};
export const STATS: Shape = {
  id: 'string', name: 'string', read: 'time', preread: 'time', pids_stats: { current: '?uint', limit: '?uint' },
  cpu_stats: CPU_STATS, precpu_stats: CPU_STATS,
  memory_stats: { usage: '?uint', max_usage: '?uint', stats: { '*': 'uint' }, limit: '?uint' },
  networks: '?object',
};

/** jsonstream.Message, one per NDJSON line of a pull (progress.go:260 unmarshals each line). */
export const PULL_MESSAGE: Shape = { id: '?string', status: '?string', progressDetail: '?object', errorDetail: '?object' };

export { PORT_MAP, PORT_BINDINGS };

/**
 * network.Port's UnmarshalText (api/types/network/port.go): "<port>[-<port>]/<proto>", proto
 * tcp, udp or sctp. A key that does not parse fails the decode of the whole inspect answer, so
 * every port map and set of it is checked: NetworkSettings.Ports, HostConfig.PortBindings,
 * Config.ExposedPorts; and each binding's HostIp is a netip.Addr.
 */
export function portMapErrors(inspect: unknown): string[] {
  const errs: string[] = [];
  const o = inspect as { NetworkSettings?: { Ports?: unknown }; HostConfig?: { PortBindings?: unknown }; Config?: { ExposedPorts?: unknown } };
  const maps: Array<[string, unknown, boolean]> = [
    ['NetworkSettings.Ports', o.NetworkSettings?.Ports, true],
    ['HostConfig.PortBindings', o.HostConfig?.PortBindings, true],
    ['Config.ExposedPorts', o.Config?.ExposedPorts, false],
  ];
  for (const [where, m, bindings] of maps) {
    if (m === undefined || m === null) continue;
    for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
      if (!/^\d{1,5}(-\d{1,5})?\/(tcp|udp|sctp)$/.test(k)) errs.push(`${where}: key ${JSON.stringify(k)} is not a network.Port`);
      if (bindings) errs.push(...shapeErrors(v, '?array', `${where}[${k}]`), ...(Array.isArray(v) ? shapeErrors(v, PORT_BINDINGS, `${where}[${k}]`) : []));
    }
  }
  return errs;
}
