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

export interface Networking {
  service: NetworkService;
  containers: ContainerNetworks;
  backend: NetworkBackend;
}

/** What the /networks router needs (its NetworksBackend); the router declares it, compose.ts checks the fit. */
export type NetworkBackend = ReturnType<typeof networkBackend>;

export async function createNetworking(roots: { dataRoot: string; execRoot: string }, cfg: NetworkSettingsConfig, lookup: ContainerLookup, run: RunTool = runTool): Promise<Networking> {
  const service = new NetworkService(new NetworkStore(path.join(roots.dataRoot, 'networks')), cfg);
  await service.init();
  const bins = findNetavark();
  if (!bins) log.warn('netavark/aardvark-dns not found: containers on bridge networks cannot start (apt install netavark aardvark-dns)');
  const netavark = bins ? new Netavark(run, bins, path.join(roots.execRoot, 'netavark')) : undefined;
  const netnsDir = path.join(roots.execRoot, 'netns');
  const containers = new ContainerNetworks(service, netavark, new NetnsDir(netnsDir, run), new SandboxFiles(netnsDir), lookup, run);

  return { service, containers, backend: networkBackend(service, containers, lookup) };
}

/** The /networks API over the service: views, filters, connect/disconnect through the containers' attachment. */
function networkBackend(service: NetworkService, containers: ContainerNetworks, lookup: ContainerLookup) {
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
    create: (body: unknown) => service.create(body),
    remove: (ref: string) => service.remove(ref),
    async prune(filters: string | undefined): Promise<{ NetworksDeleted: string[] }> {
      const f = parseNetworkFilters(filters, new Set(['until', 'label', 'label!']));
      return { NetworksDeleted: await service.prune((n) => !matchesNetwork(n, f, false)) };
    },
    connect: (ref: string, body: unknown) => containers.connect(ref, body),
    disconnect: (ref: string, body: unknown) => containers.disconnect(ref, body),
  };
}
