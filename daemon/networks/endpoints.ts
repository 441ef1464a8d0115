/**
 * Containers on networks: the checks at create (unknown network, bad -p, ports with host
 * networking...), the attachment before each start (namespace, addresses, ports, netavark
 * setup: all or nothing), the teardown at exit or removal, connect/disconnect of running and
 * stopped containers, and recovery at daemon start. Implements containers/networking.ts
 * structurally (networks/ never imports containers/).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { conflict, describe, invalid, notFound, systemError } from '../errors';
import { log } from '../log';
import { contains, parseCidr, parseIp } from './cidr';
import type { Attachment, Netavark } from './netavark';
import type { NetnsDir } from './netns';
import { PortAllocator, portRequests, portsView } from './ports';
import { ContainerNetworkState, emptyEndpoint, EndpointSettings, NetworkRecord } from './record';
import type { Sandbox, SandboxFiles } from './sandbox';
import { forbidden, NetworkService } from './service';
import { checkSysctls } from './sysctls';
import { runTool, type RunTool } from './exec';

/** The parts of a container record networking reads and writes. */
export interface ContainerLike {
  Id: string;
  Name: string;
  HostConfig: { NetworkMode?: string; PortBindings?: unknown; PublishAllPorts?: unknown; [k: string]: unknown };
  Config: { ExposedPorts?: unknown; Hostname?: string; MacAddress?: string };
  NetworkSettings?: ContainerNetworkState;
  State: { Running: boolean; Pid: number };
}

export interface ContainerLookup {
  find(ref: string): ContainerLike | undefined;
  etcPaths(id: string): { hosts: string; hostname: string; resolvConf: string };
  /** Runs fn under the container's lifecycle lock and saves the record after. */
  update(id: string, fn: (c: ContainerLike) => Promise<void>): Promise<void>;
}

interface EndpointRequest {
  Aliases?: unknown;
  IPAMConfig?: { IPv4Address?: unknown } | null;
  MacAddress?: unknown;
}

