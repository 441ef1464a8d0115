/**
 * `berth create [OPTIONS] IMAGE [COMMAND] [ARG...]`, and the container options it shares with
 * `run`: the flags, the create body in Docker's shape (Config + HostConfig), and Docker's
 * create flow — a 404 "No such image" pulls the image (progress on stderr) and retries.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CliError, DaemonClient } from '../http';
import { FlagSpec, Parsed, parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import type * as AuthConfig from '../auth-config';
import type * as Progress from '../progress';
import { healthcheck, restartPolicy } from './health-flags';
import { parseRamSize, RESOURCE_FLAGS, RESOURCE_HELP, resourcesFromFlags } from './resource-flags';

export const CREATE_FLAGS: FlagSpec = {
  name: { type: 'string' },
  interactive: { type: 'bool', short: 'i' },
  tty: { type: 'bool', short: 't' },
  env: { type: 'list', short: 'e' },
  'env-file': { type: 'list' },
  workdir: { type: 'string', short: 'w' },
  user: { type: 'string', short: 'u' },
  entrypoint: { type: 'string' },
  hostname: { type: 'string', short: 'h' },
  'read-only': { type: 'bool' },
  init: { type: 'bool' },
  volume: { type: 'list', short: 'v' },
  mount: { type: 'list' },
  'volumes-from': { type: 'list' },
  tmpfs: { type: 'list' },
  ulimit: { type: 'list' },
  network: { type: 'string', aliases: ['net'] },
  label: { type: 'list', short: 'l' },
  rm: { type: 'bool' },
  restart: { type: 'string' },
  'health-cmd': { type: 'string' },
  'health-interval': { type: 'string' },
  'health-timeout': { type: 'string' },
  'health-start-period': { type: 'string' },
  'health-retries': { type: 'int' },
  'no-healthcheck': { type: 'bool' },
  'stop-signal': { type: 'string' },
  'stop-timeout': { type: 'int' },
  publish: { type: 'list', short: 'p' },
  'publish-all': { type: 'bool', short: 'P' },
  expose: { type: 'list' },
  'network-alias': { type: 'list' },
  ip: { type: 'string' },
  'mac-address': { type: 'string' },
  dns: { type: 'list' },
  'dns-search': { type: 'list' },
  'dns-option': { type: 'list' },
  'add-host': { type: 'list' },
  sysctl: { type: 'list' },
  ipc: { type: 'string' },
  pid: { type: 'string' },
  pull: { type: 'string' },
  platform: { type: 'string' },
  quiet: { type: 'bool', short: 'q' },
  'cap-add': { type: 'list' },
  'cap-drop': { type: 'list' },
  privileged: { type: 'bool' },
  'security-opt': { type: 'list' },
  device: { type: 'list' },
  'device-cgroup-rule': { type: 'list' },
  'log-driver': { type: 'string' },
  'log-opt': { type: 'list' },
  ...RESOURCE_FLAGS,
  'oom-kill-disable': { type: 'bool' },
  'shm-size': { type: 'string' },
  'cgroup-parent': { type: 'string' },
};

/**
 * Parses create/run flags. `-h` is --hostname there (help is --help only), and flags stop at
 * the image: everything after it is the command.
 */
export function parseContainerFlags(argv: readonly string[], extra: FlagSpec): Parsed {
  const spec: FlagSpec = { ...CREATE_FLAGS, ...extra };
  const takesValue = (tok: string): boolean => {
    if (tok.startsWith('--')) return !tok.includes('=') && (spec[tok.slice(2)]?.type ?? 'bool') !== 'bool';
    const last = tok[tok.length - 1];
    const def = Object.values(spec).find((d) => d.short === last);
    return tok.length >= 2 && !!def && def.type !== 'bool';
  };
  const args = [...argv];
  for (let i = 0; i < args.length; i++) {
    const tok = args[i] as string;
    if (tok === '--') break;
    if (!tok.startsWith('-') || tok === '-') break;
    if (tok === '-h') args[i] = '--hostname';
    if (tok === '--help') return { bools: {}, strings: {}, lists: {}, ints: {}, args: [], help: true };
    if (args[i] === '--hostname' || takesValue(tok)) i++;
  }
  try {
    return parseFlags(args, spec, { interspersed: false });
  } catch (err) {
    // Docker's CLI exits 125 for a bad flag of run or create, as for any error before the container runs.
    if (err instanceof CliError) throw new CliError(err.message, err.status, 125);
    throw err;
  }
}

