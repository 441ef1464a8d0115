/**
 * The networking module as the composition root uses it: builds the network service, the
 * container attachment and the API backend over one daemon's roots and settings.
 *
 *   <data-root>/networks/<id>.json     network records
 *   <exec-root>/netns/<container id>   persistent network namespaces (+ .json: the setup input)
 *   <exec-root>/netavark/              netavark's config dir (aardvark-dns state, per daemon)
 */
import * as path from 'node:path';
import { ContainerNetworks, ContainerLike, ContainerLookup } from './endpoints';
import { runTool, RunTool } from './exec';
import { isolationTag, NetworkIsolation } from './isolation';
import { findNetavark, Netavark } from './netavark';
import { NetnsDir } from './netns';
import { NetworkStore } from './record';
import { SandboxFiles } from './sandbox';
import { NetworkService, NetworkSettingsConfig } from './service';
import { matchesNetwork, networkView, parseNetworkFilters, EndpointView } from './views';
import { log } from '../log';

export type { ContainerLike, ContainerLookup } from './endpoints';
export type { NetworkSettingsConfig } from './service';
export { DEFAULT_POOLS, parsePoolFlag, checkPool } from './pools';
export type { AddressPool } from './pools';
export { sysctlList } from './sysctls';

/**
 * Where network events go (the daemon's event bus, injected by the composition root so this
 * module never imports it): Docker's `network create|connect|disconnect|destroy`.
 */
export type NetworkEventSink = (action: 'create' | 'connect' | 'disconnect' | 'destroy', networkId: string, attributes: Record<string, string>) => void;

export interface Networking {
  service: NetworkService;
  containers: ContainerNetworks;
  backend: NetworkBackend;
}

/** What the /networks router needs (its NetworksBackend); the router declares it, compose.ts checks the fit. */
export type NetworkBackend = ReturnType<typeof networkBackend>;

export async function createNetworking(roots: { dataRoot: string; execRoot: string }, cfg: NetworkSettingsConfig, lookup: ContainerLookup, run: RunTool = runTool, events: NetworkEventSink = () => undefined): Promise<Networking> {
  const service = new NetworkService(new NetworkStore(path.join(roots.dataRoot, 'networks')), cfg);
  await service.init();
  const bins = findNetavark();
  if (!bins) log.warn('netavark/aardvark-dns not found: containers on bridge networks cannot start (apt install netavark aardvark-dns)');
  const netavark = bins ? new Netavark(run, bins, path.join(roots.execRoot, 'netavark')) : undefined;
  const netnsDir = path.join(roots.execRoot, 'netns');
  const containers = new ContainerNetworks(service, netavark, new NetnsDir(netnsDir, run), new SandboxFiles(netnsDir), lookup, run);
  // Without netavark no container joins a bridge: nothing to isolate.
  const isolation = netavark ? new NetworkIsolation(run, isolationTag(cfg.bridgeName)) : undefined;
  await isolation?.syncOrWarn(isolatedBridges(service));

  return { service, containers, backend: networkBackend(service, containers, lookup, events, isolation) };
}

const isolatedBridges = (service: NetworkService) =>
  service.all().filter((n) => n.Driver === 'bridge').map((n) => ({ bridge: n.BridgeName, internal: n.Internal }));

/** The /networks API over the service: views, filters, connect/disconnect through the containers' attachment. */
function networkBackend(service: NetworkService, containers: ContainerNetworks, lookup: ContainerLookup, events: NetworkEventSink, isolation: NetworkIsolation | undefined) {
  // Docker's attributes: the network's name and driver, plus the container for (dis)connect.
  const emit = (action: Parameters<NetworkEventSink>[0], id: string, name: string, container?: string) =>
    events(action, id, { name, type: 'bridge', ...(container ? { container } : {}) });
  // connect/disconnect are told by the attachment when a live endpoint comes or goes (as
  // dockerd: a stopped container connected to a network gets its event when it starts).
  containers.endpointEvents = (action, net, containerId) => emit(action, net.id, net.name, containerId);
  const endpointsOf = (netName: string, netId: string): EndpointView[] => {
    const out: EndpointView[] = [];
    for (const id of service.endpointsOn(netId)) {
      const c: ContainerLike | undefined = lookup.find(id);
      const ep = c?.NetworkSettings?.Networks[netName];
      if (c && ep) out.push({ id: c.Id, name: c.Name.replace(/^\//, ''), endpoint: ep });
    }
    return out;
  };
  return {
    list(filters: string | undefined): Record<string, unknown>[] {
      const f = parseNetworkFilters(filters);
      return service.all()
        .filter((n) => matchesNetwork(n, f, service.endpointsOn(n.Id).length > 0))
        .map((n) => networkView(n, undefined));
    },
    inspect(ref: string): Record<string, unknown> {
      const n = service.get(ref);
      return networkView(n, endpointsOf(n.Name, n.Id));
    },
    async create(body: unknown): Promise<{ Id: string; Warning: string }> {
      const r = await service.create(body);
      // A network that cannot be isolated from the others is not kept (never half set up).
      await isolation?.sync(isolatedBridges(service)).catch(async (err) => {
        await service.remove(r.Id);
        throw err;
      });
      emit('create', r.Id, service.get(r.Id).Name);
      return r;
    },
    async remove(ref: string): Promise<void> {
      const n = service.get(ref);
      await service.remove(ref);
      await isolation?.syncOrWarn(isolatedBridges(service));
      emit('destroy', n.Id, n.Name);
    },
    async prune(filters: string | undefined): Promise<{ NetworksDeleted: string[] }> {
      const f = parseNetworkFilters(filters, new Set(['until', 'label', 'label!']));
      const before = new Map(service.all().map((n) => [n.Name, n.Id]));
      const deleted = await service.prune((n) => !matchesNetwork(n, f, false));
      if (deleted.length) await isolation?.syncOrWarn(isolatedBridges(service));
      for (const name of deleted) emit('destroy', before.get(name) ?? '', name);
      return { NetworksDeleted: deleted };
    },
    connect: (ref: string, body: unknown) => containers.connect(ref, body),
    disconnect: (ref: string, body: unknown) => containers.disconnect(ref, body),
  };
}