const shortName = (c: ContainerLike) => c.Name.replace(/^\//, '');

export class ContainerNetworks {
  constructor(
    private readonly svc: NetworkService,
    private readonly netavark: Netavark | undefined,
    private readonly netns: NetnsDir,
    private readonly files: SandboxFiles,
    private readonly lookup: ContainerLookup,
    private readonly run: RunTool = runTool,
    readonly ports = new PortAllocator(),
  ) {}

  /**
   * Told when a live endpoint joins or leaves a network (start, exit, connect and disconnect
   * of a running container): Docker's network connect/disconnect events. Set by index.ts.
   */
  endpointEvents: (action: 'connect' | 'disconnect', network: { id: string; name: string }, containerId: string) => void = () => undefined;

  // ---- create ----

  prepare(req: { id: string; name: string; hostConfig: ContainerLike['HostConfig']; networkingConfig: unknown; exposedPorts: unknown }): ContainerNetworkState {
    const hc = req.hostConfig;
    const mode = hc.NetworkMode || 'default';
    const ports = portRequests(hc.PortBindings, req.exposedPorts, hc.PublishAllPorts === true);
    const publishes = ports.length > 0;
    checkSysctls(hc.Sysctls, mode);
    const state: ContainerNetworkState = { Networks: {}, Ports: {}, SandboxKey: '' };
    const eps = endpointsConfig(req.networkingConfig);
    if (mode === 'host' || mode === 'none') {
      // dockerd keeps PortBindings of a --network none container and publishes nothing (create
      // warns, warnings.ts): cri-dockerd sends the pod's host ports on its network-none sandbox
      // and a CNI portmap plugin publishes them.
      if (publishes && mode === 'host') throw invalid('published ports (-p/-P) cannot be used with --network host: the container uses the host\'s ports directly');
      state.Networks[mode] = emptyEndpoint(this.svc.get(mode).Id);
      return state;
    }
    if (mode.startsWith('container:')) {
      const ref = mode.slice('container:'.length);
      if (publishes) throw invalid('conflicting options: port publishing and the container type network mode');
      if (!this.lookup.find(ref)) throw notFound(`No such container: ${ref}`);
      return state;
    }
    const primary = mode === 'default' ? 'bridge' : mode;
    const wanted = new Map<string, EndpointRequest>([[primary, eps[primary] ?? {}]]);
    for (const [k, v] of Object.entries(eps)) if (!wanted.has(k)) wanted.set(k, v);
    for (const [name, ep] of wanted) {
      const n = this.svc.find(name);
      if (!n) throw notFound(`network ${name} not found`);
      if (n.Driver !== 'bridge') throw invalid(`container cannot be connected to network ${n.Name} and to other networks at the same time`);
      state.Networks[n.Name] = this.endpointFor(n, ep);
    }
    return state;
  }

  private endpointFor(n: NetworkRecord, ep: EndpointRequest): EndpointSettings {
    const e = emptyEndpoint(n.Id);
    const aliases = ep.Aliases;
    if (aliases !== undefined && aliases !== null && (!Array.isArray(aliases) || !aliases.every((a) => typeof a === 'string'))) throw invalid('invalid Aliases: expected a list of strings');
    const list = (aliases as string[] | null | undefined) ?? [];
    if (list.length && !n.DnsEnabled) throw invalid('network-scoped alias is supported only for containers in user defined networks');
    e.Aliases = list.length ? [...list] : null;
    const ipv4 = ep.IPAMConfig?.IPv4Address;
    if (ipv4 !== undefined && ipv4 !== null && ipv4 !== '') {
      if (typeof ipv4 !== 'string' || parseIp(ipv4) === undefined) throw invalid(`invalid IPv4 address: ${String(ipv4)}`);
      if (n.Name === 'bridge') throw invalid('user specified IP address is supported on user defined networks only');
      const c = n.IPAM.Config[0];
      if (!c || !contains(parseCidr(c.Subnet), parseIp(ipv4) as number)) throw invalid(`invalid IP address ${ipv4}: it is not in the subnet of network ${n.Name} (${c?.Subnet ?? 'none'})`);
      e.IPAMConfig = { IPv4Address: ipv4 };
    }
    if (ep.MacAddress !== undefined && ep.MacAddress !== '' && ep.MacAddress !== null) {
      if (typeof ep.MacAddress !== 'string' || !/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(ep.MacAddress)) throw invalid(`invalid MAC address: ${String(ep.MacAddress)}`);
      e.MacAddress = ep.MacAddress.toLowerCase();
    }
    return e;
  }

  // ---- start / exit ----

  /**
   * Everything the start needs to know comes back at once (addresses are berth's own IPAM);
   * on bridge networks the namespace and netavark's setup go on in `pending`, so they overlap
   * the rest of the start (rootfs, cgroups, the helper, which holds the container's process
   * until `ready`). A failure there undoes the whole attachment before `pending` rejects.
   */
  async attach(c: ContainerLike): Promise<{ mode: 'host' | 'none' | 'private'; netns?: string; ipAddress?: string; gateway?: string; nameservers?: string[]; shareFrom?: { hosts: string; hostname: string; resolvConf: string; hostnameValue: string }; pending?: { created: Promise<void>; ready: Promise<void> } }> {
    const mode = c.HostConfig.NetworkMode || 'default';
    if (mode === 'host' || mode === 'none') return { mode };
    const state = c.NetworkSettings ?? (c.NetworkSettings = { Networks: {}, Ports: {}, SandboxKey: '' });
    if (mode.startsWith('container:')) {
      const ref = mode.slice('container:'.length);
      const other = this.lookup.find(ref);
      if (!other || !other.State.Running || !other.State.Pid) throw conflict(`cannot join network of a non running container: ${ref}`);
      const netns = other.NetworkSettings?.SandboxKey || `/proc/${other.State.Pid}/ns/net`;
      state.SandboxKey = netns;
      const etc = this.lookup.etcPaths(other.Id);
      // etcPaths may be a class with getters: copy the fields, a spread would drop them.
      return { mode: 'private', netns, shareFrom: { hosts: etc.hosts, hostname: etc.hostname, resolvConf: etc.resolvConf, hostnameValue: other.Config.Hostname || other.Id.slice(0, 12) } };
    }
    if (!this.netavark) throw systemError('bridge networking needs netavark and aardvark-dns (Debian packages netavark, aardvark-dns): install them, or run with --network none or host');
    const names = Object.keys(state.Networks);
    if (names.length === 0) state.Networks.bridge = emptyEndpoint(this.svc.get('bridge').Id);
    const nets = Object.keys(state.Networks).map((name) => {
      const n = this.svc.find(name);
      if (!n) throw notFound(`network ${name} not found`);
      return n;
    });
    const pending: Array<[string, string]> = [];
    let sb: Sandbox | undefined;
    try {
      const attachments: Attachment[] = nets.map((n, i) => {
        const ep = state.Networks[n.Name] as EndpointSettings;
        const ip = this.svc.allocateIp(n, ep.IPAMConfig?.IPv4Address);
        pending.push([n.Id, ip]);
        const mac = ep.MacAddress || (i === 0 ? c.Config.MacAddress : undefined) || undefined;
        return { network: this.svc.bridgeOf(n), ip, ifname: `eth${i}`, aliases: n.DnsEnabled ? dnsNames(c, ep) : [], ...(mac ? { mac } : {}) };
      });
      const reqs = portRequests(c.HostConfig.PortBindings, c.Config.ExposedPorts, c.HostConfig.PublishAllPorts === true);
      const mappings = await this.ports.allocate(c.Id, reqs);
      sb = { containerId: c.Id, netns: this.netns.pathOf(c.Id), input: { containerId: c.Id, containerName: shortName(c), ports: mappings, attachments } };
      await this.files.save(sb); // first: whatever happens next can be undone from it
      this.svc.live.set(c.Id, sb);
      for (const [netId, ip] of pending) this.svc.releaseIp(netId, ip);
      pending.length = 0;
    } catch (err) {
      for (const [netId, ip] of pending) this.svc.releaseIp(netId, ip);
      if (sb) await this.undo(sb, false);
      this.ports.release(c.Id);
      throw err;
    }
    const saved: Sandbox = sb;
    const t0 = performance.now();
    const created = this.netns.create(c.Id).then(() => undefined);
    const ready = (async () => {
      let setupTried = false;
      try {
        await created;
        const t1 = performance.now();
        setupTried = true;
        const { macs } = await (this.netavark as Netavark).setup(saved.netns, saved.input);
        log.debug('network attached', { id: c.Id, netnsMs: Math.round(t1 - t0), setupMs: Math.round(performance.now() - t1) });
        if (nets.some((n) => n.Name === 'bridge')) await this.keepDefaultBridge();
        for (const a of saved.input.attachments) {
          const ep = state.Networks[a.network.name] as EndpointSettings;
          Object.assign(ep, {
            NetworkID: a.network.id, EndpointID: randomBytes(32).toString('hex'), Gateway: a.network.gateway, IPAddress: a.ip,
            IPPrefixLen: parseCidr(a.network.subnet).prefix, MacAddress: macs[a.network.name] ?? a.mac ?? '',
            DNSNames: a.network.dns ? [shortName(c), ...a.aliases] : null,
          });
        }
        state.Ports = portsView(saved.input.ports, c.Config.ExposedPorts, c.HostConfig.PortBindings);
        state.SandboxKey = saved.netns;
        for (const a of saved.input.attachments) this.endpointEvents('connect', a.network, c.Id);
      } catch (err) {
        await this.undo(saved, setupTried);
        throw err;
      }
    })();
    // handled here (a start that fails before awaiting them must not crash the daemon); the
    // start's own awaits still see the rejection
    created.catch(() => undefined);
    ready.catch(() => undefined);
    const first = saved.input.attachments[0] as Attachment;
    const dns = saved.input.attachments.filter((a) => a.network.dns).map((a) => a.network.gateway);
    return { mode: 'private', netns: saved.netns, ipAddress: first.ip, gateway: first.network.gateway, ...(dns.length ? { nameservers: dns } : {}), pending: { created, ready } };
  }

  private keeping?: Promise<void>;

  /**
   * The default bridge stays, as dockerd's docker0 does: a link enslaved to it keeps
   * netavark from deleting the bridge and its chains with the last container, so a later start
   * or stop does not pay for making and removing them (about 250 ms per `run --rm`). Made once
   * after the first setup; test support removes it with the bridge.
   */
  private keepDefaultBridge(): Promise<void> {
    const bridge = this.svc.get('bridge').BridgeName;
    const keeper = keeperName(bridge);
    if (existsSync(`/sys/class/net/${keeper}`)) return Promise.resolve();
    this.keeping ??= (async () => {
      // A veth pair (not a dummy: kernels without the dummy driver exist), one end on the
      // bridge, the other down on the host; deleting either end deletes both.
      await this.run('ip', ['link', 'add', keeper, 'type', 'veth', 'peer', 'name', `${keeper.slice(0, -1)}q`]);
      const r = await this.run('ip', ['link', 'set', keeper, 'master', bridge, 'up']);
      if (r.code !== 0) log.warn('keeping the default bridge failed', { bridge, error: r.stderr.trim() });
    })().finally(() => (this.keeping = undefined));
    return this.keeping;
  }

  /** Tears a sandbox down completely; failures are logged (a later recovery retries). */
  private async undo(sb: Sandbox, teardown = true): Promise<void> {
    const t0 = performance.now();
    if (teardown && this.netavark) {
      await this.netavark.teardown(sb.netns, sb.input).catch((err) => log.warn('network teardown failed', { id: sb.containerId, error: describe(err) }));
    }
    const t1 = performance.now();
    await this.netns.remove(sb.containerId).catch((err) => log.warn('removing a network namespace failed', { id: sb.containerId, error: describe(err) }));
    log.debug('network detached', { id: sb.containerId, teardownMs: Math.round(t1 - t0), netnsMs: Math.round(performance.now() - t1) });
    await this.files.remove(sb.containerId);
    this.svc.live.delete(sb.containerId);
    this.ports.release(sb.containerId);
  }

  async detach(c: ContainerLike): Promise<void> {
    const sb = this.svc.live.get(c.Id);
    if (sb) {
      const left = [...sb.input.attachments];
      await this.undo(sb);
      for (const a of left) this.endpointEvents('disconnect', a.network, c.Id);
    }
    const state = c.NetworkSettings;
    if (!state) return;
    for (const ep of Object.values(state.Networks)) {
      Object.assign(ep, { EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, DNSNames: null });
      if (!ep.IPAMConfig?.IPv4Address && ep.MacAddress && !ep.IPAMConfig) ep.MacAddress = '';
    }
    state.Ports = {};
    state.SandboxKey = '';
  }

  async recover(all: readonly ContainerLike[], running: (id: string) => boolean): Promise<void> {
    const known = new Set(all.map((c) => c.Id));
    for (const sb of await this.files.loadAll()) {
      if (known.has(sb.containerId) && running(sb.containerId)) {
        this.svc.live.set(sb.containerId, sb);
        this.ports.adopt(sb.containerId, sb.input.ports);
        continue;
      }
      log.info('tearing down the network of a container that is gone', { id: sb.containerId });
      this.svc.live.set(sb.containerId, sb);
      await this.undo(sb);
      // dockerd releases a dead container's network at its start the same way, with its events
      for (const a of sb.input.attachments) this.endpointEvents('disconnect', a.network, sb.containerId);
    }
    for (const id of await this.netns.list()) {
      if (!this.svc.live.has(id)) await this.netns.remove(id).catch(() => undefined);
    }
  }

  // ---- connect / disconnect ----

  async connect(netRef: string, body: unknown): Promise<void> {
    const b = (body ?? {}) as { Container?: unknown; EndpointConfig?: EndpointRequest | null };
    if (typeof b.Container !== 'string' || !b.Container) throw invalid('Container must be set: which container should be connected?');
    const n = this.svc.get(netRef);
    const ref = b.Container;
    const lookup = this.lookup;
    const found = lookup.find(ref);
    if (!found) throw notFound(`No such container: ${ref}`);
    await lookup.update(found.Id, async (c) => {
      const mode = c.HostConfig.NetworkMode || 'default';
      if (n.Driver !== 'bridge' || mode === 'host' || mode === 'none' || mode.startsWith('container:')) {
        throw forbidden(`container cannot be disconnected from host network or connected to ${n.Driver === 'bridge' ? 'another' : n.Name} network (its network mode is ${mode})`);
      }
      const state = c.NetworkSettings ?? (c.NetworkSettings = { Networks: {}, Ports: {}, SandboxKey: '' });
      if (state.Networks[n.Name]) throw forbidden(`endpoint with name ${shortName(c)} already exists in network ${n.Name}`);
      const ep = this.endpointFor(n, b.EndpointConfig ?? {});
      const sb = this.svc.live.get(c.Id);
      if (c.State.Running && sb && this.netavark) {
        const ip = this.svc.allocateIp(n, ep.IPAMConfig?.IPv4Address);
        const a: Attachment = { network: this.svc.bridgeOf(n), ip, ifname: `eth${sb.input.attachments.length}`, aliases: n.DnsEnabled ? dnsNames(c, ep) : [] };
        if (ep.MacAddress) a.mac = ep.MacAddress;
        const one = { ...sb.input, ports: [], attachments: [a] };
        try {
          sb.input.attachments.push(a);
          await this.files.save(sb);
          const { macs } = await this.netavark.setup(sb.netns, one);
          Object.assign(ep, {
            EndpointID: randomBytes(32).toString('hex'), Gateway: a.network.gateway, IPAddress: ip, IPPrefixLen: parseCidr(a.network.subnet).prefix,
            MacAddress: macs[n.Name] ?? a.mac ?? '', DNSNames: n.DnsEnabled ? [shortName(c), ...a.aliases] : null,
          });
          if (n.DnsEnabled) await setNameserver(this.lookup.etcPaths(c.Id).resolvConf, a.network.gateway, true);
          this.endpointEvents('connect', a.network, c.Id);
        } catch (err) {
          sb.input.attachments = sb.input.attachments.filter((x) => x !== a);
          await this.files.save(sb).catch(() => undefined);
          await this.netavark.teardown(sb.netns, one).catch(() => undefined);
          throw err;
        } finally {
          this.svc.releaseIp(n.Id, ip);
        }
      }
      state.Networks[n.Name] = ep;
    });
  }

  async disconnect(netRef: string, body: unknown): Promise<void> {
    const b = (body ?? {}) as { Container?: unknown; Force?: unknown };
    if (typeof b.Container !== 'string' || !b.Container) throw invalid('Container must be set: which container should be disconnected?');
    const n = this.svc.get(netRef);
    const lookup = this.lookup;
    const found = lookup.find(b.Container);
    if (!found) throw notFound(`No such container: ${b.Container}`);
    await lookup.update(found.Id, async (c) => {
      const state = c.NetworkSettings;
      if (!state?.Networks[n.Name]) throw forbidden(`container ${c.Id} is not connected to network ${n.Name}`);
      if (n.Driver !== 'bridge') throw forbidden(`container cannot be disconnected from ${n.Name} network`);
      const sb = this.svc.live.get(c.Id);
      const a = sb?.input.attachments.find((x) => x.network.id === n.Id);
      if (sb && a && this.netavark) {
        // The published ports were set up with the first network: they go with it.
        const first = sb.input.attachments[0] === a;
        await this.netavark.teardown(sb.netns, { ...sb.input, ports: first ? sb.input.ports : [], attachments: [a] });
        sb.input.attachments = sb.input.attachments.filter((x) => x !== a);
        if (a.network.dns) await setNameserver(lookup.etcPaths(c.Id).resolvConf, a.network.gateway, false);
        if (first) {
          sb.input.ports = [];
          this.ports.release(c.Id);
          state.Ports = {};
        }
        await this.files.save(sb);
        this.endpointEvents('disconnect', a.network, c.Id);
      }
      delete state.Networks[n.Name];
    });
  }
}

/**
 * Adds (first) or removes a network's DNS server in a running container's resolv.conf. The
 * file is bind-mounted into the container, so it is rewritten in place (same inode), as
 * Docker rewrites it.
 */
async function setNameserver(file: string, server: string, on: boolean): Promise<void> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const lines = text.split('\n').filter((l) => l.trim() !== '' && l.trim() !== `nameserver ${server}`);
  const firstNs = lines.findIndex((l) => /^\s*nameserver\s/.test(l));
  if (on) lines.splice(firstNs < 0 ? lines.length : firstNs, 0, `nameserver ${server}`);
  await fs.writeFile(file, lines.join('\n') + '\n');
}