async function readEnvFiles(files: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await fs.readFile(f, 'utf8');
    } catch {
      throw new CliError(`open ${f}: no such file or directory`);
    }
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      out.push(line.includes('=') ? line : `${line}=${process.env[line] ?? ''}`);
    }
  }
  return out;
}

/** `--ulimit nofile=1024:2048` (or `=1024` for both) as HostConfig.Ulimits; the daemon checks names and values. */
/**
 * `--device HOST[:CONTAINER][:PERMS]` as the docker CLI reads it: one part is both paths,
 * a second part that reads as permissions (r, w, m) is the permissions, else the container
 * path. The daemon checks the rest.
 */
export function parseDevice(spec: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const parts = spec.split(':');
  const isPerms = (s: string | undefined) => s !== undefined && /^[rwm]{1,3}$/.test(s);
  const [host = '', second, third] = parts;
  if (parts.length > 3 || host === '') throw new Error(`invalid device specification: ${spec}`);
  if (parts.length === 2 && isPerms(second)) return { PathOnHost: host, PathInContainer: host, CgroupPermissions: second as string };
  return { PathOnHost: host, PathInContainer: second || host, CgroupPermissions: third ?? 'rwm' };
}

function ulimits(list: string[] | undefined): { Name: string; Soft: number; Hard: number }[] | undefined {
  if (!list?.length) return undefined;
  return list.map((u) => {
    const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(u);
    if (!m) throw new CliError(`invalid argument "${u}" for "--ulimit" flag: use name=soft[:hard], e.g. nofile=1024:2048`);
    return { Name: m[1] as string, Soft: Number(m[2]), Hard: Number(m[3] ?? m[2]) };
  });
}

/** --log-driver and --log-opt KEY=VALUE, as the docker CLI sends them (no options for none). */
function logConfig(driver: string | undefined, opts: string[] | undefined): { Type: string; Config: Record<string, string> } {
  if (driver === 'none' && opts?.length) throw new CliError('invalid logging opts for driver none', undefined, 125);
  return { Type: driver ?? '', Config: labels(opts) };
}

function labels(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list ?? []) {
    const eq = l.indexOf('=');
    out[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
  }
  return out;
}

/** `-p [IP:][HOST:]CONTAINER[/PROTO]` as Docker's ExposedPorts and PortBindings. */
/** "80" or "80-82" as [start, end]; undefined when not a port or range of ports (1-65535). */
function portRange(v: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(v);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = Number(m[2] ?? m[1]);
  return lo >= 1 && hi <= 65535 && lo <= hi ? [lo, hi] : undefined;
}

/**
 * `-p [IP:][HOSTPORT:]CTRPORT[/PROTO]` with the docker CLI's rules (go-connections'
 * ParsePortSpec): container-port ranges give one binding per port, a host range of the same
 * length pairs port by port, a host range against one container port is sent whole (the
 * daemon picks a free port in it), anything else is refused with the CLI's sentence.
 */
