/**
 * The composition root: opens the stores, builds every service over them in dependency order
 * (images → pull/push/build → containers → exec → queries), recovers the containers, and
 * hands main.ts the routers that expose them. Every dependency goes in through a constructor;
 * nothing is wired in afterwards. Only main.ts imports this module, and nothing imports main.
 */
import type { Router } from 'express';
import type { Config } from './config';
import type { UpgradeRoute } from './api/upgrade';
import { openStores, type Stores } from './store/stores';
import { systemRouter } from './api/system';
import { eventsRouter } from './api/events';
import { networksVolumesRouter } from './api/networks-volumes';
import { imagesRouter } from './api/images';
import { infoRouter } from './api/info';
import { ImagesService } from './images/service';
import { EventBus } from './events';
import { Registries } from './registry';
import { PullService } from './images/pull';
import { imagesPullRouter } from './api/images-pull';
import { BuildService } from './build/service';
import { pullForBuild } from './build/pull-adapter';
import { buildRouter } from './api/build';
import { runStepWithContainers } from './build/run-containers';
import { readLogs } from './containers/logs';
import { ArchiveService } from './images/archive-service';
import { imagesArchiveRouter } from './api/images-archive';
import { commitContainer } from './images/commit';
import { commitAccess } from './images/commit-containers';
import { commitRouter } from './api/commit';
import { PushService } from './images/push';
import { imagesPushRouter } from './api/images-push';
import { AuthService } from './images/auth';
import { authRouter } from './api/auth';
import { createRuntime } from './runtime';
import { ContainerStore } from './containers/record';
import { ContainerNameIndex } from './containers/name-index';
import { imageUsersOf } from './containers/image-users';
import { ContainerService } from './containers/service';
import { createNetworking } from './networks';
import { networksRouter } from './api/networks';
import { ContainerQueries } from './containers/queries';
import { ExecService } from './exec/service';
import { containersRouter } from './api/containers';
import { containersResourcesRouter } from './api/containers-resources';
import { ContainerResourceOps } from './containers/resource-ops';
import { attachUpgradeRoute } from './api/containers-attach';
import { execRouter, execStartUpgradeRoute } from './api/exec';
import { StorePaths } from './store/paths';
import { LayerIndexes } from './layers/layer-indexes';
import { syncFilesystem } from './layers/fs-calls';
import { ExploreService } from './images/explore';
import { exploreRouter } from './api/explore';
import { StoreChecker } from './store/check';
import { LayerChecker } from './layers/check-layer';
import { HostCheckProbe } from './runtime/check-probe';
import { createVolumeMounter } from './runtime/volume-mount';
import { checkRouter } from './api/check';
import { VolumeStore } from './store/volumes';
import { VolumeService } from './volumes/service';
import { volumesRouter } from './api/volumes';
import { ContainerArchives } from './containers/archive';
import { containersArchiveRouter } from './api/containers-archive';

export interface Daemon {
  stores: Stores;
  /** In mount order: the first router that answers a request wins. */
  routers: Router[];
  upgrades: UpgradeRoute[];
  /** Called on SIGTERM before the process exits. */
  shutdown(): Promise<void>;
}

export async function composeDaemon(config: Config): Promise<Daemon> {
  // Every layer gets its file index recorded as it is stored (image explore, system check),
  // and its files synced to disk before it is recorded.
  const indexes = new LayerIndexes((chainId) => new StorePaths(config.dataRoot, config.execRoot).layerDir(chainId));
  const stores = await openStores(config, { layerHooks: { seal: (dir, hint) => indexes.record(dir, hint), sync: syncFilesystem } });
  const events = new EventBus();
  const registries = new Registries(config);

  // The containers' name index comes first: the images service asks it which images and
  // layers containers use (rmi conflicts, GC), before the containers service exists.
  const names = new ContainerNameIndex();
  const images = new ImagesService(stores, { events, registries, users: imageUsersOf(names) });
  const pulls = new PullService(stores, registries, events, config);
  const pushes = new PushService(stores, registries, events, config);
  const archives = new ArchiveService(stores, events, (d) => images.gc.hold(d));

  // Containers: recovery (re-attach running containers, record the exits of those that
  // ended, unmount leftovers) happens before anything listens.
  const runtime = createRuntime({ paths: stores.paths, helperPath: config.helperPath });
  const containerStore = new ContainerStore(stores.paths);
  // Networks (default bridge, user networks, ports, DNS) attach to containers at start; they
  // look containers up by name and change records under the containers' own locks.
  const networking = await createNetworking(config, { bridgeName: config.bridge, bip: config.bip, pools: config.defaultAddressPools }, {
    find: (ref) => names.find(ref),
    etcPaths: (id) => containerStore.pathsOf(id),
    update: (id, fn) => containers.updateRecord(id, fn),
  }, undefined, (action, id, attributes) => events.emit('network', action, id, attributes));
  // Volumes ask the containers which of them use a volume (rm, prune, dangling): by then
  // `containers` exists; nothing asks before the daemon listens.
  const volumes: VolumeService = new VolumeService(new VolumeStore(stores.paths), (name): string[] => containers.usersOfVolume(name), events, createVolumeMounter());
  await volumes.init();
  const containers = new ContainerService(stores, containerStore, runtime, events, {
    names,
    releaseLayers: (chainIds) => images.releaseLayers(chainIds),
    defaultUlimits: () => Object.values(config.defaultUlimits),
    networking: networking.containers,
    defaultLogConfig: () => ({ Type: config.logDriver, Config: { ...config.logOpts } }),
    volumes,
    cgroupParent: config.cgroupParent,
  });
  await containers.recover();
  await runtime.reconcile?.();
  const execs = new ExecService(containers);
  const queries = new ContainerQueries(containers, { execIdsOf: (id) => execs.idsOf(id) });

  // Build's RUN steps and commit use the containers service.
  const builds = new BuildService(stores, { pull: pullForBuild(pulls), runStep: runStepWithContainers(containers, readLogs) });
  const commitFrom = commitAccess(containers);

  const routers: Router[] = [
    systemRouter(),
    imagesRouter(images),
    infoRouter(config, images, () => queries.containersView(), () => volumes.diskUsage()),
    eventsRouter(events),
    networksVolumesRouter(),
    volumesRouter({
      list: (f) => volumes.list(f), create: (b) => volumes.create(b), inspect: (n) => volumes.inspect(n),
      remove: (n, force) => volumes.remove(n, force), prune: (f) => volumes.prune(f),
    }),
    networksRouter(networking.backend),
    imagesPullRouter(pulls),
    imagesPushRouter(pushes),
    authRouter(new AuthService(registries)),
    // After the pull router: /images/create?fromSrc= (import) falls through from it.
    buildRouter(builds),
    imagesArchiveRouter(archives),
    containersRouter(containers, queries),
    containersArchiveRouter(new ContainerArchives(containers, stores.paths.tmp)),
    containersResourcesRouter(new ContainerResourceOps(containers)),
    execRouter(execs),
    commitRouter({ commit: (ref, opts) => commitContainer(stores, commitFrom, ref, opts) }),
  ];
  // berth's own extensions of the API (documented in the README).
  routers.push(exploreRouter(new ExploreService(stores, indexes)));
  routers.push(checkRouter(new StoreChecker(stores, images.gc, new LayerChecker(stores, indexes), new HostCheckProbe(stores.paths))));
  const upgrades: UpgradeRoute[] = [attachUpgradeRoute(containers), execStartUpgradeRoute(execs)];
  return { stores, routers, upgrades, shutdown: async () => {} };
}