/** Names a container answers to on a network with DNS: its aliases and its short id. */
function dnsNames(c: ContainerLike, ep: EndpointSettings): string[] {
  return [...(ep.Aliases ?? []), c.Id.slice(0, 12)];
}

function endpointsConfig(nc: unknown): Record<string, EndpointRequest> {
  if (nc === undefined || nc === null) return {};
  if (typeof nc !== 'object' || Array.isArray(nc)) throw invalid('invalid NetworkingConfig: expected an object');
  const ec = (nc as { EndpointsConfig?: unknown }).EndpointsConfig;
  if (ec === undefined || ec === null) return {};
  if (typeof ec !== 'object' || Array.isArray(ec)) throw invalid('invalid NetworkingConfig.EndpointsConfig: expected an object');
  const out: Record<string, EndpointRequest> = {};
  for (const [k, v] of Object.entries(ec as Record<string, unknown>)) {
    if (v !== null && (typeof v !== 'object' || Array.isArray(v))) throw invalid(`invalid EndpointsConfig["${k}"]: expected an object`);
    // The docker CLI names the default network "default" (NetworkMode's value).
    out[k === 'default' ? 'bridge' : k] = (v ?? {}) as EndpointRequest;
  }
  return out;
}

/** The link that keeps a bridge: "<bridge>-kp" within IFNAMSIZ (its veth peer ends in -kq). */
export function keeperName(bridge: string): string {
  return `${bridge.slice(0, 12)}-kp`;
}