function portBindings(list: string[] | undefined): { exposed: Record<string, object>; bindings: Record<string, { HostIp: string; HostPort: string }[]> } {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const spec of list ?? []) {
    const slash = spec.lastIndexOf('/');
    const portPart = slash < 0 ? spec : spec.slice(0, slash);
    const proto = slash < 0 ? 'tcp' : spec.slice(slash + 1).toLowerCase();
    if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new CliError(`invalid proto: ${proto}`, undefined, 125);
    const parts = portPart.split(':');
    if (parts.length > 3) throw new CliError(`invalid port format: ${spec}`, undefined, 125);
    const container = parts.pop() ?? '';
    const hostPort = parts.pop() ?? '';
    const hostIp = parts.pop() ?? '';
    const ctr = portRange(container);
    if (!ctr) throw new CliError(`invalid containerPort: ${container}`, undefined, 125);
    const host = hostPort === '' ? undefined : portRange(hostPort);
    if (hostPort !== '' && !host) throw new CliError(`invalid hostPort: ${hostPort}`, undefined, 125);
    if (hostIp !== '' && !/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\])$/.test(hostIp)) throw new CliError(`invalid IP address: ${hostIp}`, undefined, 125);
    const count = ctr[1] - ctr[0];
    if (host && host[1] - host[0] !== count && count !== 0) throw new CliError(`invalid ranges specified for container and host Ports: ${container} and ${hostPort}`, undefined, 125);
    for (let i = 0; i <= count; i++) {
      const key = `${ctr[0] + i}/${proto}`;
      exposed[key] = {};
      const hp = !host ? '' : count === 0 ? hostPort : String(host[0] + i);
      (bindings[key] ??= []).push({ HostIp: hostIp.replace(/^\[|\]$/g, ''), HostPort: hp });
    }
  }
  return { exposed, bindings };
}

/** `--expose 80[/tcp]` (or a range 8000-8002) added to ExposedPorts, as the docker CLI does. */
function exposePorts(list: string[] | undefined, exposed: Record<string, object>): void {
  for (const spec of list ?? []) {
    const [range = '', proto = 'tcp'] = spec.split('/');
    const m = /^(\d+)(?:-(\d+))?$/.exec(range);
    if (!m) throw new CliError(`invalid range format for --expose: ${spec}`, undefined, 125);
    const lo = Number(m[1]);
    const hi = Number(m[2] ?? m[1]);
    for (let port = lo; port <= hi; port++) exposed[`${port}/${proto}`] = {};
  }
}

/**
 * The endpoint the CLI sends for --network-alias/--ip/--mac-address, keyed by the --network
 * value ("default" without one, as the docker CLI does); empty when none is given.
 */
function endpointsConfig(p: Parsed): Record<string, unknown> {
  const ep: Record<string, unknown> = {};
  if (p.lists['network-alias']?.length) ep.Aliases = p.lists['network-alias'];
  if (p.strings.ip) ep.IPAMConfig = { IPv4Address: p.strings.ip };
  if (p.strings['mac-address']) ep.MacAddress = p.strings['mac-address'];
  return Object.keys(ep).length ? { [p.strings.network ?? 'default']: ep } : {};
}

/**
 * --security-opt as Docker's CLI sends it: `seccomp=FILE` becomes `seccomp=<the file's JSON,
 * compacted>` (the daemon never reads the client's files); `unconfined`/`builtin` stay names.
 */
async function securityOpts(list: string[] | undefined): Promise<string[] | null> {
  if (!list?.length) return null;
  return Promise.all(list.map(async (opt) => {
    const m = /^seccomp[=:](.+)$/.exec(opt);
    if (!m || m[1] === 'unconfined' || m[1] === 'builtin') return opt;
    const file = m[1] as string;
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      throw new CliError(`opening seccomp profile (${file}) failed: ${(e as Error).message}`);
    }
    try {
      return `seccomp=${JSON.stringify(JSON.parse(text))}`;
    } catch (e) {
      throw new CliError(`compacting json for seccomp profile (${file}) failed: ${(e as Error).message}`);
    }
  }));
}

