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
 * under it. Layers and blobs a pull, build or load is still writing are never taken for
 * leftovers: loads hold them by lease, and anything stored within the last hour is left alone.
 * The host-side parts (container records, mounts, cgroups, netns files) are in check-host.ts.
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
import { hostLeftovers, readContainers, type ContainerInfo, type RuntimeChecks } from './check-host';

export type { RuntimeChecks } from './check-host';

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

/** How old an unreferenced layer or blob must be before it counts as a leftover. */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;

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
    return this.gc.exclusive(() => new CheckRun(this.stores, this.gc, this.layerChecks, this.runtime, !!opts.repair).run());
  }
}

/** One run of the check: its findings, its quarantine, and what earlier steps learned. */
class CheckRun {
  private readonly f: Findings;
  private readonly q: Quarantine;
  private readonly pullAgain = new Set<string>();
  private readonly badBlobs = new Set<Digest>();
  private readonly records = new Map<Digest, ImageRecord>();
  /** Layers found damaged that nothing can restore. */
  private readonly goneLayers = new Set<Digest>();

  constructor(
    private readonly stores: Stores,
    private readonly gc: GarbageCollector,
    private readonly layerChecks: LayerChecks,
    private readonly runtime: RuntimeChecks,
    private readonly repair: boolean,
  ) {
    this.f = new Findings(repair);
    this.q = new Quarantine(stores.paths);
  }

  async run(): Promise<CheckReport> {
    const { stores, f, q } = this;
    const blobs = await this.checkBlobs();
    const images = await this.readRecords();
    const layers = await this.checkLayers();
    for (const rec of [...this.records.values()]) await this.checkImage(rec);
    await this.checkTags();
    const containers = await readContainers(stores.paths, f, q);
    await this.checkContainers(containers);
    await this.collectLeftovers();
    await hostLeftovers(stores.paths, this.runtime, f, containers);

    const quarantined = path.join(stores.paths.dataRoot, 'quarantine');
    const earlier = (await fs.readdir(quarantined).catch(() => [] as string[])).filter((n) => path.join(quarantined, n) !== q.used);
    if (earlier.length) f.add({ Object: 'quarantine', Id: quarantined, Problem: `${earlier.length} earlier repair(s) left damaged things here to look at; delete them when done`, Severity: 'info' });

    return {
      Checked: { Blobs: blobs, Layers: layers, Images: images, Tags: stores.refs.entries().length, Containers: containers.length },
      Findings: f.list,
      Repair: this.repair,
      PullAgain: [...this.pullAgain].sort(),
      ...(q.used ? { Quarantine: q.used } : {}),
      Ok: f.ok,
    };
  }

  private async goodBlob(d: Digest | undefined): Promise<boolean> {
    return !!d && !this.badBlobs.has(d) && (await this.stores.content.has(d));
  }

  /** A good compressed blob for a diff id, from any image record. */
  private async blobFor(diffId: Digest): Promise<Digest | undefined> {
    for (const rec of this.records.values()) {
      for (const l of rec.layers) if (l.diffId === diffId && l.blob && (await this.goodBlob(l.blob.digest))) return l.blob.digest;
    }
    return undefined;
  }

  private namesOf(rec: ImageRecord): string[] {
    const tags = this.stores.refs.keysFor(rec.id).filter((k) => !k.includes('@'));
    return tags.length ? tags.map((k) => k.replace(/^docker\.io\/(library\/)?/, '')) : [rec.id];
  }

  /** Blobs: content matches name. Returns how many were checked. */
  private async checkBlobs(): Promise<number> {
    const { stores, f, q, badBlobs } = this;
    const blobs = await stores.content.list();
    for (const d of blobs) {
      const file = stores.content.pathOf(d);
      const got = await hashFile(file).catch(() => undefined);
      if (got && got.digest === d) continue;
      badBlobs.add(d);
      await f.fix({ Object: 'blob', Id: d, Problem: got ? `content hashes to ${got.digest}, not to its name` : 'cannot be read', Severity: 'error', Repair: 'moved to quarantine' }, async () => {
        await q.move(file, 'blobs');
        stores.content.forget(d);
      });
    }
    return blobs.length;
  }

  /** Image records, read once; unreadable ones are quarantined. Returns how many there were. */
  private async readRecords(): Promise<number> {
    const { stores, f, q, records, pullAgain } = this;
    const imageIds = await stores.images.list();
    for (const id of imageIds) {
      const rec = await stores.images.readFromDisk(id).catch(() => undefined);
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
    return imageIds.length;
  }

  /** Layers: record, chain id, files. Returns how many were checked. */
  private async checkLayers(): Promise<number> {
    const { stores, f, q, repair, goneLayers } = this;
    const layerIds = await stores.layers.list();
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
      const blob = diffId ? await this.blobFor(diffId) : undefined;
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
    return layerIds.length;
  }

  /** An image: config, layers (restored from blobs when possible), blob and manifest references. */
  private async checkImage(rec: ImageRecord): Promise<void> {
    const { stores, f, goneLayers, records, pullAgain } = this;
    const names = this.namesOf(rec);
    const broken: string[] = [];
    let config: ImageConfig | undefined;
    if (!(await this.goodBlob(rec.id))) broken.push('its config blob is missing or damaged');
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
      const blob = l.blob && (await this.goodBlob(l.blob.digest)) ? l.blob.digest : await this.blobFor(l.diffId);
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
      return;
    }
    let changed = false;
    const layers = rec.layers.map((l) => ({ ...l }));
    for (const [i, l] of layers.entries()) {
      if (!l.blob) continue;
      if (await this.goodBlob(l.blob.digest)) {
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
      if (!isDigest(d) || (await this.goodBlob(d))) continue;
      await f.fix({ Object: 'image', Id: rec.id, Problem: `${names[0]}: manifest ${d} (${name}) is missing or damaged`, Severity: 'warning', Repair: 'digest reference dropped' }, async () => {
        delete repoDigests[name];
        changed = true;
      });
    }
    if (changed) await stores.images.put({ ...rec, layers, repoDigests });
  }

  /** Tags that point at no image. */
  private async checkTags(): Promise<void> {
    const { stores, f, records } = this;
    for (const [key, id] of stores.refs.entries()) {
      if (records.has(id) && (await stores.images.get(id))) continue;
      await f.fix({ Object: 'tag', Id: key, Problem: `points at image ${id}, which does not exist`, Severity: 'error', Repair: 'tag dropped' }, () => stores.refs.deleteKey(key));
    }
  }

  /** Containers: their layers present (readContainers read the records). */
  private async checkContainers(containers: ContainerInfo[]): Promise<void> {
    const { stores, f, pullAgain } = this;
    for (const c of containers) {
      const missing: Digest[] = [];
      for (const l of c.layers) if (!(await stores.layers.has(l))) missing.push(l);
      if (missing.length) {
        f.add({ Object: 'container', Id: c.id, Problem: `needs ${missing.length} layer(s) that are gone (${missing[0]}…); it works again once ${c.image} is pulled again`, Severity: 'error' });
        pullAgain.add(c.image);
      }
    }
  }

  /**
   * Leftovers nothing references (the collector's own marking, leases included). Pulls,
   * builds and commits store layers and blobs before the image record that names them, so
   * anything stored within ORPHAN_GRACE_MS may belong to one still in flight: left alone.
   */
  private async collectLeftovers(): Promise<void> {
    const { stores, f, badBlobs } = this;
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
  }
}
