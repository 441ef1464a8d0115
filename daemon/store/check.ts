/**
 * `system check [--repair]`: is the store intact, and what is left over?
 *
 * Verifies every blob against its digest, every layer's record (chain id, parent) and tree
 * (against the file index recorded when it was unpacked, or else against its diff id by
 * regenerating the tar), every image record's config, layers, blobs and manifests, every tag
 * and container record; finds what nothing references (blobs, layers, mounts, cgroups, netns
 * files, runtime directories).
 *
 * Repair, in an order where each step can rely on the ones before: damaged blobs and layers
 * are moved to quarantine (never deleted); a layer whose compressed blob is intact is unpacked
 * again from it; image records that can no longer work are dropped and named as "pull again";
 * records pointing at nothing (tags, blob and manifest references) are dropped; leftovers are
 * collected through the garbage collector (which respects the leases of pulls in flight); stale
 * mounts are detached and empty cgroups removed. Container records are never dropped: a
 * container whose layers are gone is named, and works again once its image is pulled again.
 *
 * Runs inside the garbage collector's exclusive section, so no collection changes the store
 * under it; new pulls, builds and loads hold their layers and blobs by lease, so they are
 * never taken for leftovers.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { chainIds, Digest, hexOf, isDigest, sha256Of } from '../oci/digest';
import type { ImageConfig } from '../oci/types';
import { Findings, Quarantine, type CheckReport } from './check-report';
import type { GarbageCollector } from './gc';
import type { ImageRecord } from './images';
import type { Stores } from './stores';

/** Layer-tree checks, implemented over the file indexes and the unpacker (layers/check-layer.ts). */
export interface LayerChecks {
  /** Compares the tree with the index recorded at unpack; `none` when there is none to compare with. */
  verify(chainId: Digest): Promise<{ against: 'unpack' | 'later' | 'none'; problems: string[] }>;
  /** The diff id of the tar regenerated from the tree. */
  regeneratedDiffId(chainId: Digest): Promise<Digest>;
  /** Records the tree's index as verified (after the regenerated diff id matched). */
  recordVerified(chainId: Digest): Promise<void>;
  /** Stores the layer again by unpacking `blob` (its directory must be gone). */
  restoreFromBlob(chainId: Digest, diffId: Digest, parent: Digest | undefined, blob: Digest): Promise<void>;
  forget(chainId: Digest): void;
}

/** The host side: mounts, cgroups, netns files (runtime/check-probe.ts). */
export interface RuntimeChecks {
  /** Mount points at or below `dir`. */
  mountsUnder(dir: string): Promise<string[]>;
  unmount(mountPoint: string): Promise<void>;
  /** Container cgroups (by id) that have no process left. */
  idleCgroups(): Promise<string[]>;
  removeCgroup(id: string): Promise<void>;
  /** Network namespace files kept for containers (by id). */
  netnsFiles(): Promise<{ id: string; file: string }[]>;
  removeNetns(file: string): Promise<void>;
}

interface ContainerInfo {
  id: string;
  image: string;
  layers: Digest[];
  active: boolean;
}

/** How old an unreferenced layer or blob must be before it counts as a leftover. */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;

const ACTIVE = new Set(['running', 'paused', 'restarting', 'created', 'removing']);

async function hashFile(file: string): Promise<{ digest: Digest; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  await pipeline(createReadStream(file), async function* (src: AsyncIterable<Buffer>) {
    for await (const chunk of src) {
      h.update(chunk);
      size += chunk.length;
    }
  });
  return { digest: `sha256:${h.digest('hex')}`, size };
}

const exists = (p: string) => fs.stat(p).then(() => true, () => false);

export class StoreChecker {
  constructor(
    private readonly stores: Stores,
    private readonly gc: GarbageCollector,
    private readonly layerChecks: LayerChecks,
    private readonly runtime: RuntimeChecks,
  ) {}

  run(opts: { repair?: boolean } = {}): Promise<CheckReport> {
    return this.gc.exclusive(() => this.check(!!opts.repair));
  }