/** The create body Docker's CLI sends, from parsed flags; `args` = IMAGE [COMMAND...]. */
export async function createBody(p: Parsed, args: string[]): Promise<Record<string, unknown>> {
  const [image, ...cmd] = args;
  const env = [...(await readEnvFiles(p.lists['env-file'] ?? [])), ...(p.lists.env ?? []).map((e) => (e.includes('=') ? e : `${e}=${process.env[e] ?? ''}`))];
  const tty = !!p.bools.tty;
  const stdin = !!p.bools.interactive;
  const detach = !!p.bools.detach;
  const tmpfs: Record<string, string> = {};
  for (const t of p.lists.tmpfs ?? []) {
    const colon = t.indexOf(':');
    tmpfs[colon < 0 ? t : t.slice(0, colon)] = colon < 0 ? '' : t.slice(colon + 1);
  }
  // `-v /path` alone is an anonymous volume (Config.Volumes), as the docker CLI sends it.
  const anonymous = (p.lists.volume ?? []).filter((v) => !v.includes(':'));
  const binds = (p.lists.volume ?? []).filter((v) => v.includes(':')).map((v) => {
    const [src = '', ...rest] = v.split(':');
    // Docker resolves relative host paths only for `.`-prefixed sources; keep absolute as is.
    return src.startsWith('.') ? [path.resolve(src), ...rest].join(':') : v;
  });
  const mounts = (p.lists.mount ?? []).map(parseMount);
  const entrypoint = p.strings.entrypoint !== undefined ? [p.strings.entrypoint] : null;
  const ports = portBindings(p.lists.publish);
  exposePorts(p.lists.expose, ports.exposed);
  // Only a tty's size is sent; process.stdout is not made for nothing (bench/RESULTS.md, "CLI start-up").
  const cols = tty ? process.stdout.columns ?? 0 : 0;
  const rows = tty ? process.stdout.rows ?? 0 : 0;
  return {
    Hostname: p.strings.hostname ?? '',
    Domainname: '',
    User: p.strings.user ?? '',
    AttachStdin: !detach && stdin,
    AttachStdout: !detach,
    AttachStderr: !detach,
    Tty: tty,
    OpenStdin: stdin,
    StdinOnce: stdin && !detach,
    Env: env.length ? env : null,
    Cmd: cmd.length ? cmd : null,
    Image: image,
    Volumes: Object.fromEntries(anonymous.map((v) => [v, {}])),
    WorkingDir: p.strings.workdir ?? '',
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: labels(p.lists.label),
    ExposedPorts: Object.keys(ports.exposed).length ? ports.exposed : undefined,
    StopSignal: p.strings['stop-signal'],
    StopTimeout: p.ints['stop-timeout'],
    Healthcheck: healthcheck(p),
    HostConfig: {
      Binds: binds.length ? binds : null,
      ...(mounts.length ? { Mounts: mounts } : {}),
      ...(p.lists['volumes-from']?.length ? { VolumesFrom: p.lists['volumes-from'] } : {}),
      NetworkMode: p.strings.network ?? 'default',
      PortBindings: ports.bindings,
      PublishAllPorts: !!p.bools['publish-all'],
      Dns: p.lists.dns ?? [],
      DnsSearch: p.lists['dns-search'] ?? [],
      DnsOptions: p.lists['dns-option'] ?? [],
      ExtraHosts: p.lists['add-host']?.length ? p.lists['add-host'] : null,
      Sysctls: p.lists.sysctl?.length ? labels(p.lists.sysctl) : undefined,
      IpcMode: p.strings.ipc ?? '',
      PidMode: p.strings.pid ?? '',
      AutoRemove: !!p.bools.rm,
      ReadonlyRootfs: !!p.bools['read-only'],
      Init: p.bools.init ? true : null,
      Tmpfs: Object.keys(tmpfs).length ? tmpfs : undefined,
      Ulimits: ulimits(p.lists.ulimit),
      ConsoleSize: tty && rows && cols ? [rows, cols] : [0, 0],
      RestartPolicy: restartPolicy(p.strings.restart),
      LogConfig: logConfig(p.strings['log-driver'], p.lists['log-opt']),
      CapAdd: p.lists['cap-add']?.length ? p.lists['cap-add'] : null,
      CapDrop: p.lists['cap-drop']?.length ? p.lists['cap-drop'] : null,
      Privileged: !!p.bools.privileged,
      SecurityOpt: await securityOpts(p.lists['security-opt']),
      Devices: (p.lists.device ?? []).map(parseDevice),
      DeviceCgroupRules: p.lists['device-cgroup-rule']?.length ? p.lists['device-cgroup-rule'] : null,
      ...resourcesFromFlags(p),
      ...(p.bools['oom-kill-disable'] ? { OomKillDisable: true } : {}),
      ...(p.strings['shm-size'] !== undefined ? { ShmSize: parseRamSize('shm-size', p.strings['shm-size']) } : {}),
      ...(p.strings['cgroup-parent'] ? { CgroupParent: p.strings['cgroup-parent'] } : {}),
    },
    NetworkingConfig: { EndpointsConfig: endpointsConfig(p) },
  };
}

