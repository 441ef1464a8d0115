/**
 * `Stores`: the on-disk stores every service works over (content, layers, image records,
 * references), opened once at start-up. Opening clears the store's temp dir: whatever an
 * interrupted pull, build or load left there never looked complete and is dropped.
 */
import * as fs from 'node:fs/promises';
import { StorePaths } from './paths';
import { ContentStore } from './content';
import { LayerStore, LayerStoreHooks } from './layers';
import { ImageStore } from './images';
import { ReferenceStore } from './references';

export interface Stores {
  paths: StorePaths;
  content: ContentStore;
  layers: LayerStore;
  images: ImageStore;
  refs: ReferenceStore;
}

/**
 * `layerHooks` run on each new layer's directory before it is stored (LayerStore.create): the
 * seal that records its file index and the sync that makes it durable.
 */
export async function openStores(roots: { dataRoot: string; execRoot: string }, opts: { layerHooks?: LayerStoreHooks } = {}): Promise<Stores> {
  const paths = new StorePaths(roots.dataRoot, roots.execRoot);
  const stores: Stores = {
    paths,
    content: new ContentStore(paths),
    layers: new LayerStore(paths, opts.layerHooks),
    images: new ImageStore(paths),
    refs: new ReferenceStore(paths),
  };
  await fs.rm(paths.tmp, { recursive: true, force: true });
  await fs.mkdir(paths.tmp, { recursive: true });
  await stores.content.init();
  await stores.layers.init();
  await stores.images.init();
  await stores.refs.init();
  return stores;
}