  private async check(repair: boolean): Promise<CheckReport> {
    const { stores } = this;
    const f = new Findings(repair);
    const q = new Quarantine(stores.paths);
    const pullAgain = new Set<string>();

    // 1. Blobs: content matches name.
    const blobs = await stores.content.list();
    const badBlobs = new Set<Digest>();
    for (const d of blobs) {
      const file = stores.content.pathOf(d);
      const got = await hashFile(file).catch(() => undefined);
      if (got && got.digest === d) continue;
      badBlobs.add(d);
      await f.fix({ Object: 'blob', Id: d, Problem: got ? `content hashes to ${got.digest}, not to its name` : 'cannot be read', Severity: 'error', Repair: 'moved to quarantine' }, async () => {
        await q.move(file, 'blobs');
      });
    }
    const goodBlob = async (d: Digest | undefined): Promise<boolean> => !!d && !badBlobs.has(d) && (await stores.content.has(d));

    // Image records, read once (unreadable ones quarantined).
    const records = new Map<Digest, ImageRecord>();
    const imageIds = await stores.images.list();
    for (const id of imageIds) {
      const rec = await stores.images.get(id).catch(() => undefined);
      if (rec && rec.id === id) {
        records.set(id, rec);
        continue;
      }
      const file = path.join(stores.paths.images, `${hexOf(id)}.json`);
      await f.fix({ Object: 'image', Id: id, Problem: 'the image record cannot be read', Severity: 'error', Repair: 'record moved to quarantine; pull the image again' }, async () => {
        await q.move(file, 'images');
        pullAgain.add(id);
      });
    }
    /** A good compressed blob for a diff id, from any image record. */
    const blobFor = async (diffId: Digest): Promise<Digest | undefined> => {
      for (const rec of records.values()) {
        for (const l of rec.layers) if (l.diffId === diffId && l.blob && (await goodBlob(l.blob.digest))) return l.blob.digest;
      }
      return undefined;
    };

    // 2. Layers: record, chain, tree.
    const layerIds = await stores.layers.list();
    const goneLayers = new Set<Digest>();
    for (const chain of layerIds) {
      const dir = stores.layers.dirOf(chain);
      const rec = await stores.layers.get(chain).catch(() => undefined);
      let problem: string | undefined;
      if (!rec) problem = 'its layer.json is missing or unreadable';
      else if (rec.chainId !== chain) problem = `its record names chain id ${rec.chainId}`;
      else if (rec.parent ? sha256Of(`${rec.parent} ${rec.diffId}`) !== chain : rec.diffId !== chain) problem = 'its chain id does not follow from its parent and diff id';
      else if (!(await exists(path.join(dir, 'diff')))) problem = 'its files (diff/) are missing';
      else {
        const v = await this.layerChecks.verify(chain).catch((err: Error) => ({ against: 'none' as const, problems: [`cannot be read: ${err.message}`] }));
        if (v.problems.length) problem = `files differ from what was unpacked: ${v.problems.slice(0, 5).join('; ')}${v.problems.length > 5 ? `; and ${v.problems.length - 5} more` : ''}`;
        else if (v.against !== 'unpack') {
          const regenerated = await this.layerChecks.regeneratedDiffId(chain).catch(() => undefined);
          if (regenerated === rec.diffId) {
            if (repair) await this.layerChecks.recordVerified(chain).catch(() => undefined);
          } else {
            f.add({ Object: 'layer', Id: chain, Problem: 'cannot be verified: no checksum was recorded when it was unpacked, and the tar regenerated from its files differs from its diff id (usual for layers made by other tools)', Severity: 'info' });
          }
        }
      }
      if (!problem) continue;
      const diffId = rec?.diffId;
      const blob = diffId ? await blobFor(diffId) : undefined;
      const action = blob ? `moved to quarantine and unpacked again from blob ${blob}` : 'moved to quarantine; the images using it must be pulled again';
      await f.fix({ Object: 'layer', Id: chain, Problem: problem, Severity: 'error', Repair: action }, async () => {
        await q.move(dir, 'layers');
        this.layerChecks.forget(chain);
        if (blob && diffId) await this.layerChecks.restoreFromBlob(chain, diffId, rec?.parent, blob);
        else goneLayers.add(chain);
      });
      // Without --repair, a layer that --repair would restore does not break its images.
      if (!repair && !blob) goneLayers.add(chain);
    }

    // 3. Images: config, layers (restored from blobs when possible), blob and manifest references.
    for (const rec of records.values()) {
      const names = this.namesOf(rec);
      const broken: string[] = [];
      let config: ImageConfig | undefined;
      if (!(await goodBlob(rec.id))) broken.push('its config blob is missing or damaged');
      else {
        config = (await stores.content.readJson(rec.id).catch(() => undefined)) as ImageConfig | undefined;
        const diffIds = config?.rootfs?.diff_ids;
        if (!Array.isArray(diffIds)) broken.push('its config blob is not an image config');
        else if (diffIds.join() !== rec.layers.map((l) => l.diffId).join()) broken.push('its layers differ from those its config lists');
        else if (chainIds(diffIds).join() !== rec.layers.map((l) => l.chainId).join()) broken.push('its layer chain ids are wrong');
      }
      for (let i = 0; i < rec.layers.length && broken.length === 0; i++) {
        const l = rec.layers[i] as ImageRecord['layers'][number];
        if (goneLayers.has(l.chainId)) {
          broken.push(`layer ${i} (${l.chainId}) is damaged and has no intact blob to restore it from`);
          continue;
        }
        if (await stores.layers.has(l.chainId)) continue;
        const blob = l.blob && (await goodBlob(l.blob.digest)) ? l.blob.digest : await blobFor(l.diffId);
        if (!blob) {
          broken.push(`layer ${i} (${l.chainId}) is missing and has no intact blob to restore it from`);
          continue;
        }
        const parent = i > 0 ? rec.layers[i - 1]?.chainId : undefined;
        await f.fix({ Object: 'layer', Id: l.chainId, Problem: `missing (layer ${i} of image ${names[0]})`, Severity: 'error', Repair: `unpacked again from blob ${blob}` }, async () => {
          await this.layerChecks.restoreFromBlob(l.chainId, l.diffId, parent, blob);
        });
      }
      if (broken.length) {
        await f.fix({ Object: 'image', Id: rec.id, Problem: `${names.join(', ')}: ${broken.join('; ')}`, Severity: 'error', Repair: 'record and tags dropped; pull the image again' }, async () => {
          for (const key of stores.refs.keysFor(rec.id)) await stores.refs.deleteKey(key);
          await stores.images.delete(rec.id);
          records.delete(rec.id);
        });
        for (const n of names) pullAgain.add(n);
        continue;
      }
      let changed = false;
      const layers = rec.layers.map((l) => ({ ...l }));
      for (const [i, l] of layers.entries()) {
        if (!l.blob) continue;
        if (await goodBlob(l.blob.digest)) {
          const stored = await stores.content.size(l.blob.digest).catch(() => undefined);
          if (stored === undefined || stored === l.blob.size) continue;
          const blobRef = l.blob;
          await f.fix({ Object: 'image', Id: rec.id, Problem: `${names[0]}: the record gives the blob of layer ${i} (${blobRef.digest}) ${blobRef.size} bytes, the stored blob has ${stored}`, Severity: 'warning', Repair: 'size corrected from the verified blob' }, async () => {
            l.blob = { ...blobRef, size: stored };
            changed = true;
          });
          continue;
        }
        const digest = l.blob.digest;
        await f.fix({ Object: 'image', Id: rec.id, Problem: `${names[0]}: the compressed blob of layer ${i} (${digest}) is missing or damaged`, Severity: 'warning', Repair: 'reference dropped (push and save write the layer from its files)' }, async () => {
          delete l.blob;
          changed = true;
        });
      }
      const repoDigests = { ...rec.repoDigests };
      for (const [name, d] of Object.entries(rec.repoDigests)) {
        if (!isDigest(d) || (await goodBlob(d))) continue;
        await f.fix({ Object: 'image', Id: rec.id, Problem: `${names[0]}: manifest ${d} (${name}) is missing or damaged`, Severity: 'warning', Repair: 'digest reference dropped' }, async () => {
          delete repoDigests[name];
          changed = true;
        });
      }
      if (changed) await stores.images.put({ ...rec, layers, repoDigests });
    }

    // 4. Tags that point at no image.
    for (const [key, id] of stores.refs.entries()) {
      if (records.has(id) && (await stores.images.get(id))) continue;
      await f.fix({ Object: 'tag', Id: key, Problem: `points at image ${id}, which does not exist`, Severity: 'error', Repair: 'tag dropped' }, () => stores.refs.deleteKey(key));
    }

    // 5. Containers: records readable, their layers present.
    const containers = await this.containers(f, q);
    for (const c of containers) {
      const missing: Digest[] = [];
      for (const l of c.layers) if (!(await stores.layers.has(l))) missing.push(l);
      if (missing.length) {
        f.add({ Object: 'container', Id: c.id, Problem: `needs ${missing.length} layer(s) that are gone (${missing[0]}…); it works again once ${c.image} is pulled again`, Severity: 'error' });
        pullAgain.add(c.image);
      }
    }

    // 6. Leftovers nothing references (the collector's own marking, leases included). Pulls,
    // builds and commits store layers and blobs before the image record that names them, so
    // anything stored within ORPHAN_GRACE_MS may belong to one still in flight: left alone.
    const orphans = await this.gc.unreferenced();
    const young = async (file: string) => {
      const st = await fs.stat(file).catch(() => undefined);
      return !!st && Date.now() - st.mtimeMs < ORPHAN_GRACE_MS;
    };
    const leftovers: { object: 'layer' | 'blob'; id: Digest; file: string; problem: string }[] = [
      ...orphans.layers.map((id) => ({ object: 'layer' as const, id, file: stores.layers.dirOf(id), problem: 'no image or container uses it' })),
      ...orphans.blobs.filter((d) => !badBlobs.has(d)).map((id) => ({ object: 'blob' as const, id, file: stores.content.pathOf(id), problem: 'no image, manifest or tag references it' })),
    ];
    for (const o of leftovers) {
      if (await young(o.file)) {
        f.add({ Object: o.object, Id: o.id, Problem: `${o.problem} yet, but it was stored less than an hour ago (a pull or build may still be writing its image): left alone`, Severity: 'info' });
        continue;
      }
      await f.fix({ Object: o.object, Id: o.id, Problem: o.problem, Severity: 'warning', Repair: 'collected' }, async () => {
        await this.gc.sweepNow([o.id]);
      });
    }
    await this.hostLeftovers(f, containers);

    const quarantined = path.join(stores.paths.dataRoot, 'quarantine');
    const earlier = (await fs.readdir(quarantined).catch(() => [] as string[])).filter((n) => path.join(quarantined, n) !== q.used);
    if (earlier.length) f.add({ Object: 'quarantine', Id: quarantined, Problem: `${earlier.length} earlier repair(s) left damaged things here to look at; delete them when done`, Severity: 'info' });

    return {
      Checked: { Blobs: blobs.length, Layers: layerIds.length, Images: imageIds.length, Tags: stores.refs.entries().length, Containers: containers.length },
      Findings: f.list,
      Repair: repair,
      PullAgain: [...pullAgain].sort(),
      ...(q.used ? { Quarantine: q.used } : {}),
      Ok: f.ok,
    };
  }

