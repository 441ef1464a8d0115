/**
 * The composition of the daemon's stores and services: opened once by main.ts (and by tests
 * that want a real daemon in-process). Start-up recovery happens here, before anything listens.
 */
import type { Router } from 'express';
import type { Config } from './config';
import type { UpgradeRoute } from './api/upgrade';
import { StorePaths } from './store/paths';
import { ContentStore } from './store/content';
import { LayerStore } from './store/layers';
import { ImageStore } from './store/images';
import { ReferenceStore } from './store/references';
import { systemRouter } from './api/system';
import { eventsRouter } from './api/events';
import { networksVolumesRouter } from './api/networks-volumes';
import { imagesRouter } from './api/images';
import { infoRouter } from './api/info';
import { ImagesService } from './images/service';
import { EventBus } from './events';
import { ContainersView, NO_CONTAINERS } from './info';
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
import { ContainerService } from './containers/service';
import { ContainerQueries } from './containers/queries';
import { ExecService } from './exec/service';
import { containersRouter } from './api/containers';
import { attachUpgradeRoute } from './api/containers-attach';
import { execRouter, execStartUpgradeRoute } from './api/exec';

export interface Stores {
  paths: StorePaths;
  content: ContentStore;
  layers: LayerStore;
  images: ImageStore;
  refs: ReferenceStore;
}

export async function openStores(config: Pick<Config, 'dataRoot' | 'execRoot'>): Promise<Stores> {
  const paths = new StorePaths(config.dataRoot, config.execRoot);
  const stores: Stores = {
    paths,
    content: new ContentStore(paths),
    layers: new LayerStore(paths),
    images: new ImageStore(paths),
    refs: new ReferenceStore(paths),
  };
  const fs = await import('node:fs/promises');
  await fs.rm(paths.tmp, { recursive: true, force: true });
  await fs.mkdir(paths.tmp, { recursive: true });
  await stores.content.init();
  await stores.layers.init();
  await stores.images.init();
  await stores.refs.init();
  return stores;
}

export interface Daemon {
  stores: Stores;
  routers: Router[];
  upgrades: UpgradeRoute[];
  images: ImagesService;
  events: EventBus;
  containers?: ContainerService;
  /** Called on SIGTERM before the process exits. */
  shutdown(): Promise<void>;
}

/**
 * Builds every service over the stores and the API parts that expose them. Each capability
 * adds its service and router here.
 */
export async function buildDaemon(config: Config): Promise<Daemon> {
  const stores = await openStores(config);
  const routers: Router[] = [systemRouter()];
  const upgrades: UpgradeRoute[] = [];

  // Images: list/inspect/tag/rmi/history/prune/search, /info, /system/df. The containers
  // service, once built, calls images.setUsers(...) and sets views.containers.
  const events = new EventBus();
  const registries = new Registries(config.insecureRegistries);
  const images = new ImagesService(stores, { events, registries });
  const views: { containers: ContainersView } = { containers: NO_CONTAINERS };
  routers.push(imagesRouter(images), infoRouter(config, images, () => views.containers), eventsRouter(events), networksVolumesRouter());

  // Registry: pull (POST /images/create?fromImage=), push, login (POST /auth).
  const pulls = new PullService(stores, registries, events);
  routers.push(imagesPullRouter(pulls), imagesPushRouter(new PushService(stores, registries, events)), authRouter(new AuthService(registries)));

  // Build (POST /build); commit, save/load and import join here. Mounted after the pull
  // router: /images/create?fromSrc= (import) falls through from it.
  const builds = new BuildService(stores, { pull: pullForBuild(pulls) });
  routers.push(buildRouter(builds), imagesArchiveRouter(new ArchiveService(stores, events, (d) => images.gc.hold(d))));

  // Containers: lifecycle, attach/logs, exec. Recovery (re-attach running containers, record
  // the exits of those that ended, unmount leftovers) happens before anything listens.
  const runtime = createRuntime({ paths: stores.paths, helperPath: config.helperPath });
  const containers = new ContainerService(stores, new ContainerStore(stores.paths), runtime, events);
  await containers.recover();
  await runtime.reconcile?.();
  const containerQueries = new ContainerQueries(containers);
  const execs = new ExecService(containers);
  containerQueries.execIdsOf = (id) => execs.idsOf(id);
  images.setUsers(containerQueries.imageUsers());
  containers.releaseLayers = (chainIds) => images.releaseLayers(chainIds);
  views.containers = containerQueries.containersView();
  routers.push(containersRouter(containers, containerQueries), execRouter(execs));
  upgrades.push(attachUpgradeRoute(containers), execStartUpgradeRoute(execs));
  // RUN steps and commit use the containers service.
  builds.setRunStep(runStepWithContainers(containers, readLogs));
  const commitFrom = commitAccess(containers);
  routers.push(commitRouter({ commit: (ref, opts) => commitContainer(stores, commitFrom, ref, opts) }));

  return {
    stores,
    routers,
    upgrades,
    images,
    events,
    containers,
    shutdown: async () => {},
  };
}
