/**
 * The JSON types of the POST /containers/create body, checked as Docker's decoder checks them
 * (Go's encoding/json into container.Config and HostConfig): a field of the wrong type is a
 * 400, never coerced and never ignored — `Env: "A=1"` or `Tty: "yes"` would otherwise be
 * silently accepted as something the user did not write. `null` is accepted for every field
 * (Go leaves the zero value); unknown fields pass, as in Docker. What a field *means* is
 * checked later by the code that acts on it; this module only knows shapes.
 */
import { invalid } from '../errors';

type Shape =
  | 'string'
  | 'bool'
  | 'int'
  | 'uint'
  | 'strings' // []string
  | 'strslice' // Docker's StrSlice: a string or []string
  | 'map' // map[string]string
  | 'set' // map[string]struct{}
  | 'object' // any JSON object (checked in depth by its owner)
  | 'objects' // []object
  | { [field: string]: Shape } // a nested struct
  | { list: Shape }; // []struct

const HEALTHCHECK: Shape = { Test: 'strings', Interval: 'int', Timeout: 'int', StartPeriod: 'int', StartInterval: 'int', Retries: 'int' };

const CONFIG: Record<string, Shape> = {
  Hostname: 'string', Domainname: 'string', User: 'string', AttachStdin: 'bool', AttachStdout: 'bool', AttachStderr: 'bool',
  ExposedPorts: 'set', Tty: 'bool', OpenStdin: 'bool', StdinOnce: 'bool', Env: 'strings', Cmd: 'strslice', Healthcheck: HEALTHCHECK,
  ArgsEscaped: 'bool', Image: 'string', Volumes: 'set', WorkingDir: 'string', Entrypoint: 'strslice', NetworkDisabled: 'bool',
  MacAddress: 'string', OnBuild: 'strings', Labels: 'map', StopSignal: 'string', StopTimeout: 'int', Shell: 'strslice',
  HostConfig: 'object', NetworkingConfig: { EndpointsConfig: 'object' },
};

const DEVICE_RATE: Shape = { list: { Path: 'string', Rate: 'uint' } };

const HOST_CONFIG: Record<string, Shape> = {
  Binds: 'strings', ContainerIDFile: 'string', LogConfig: { Type: 'string', Config: 'map' }, NetworkMode: 'string',
  PortBindings: 'object', RestartPolicy: { Name: 'string', MaximumRetryCount: 'int' }, AutoRemove: 'bool', VolumeDriver: 'string',
  VolumesFrom: 'strings', ConsoleSize: { list: 'uint' }, Annotations: 'map', CapAdd: 'strslice', CapDrop: 'strslice',
  CgroupnsMode: 'string', Dns: 'strings', DnsOptions: 'strings', DnsSearch: 'strings', ExtraHosts: 'strings', GroupAdd: 'strings',
  IpcMode: 'string', Cgroup: 'string', Links: 'strings', OomScoreAdj: 'int', PidMode: 'string', Privileged: 'bool',
  PublishAllPorts: 'bool', ReadonlyRootfs: 'bool', SecurityOpt: 'strings', StorageOpt: 'map', Tmpfs: 'map', UTSMode: 'string',
  UsernsMode: 'string', ShmSize: 'int', Sysctls: 'map', Runtime: 'string', Isolation: 'string', Mounts: 'objects',
  MaskedPaths: 'strings', ReadonlyPaths: 'strings', Init: 'bool',
  // Resources (embedded in HostConfig)
  CpuShares: 'int', Memory: 'int', NanoCpus: 'int', CgroupParent: 'string', BlkioWeight: 'uint',
  BlkioWeightDevice: { list: { Path: 'string', Weight: 'uint' } }, BlkioDeviceReadBps: DEVICE_RATE, BlkioDeviceWriteBps: DEVICE_RATE,
  BlkioDeviceReadIOps: DEVICE_RATE, BlkioDeviceWriteIOps: DEVICE_RATE, CpuPeriod: 'int', CpuQuota: 'int', CpuRealtimePeriod: 'int',
  CpuRealtimeRuntime: 'int', CpusetCpus: 'string', CpusetMems: 'string',
  Devices: { list: { PathOnHost: 'string', PathInContainer: 'string', CgroupPermissions: 'string' } }, DeviceCgroupRules: 'strings',
  DeviceRequests: 'objects', KernelMemory: 'int', KernelMemoryTCP: 'int', MemoryReservation: 'int', MemorySwap: 'int',
  MemorySwappiness: 'int', OomKillDisable: 'bool', PidsLimit: 'int', Ulimits: { list: { Name: 'string', Soft: 'int', Hard: 'int' } },
  CpuCount: 'int', CpuPercent: 'int', IOMaximumIOps: 'uint', IOMaximumBandwidth: 'uint',
};

/** "a string", "a number", ... for messages. */
function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a fractional number';
  return `a ${typeof v}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function expected(shape: Shape): string {
  if (typeof shape === 'string') {
    return {
      string: 'a string', bool: 'a boolean (true or false)', int: 'an integer', uint: 'a non-negative integer', strings: 'a list of strings',
      strslice: 'a string or a list of strings', map: 'an object of strings', set: 'an object', object: 'an object', objects: 'a list of objects',
    }[shape];
  }
  return 'list' in shape ? 'a list' : 'an object';
}

function fits(v: unknown, shape: Shape): boolean {
  switch (shape) {
    case 'string': return typeof v === 'string';
    case 'bool': return typeof v === 'boolean';
    case 'int': return Number.isSafeInteger(v);
    case 'uint': return Number.isSafeInteger(v) && (v as number) >= 0;
    case 'strings': return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'strslice': return typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    case 'map': return isObject(v) && Object.values(v).every((x) => typeof x === 'string' || x === null);
    case 'set': return isObject(v);
    case 'object': return isObject(v);
    case 'objects': return Array.isArray(v) && v.every((x) => isObject(x) || x === null);
    default: return 'list' in shape ? Array.isArray(v) : isObject(v);
  }
}

function check(v: unknown, shape: Shape, where: string): void {
  if (v === null || v === undefined) return;
  if (!fits(v, shape)) throw invalid(`invalid ${where}: expected ${expected(shape)}, got ${jsonType(v)}`);
  if (typeof shape === 'string') return;
  if ('list' in shape && Array.isArray(v)) {
    const item = shape.list as Shape;
    v.forEach((x, i) => check(x, item, `${where}[${i}]`));
    return;
  }
  const fields = shape as Record<string, Shape>;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const sub = fields[k];
    if (sub) check(x, sub, `${where}.${k}`);
  }
}

/** Throws a 400 naming the first field whose JSON type is not Docker's. */
export function checkCreateTypes(body: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(body)) {
    const shape = CONFIG[k];
    if (shape) check(v, shape, k);
  }
  if (isObject(body.HostConfig)) {
    for (const [k, v] of Object.entries(body.HostConfig)) {
      const shape = HOST_CONFIG[k];
      if (shape) check(v, shape, `HostConfig.${k}`);
    }
  }
}