  private namesOf(rec: ImageRecord): string[] {
    const tags = this.stores.refs.keysFor(rec.id).filter((k) => !k.includes('@'));
    return tags.length ? tags.map((k) => k.replace(/^docker\.io\/(library\/)?/, '')) : [rec.id];
  }

  /** Container records, minimally parsed (the containers service owns their full shape). */
  private async containers(f: Findings, q: Quarantine): Promise<ContainerInfo[]> {
    const out: ContainerInfo[] = [];
    const root = this.stores.paths.containers;
    for (const name of await fs.readdir(root).catch(() => [] as string[])) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      const file = path.join(root, name, 'container.json');
      let raw: Record<string, unknown> | undefined;
      try {
        raw = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // a create in flight, or its leftover (swept at start)
      }
      const layers = raw?.LayerChainIds;
      const state = raw?.State as { Status?: unknown } | undefined;
      if (!raw || raw.Id !== name || !Array.isArray(layers) || !layers.every((l) => typeof l === 'string' && isDigest(l))) {
        await f.fix({ Object: 'container', Id: name, Problem: 'the container record cannot be read', Severity: 'error', Repair: 'container directory (its files included) moved to quarantine, not deleted' }, async () => {
          await q.move(path.join(root, name), 'containers');
        });
        continue;
      }
      const image = typeof (raw.Config as { Image?: unknown } | undefined)?.Image === 'string' ? String((raw.Config as { Image: string }).Image) : String(raw.Image);
      out.push({ id: name, image, layers: layers as Digest[], active: ACTIVE.has(String(state?.Status)) });
    }
    return out;
  }

  private async hostLeftovers(f: Findings, containers: ContainerInfo[]): Promise<void> {
    const { paths } = this.stores;
    const byId = new Map(containers.map((c) => [c.id, c]));
    for (const m of await this.runtime.mountsUnder(paths.dataRoot)) {
      const rel = path.relative(paths.containers, m).split(path.sep);
      const owner = rel.length === 2 && rel[1] === 'rootfs' ? byId.get(rel[0] as string) : undefined;
      if (owner?.active) continue;
      await f.fix({ Object: 'mount', Id: m, Problem: owner ? 'still mounted, but its container has stopped' : 'mounted, but no container owns it', Severity: 'warning', Repair: 'unmounted' }, () => this.runtime.unmount(m));
    }
    for (const id of await this.runtime.idleCgroups()) {
      if (byId.get(id)?.active) continue;
      await f.fix({ Object: 'cgroup', Id: id, Problem: 'a container cgroup with no processes and no running container', Severity: 'warning', Repair: 'removed' }, () => this.runtime.removeCgroup(id));
    }
    for (const n of await this.runtime.netnsFiles()) {
      if (byId.get(n.id)?.active) continue;
      await f.fix({ Object: 'netns', Id: n.file, Problem: 'a network namespace file no running container uses', Severity: 'warning', Repair: 'unmounted and removed' }, () => this.runtime.removeNetns(n.file));
    }
    for (const name of await fs.readdir(paths.runContainers).catch(() => [] as string[])) {
      if (!/^[a-f0-9]{64}$/.test(name) || byId.has(name)) continue;
      const dir = paths.containerRunDir(name);
      await f.fix({ Object: 'runtime', Id: dir, Problem: 'runtime files of a container that no longer exists', Severity: 'warning', Repair: 'removed (runtime state only)' }, () => fs.rm(dir, { recursive: true, force: true }));
    }
  }
}