/** The familiar form the CLI prints when it pulls: "busybox:latest". */
/** `--mount type=volume|bind|tmpfs,src=,dst=[,readonly][,volume-nocopy][,volume-label=K=V][,tmpfs-size=]`. */
export function parseMount(spec: string): Record<string, unknown> {
  const m: Record<string, unknown> = { Type: 'volume' };
  const vol: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  for (const field of spec.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? '' : field.slice(eq + 1);
    const flag = eq < 0 || value === 'true' || value === '1';
    switch (key) {
      case 'type': m.Type = value; break;
      case 'source': case 'src': m.Source = value; break;
      case 'target': case 'destination': case 'dst': m.Target = value; break;
      case 'readonly': case 'ro': m.ReadOnly = flag; break;
      case 'volume-nocopy': vol.NoCopy = flag; break;
      case 'volume-label': { const i = value.indexOf('='); labels[i < 0 ? value : value.slice(0, i)] = i < 0 ? '' : value.slice(i + 1); break; }
      case 'tmpfs-size': m.TmpfsOptions = { ...(m.TmpfsOptions as object), SizeBytes: Number(value) }; break;
      case 'tmpfs-mode': m.TmpfsOptions = { ...(m.TmpfsOptions as object), Mode: parseInt(value, 8) }; break;
      default: throw new CliError(`invalid argument "${spec}" for "--mount" flag: unexpected key '${key}' in '${field}'`);
    }
  }
  if (Object.keys(labels).length) vol.Labels = labels;
  if (Object.keys(vol).length) m.VolumeOptions = vol;
  return m;
}

/** Only a missing image needs these (pull with credentials, progress): loaded then, not at start. */
const authConfig = (): typeof AuthConfig => require('../auth-config') as typeof AuthConfig;
const progress = (): typeof Progress => require('../progress') as typeof Progress;

function withTag(image: string): string {
  if (image.includes('@')) return image;
  return image.lastIndexOf(':') > image.lastIndexOf('/') ? image : `${image}:latest`;
}

async function pullImage(client: DaemonClient, image: string, quiet: boolean): Promise<void> {
  const renderer = new (progress().ProgressRenderer)(process.stderr);
  try {
    await client.stream('/images/create', { method: 'POST', query: { fromImage: withTag(image) }, headers: { 'X-Registry-Auth': authConfig().registryAuthHeader(image) } }, (m) => {
      if (!quiet) renderer.render(m);
    });
  } finally {
    if (!quiet) renderer.finish();
  }
}

/** POST /containers/create; on "No such image" pulls and retries, as `docker run` does. */
export async function createContainer(client: DaemonClient, body: Record<string, unknown>, name: string | undefined, quiet = false): Promise<string> {
  const send = () => client.json<{ Id: string; Warnings?: string[] }>('/containers/create', { method: 'POST', query: { name }, body });
  let res;
  try {
    res = await send();
  } catch (err) {
    if (!(err instanceof CliError) || err.status !== 404 || !/No such image/.test(err.message)) throw err;
    const image = String(body.Image);
    process.stderr.write(`Unable to find image '${withTag(image)}' locally\n`);
    await pullImage(client, image, quiet);
    res = await send();
  }
  for (const w of res.Warnings ?? []) process.stderr.write(`WARNING: ${w}\n`);
  return res.Id;
}

