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
  backend: {
    list(filters: string | undefined): Record<string, unknown>[];
    inspect(ref: string): Record<string, unknown>;
    create(body: unknown): Promise<{ Id: string; Warning: string }>;
    remove(ref: string): Promise<void>;
    prune(filters: string | undefined): Promise<{ NetworksDeleted: string[] }>;
    connect(ref: string, body: unknown): Promise<void>;
    disconnect(ref: string, body: unknown): Promise<void>;
  };
}

export async function createNetworking(roots: { dataRoot: string; execRoot: string }, cfg: NetworkSettingsConfig, lookup: ContainerLookup, run: RunTool = runTool): Promise<Networking> {
  const service = new NetworkService(new NetworkStore(path.join(roots.dataRoot, 'networks')), cfg);
  await service.init();
  const bins = findNetavark();
  if (!bins) log.warn('netavark/aardvark-dns not found: containers on bridge networks cannot start (apt install netavark aardvark-dns)');
  const netavark = bins ? new Netavark(run, bins, path.join(roots.execRoot, 'netavark')) : undefined;
  const netnsDir = path.join(roots.execRoot, 'netns');
  const containers = new ContainerNetworks(service, netavark, new NetnsDir(netnsDir, run), new SandboxFiles(netnsDir), lookup, run);

  const endpointsOf = (netName: string, netId: string): EndpointView[] => {
    const out: EndpointView[] = [];
    for (const id of service.endpointsOn(netId)) {
      const c: ContainerLike | undefined = lookup.find(id);
      const ep = c?.NetworkSettings?.Networks[netName];
      if (c && ep) out.push({ id: c.Id, name: c.Name.replace(/^\//, ''), endpoint: ep });
    }
    return out;
  };
  const backend: Networking['backend'] = {
    list(filters) {
      const f = parseNetworkFilters(filters);
      return service.all()
        .filter((n) => matchesNetwork(n, f, service.endpointsOn(n.Id).length > 0))
        .map((n) => networkView(n, undefined));
    },
    inspect(ref) {
      const n = service.get(ref);
      return networkView(n, endpointsOf(n.Name, n.Id));
    },
    create: (body) => service.create(body),
    remove: (ref) => service.remove(ref),
    async prune(filters) {
      const f = parseNetworkFilters(filters, new Set(['until', 'label', 'label!']));
      return { NetworksDeleted: await service.prune((n) => !matchesNetwork(n, f, false)) };
    },
    connect: (ref, body) => containers.connect(ref, body),
    disconnect: (ref, body) => containers.disconnect(ref, body),
  };
  return { service, containers, backend };
}