export const CREATE_USAGE = `Usage:  berth create [OPTIONS] IMAGE [COMMAND] [ARG...]

Create a new container

Options:
      --add-host list       Add a custom host-to-IP mapping (host:ip, host:host-gateway)
      --cap-add list        Add Linux capabilities (NET_ADMIN, CAP_SYS_PTRACE, ALL)
      --cap-drop list       Drop Linux capabilities
      --device list         Add a host device to the container (HOST[:CONTAINER][:PERMS])
      --device-cgroup-rule list  Add a rule to the cgroup allowed devices list ('c 1:3 rwm')
      --dns list            Set custom DNS servers
      --dns-option list     Set DNS options
      --dns-search list     Set custom DNS search domains
      --entrypoint string   Overwrite the default ENTRYPOINT of the image
  -e, --env list            Set environment variables
      --env-file list       Read in a file of environment variables
      --expose list         Expose a port or a range of ports
      --health-cmd string   Command to run to check health
      --health-interval duration  Time between running the check (ms|s|m|h) (default 30s)
      --health-retries int  Consecutive failures needed to report unhealthy
      --health-start-period duration  Start period for the container to initialize before counting retries
      --health-timeout duration  Maximum time to allow one check to run (default 30s)
  -h, --hostname string     Container host name
      --init                Run an init inside the container that forwards signals and reaps processes
  -i, --interactive         Keep STDIN open even if not attached
      --ip string           IPv4 address (e.g., 172.30.100.104)
      --ipc string          IPC mode to use (host, private, shareable, container:NAME)
  -l, --label list          Set meta data on a container
      --log-driver string   Logging driver for the container (json-file, local, none)
      --log-opt list        Log driver options (max-size=10m, max-file=3)
      --mac-address string  Container MAC address (e.g., 92:d0:c6:0a:29:33)
      --name string         Assign a name to the container
      --network string      Connect a container to a network (bridge, host, none, NAME, container:NAME)
      --network-alias list  Add network-scoped alias for the container
      --no-healthcheck      Disable any container-specified HEALTHCHECK
      --pid string          PID namespace to use (host, container:NAME)
      --privileged          Give extended privileges to this container
  -p, --publish list        Publish a container's port(s) to the host
  -P, --publish-all         Publish all exposed ports to random ports
      --read-only           Mount the container's root filesystem as read only
      --restart string      Restart policy when the container exits (no, on-failure[:N], always, unless-stopped)
      --rm                  Automatically remove the container when it exits
      --security-opt list   Security options (seccomp=unconfined|PROFILE.json, no-new-privileges)
      --sysctl map          Sysctl options
      --tmpfs list          Mount a tmpfs directory
      --ulimit ulimit       Ulimit options (name=soft[:hard])
      --oom-kill-disable    Disable OOM Killer
      --shm-size bytes      Size of /dev/shm
      --cgroup-parent string  Optional parent cgroup for the container
${RESOURCE_HELP}  -t, --tty                 Allocate a pseudo-TTY
  -u, --user string         Username or UID (format: <name|uid>[:<group|gid>])
  -v, --volume list         Bind mount a volume (HOST:CONTAINER[:ro], NAME:CONTAINER[:ro], or CONTAINER for an anonymous one)
      --mount mount         Attach a filesystem mount (type=volume|bind|tmpfs,src=,dst=[,readonly][,volume-nocopy])
      --volumes-from list   Mount volumes from the specified container(s)
  -w, --workdir string      Working directory inside the container
`;

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseContainerFlags(argv, {});
  if (p.help) {
    process.stdout.write(CREATE_USAGE);
    return;
  }
  requireArgs('berth create', p.args, 1, Infinity, 'berth create --help');
  const id = await createContainer(client, await createBody(p, p.args), p.strings.name, !!p.bools.quiet);
  process.stdout.write(`${id}\n`);
}
