// rmi with Docker's rules and GC safety on a real on-disk store: nothing another image, tag or
// container needs is ever removed; what only the removed image needed is.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { ImagesService } from '../../../daemon/images/service';
import { parseFilters } from '../../../daemon/filters';
import type { ImageUsers } from '../../../daemon/images/users';
import type { Digest } from '../../../daemon/oci/digest';
import type { Stores } from '../../../daemon/store/stores';
import { exists, makeImage, tempStores } from './fixtures';

const BASE = { files: { 'bin/sh': 'x'.repeat(1000) } };

function fakeUsers(using: Record<string, { id: string; running: boolean }[]>, layers: Digest[] = []): ImageUsers {
  return {
    containersUsing: async (id) => (using[id] ?? []).map((c) => c.id),
    isRunning: async (cid) => Object.values(using).some((cs) => cs.some((c) => c.id === cid && c.running)),
    layersInUse: async () => layers,
  };
}

describe('ImagesService: rmi and GC', () => {
  let root: string;
  let stores: Stores;
  let svc: ImagesService;

  beforeEach(async () => {
    ({ root, stores } = await tempStores());
    svc = new ImagesService(stores);
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('by name only untags while other tags remain', async () => {
    const img = await makeImage(stores, { layers: [BASE], tags: ['a:1', 'b:1'] });
    assert.deepEqual(await svc.remove('a:1'), [{ Untagged: 'a:1' }]);
    assert.ok(await stores.images.get(img.id));
    assert.ok(await stores.layers.has(img.layers[0]!.chainId));
  });

  it("untagging a repository's last tag drops that repository's digests, keeping the image", async () => {
    const img = await makeImage(stores, { layers: [BASE], tags: ['localhost:5000/a:1', 'b:1'], repoDigestFor: 'localhost:5000/a' });
    const manifest = Object.values(img.repoDigests)[0]!;
    assert.deepEqual(await svc.remove('localhost:5000/a:1'), [{ Untagged: 'localhost:5000/a:1' }, { Untagged: `localhost:5000/a@${manifest}` }]);
    const i = await svc.inspect('b:1', '1.47');
    assert.deepEqual(i.RepoTags, ['b:1']);
    assert.deepEqual(i.RepoDigests, []);
  });

  it('finds and untags a digest reference known only from the record', async () => {
    const img = await makeImage(stores, { layers: [BASE], tags: ['localhost:5000/a:1'], repoDigestFor: 'localhost:5000/a' });
    const byDigest = `localhost:5000/a@${Object.values(img.repoDigests)[0]!}`;
    assert.equal((await svc.inspect(byDigest, '1.47')).Id, img.id);
    assert.deepEqual(await svc.remove(byDigest), [{ Untagged: byDigest }]);
    assert.deepEqual((await svc.inspect('localhost:5000/a:1', '1.47')).RepoDigests, []);
  });

  it('by name deletes the image, its digest references and its layers with the last tag', async () => {
    const img = await makeImage(stores, { layers: [BASE, { files: { app: 'a' } }], tags: ['localhost:5000/app:1'], repoDigestFor: 'localhost:5000/app' });
    const manifest = Object.values(img.repoDigests)[0]!;
    const items = await svc.remove('localhost:5000/app:1');
    assert.deepEqual(items.slice(0, 3), [
      { Untagged: 'localhost:5000/app:1' },
      { Untagged: `localhost:5000/app@${manifest}` },
      { Deleted: img.id },
    ]);
    assert.deepEqual(items.slice(3).map((i) => ('Deleted' in i ? i.Deleted : '')).sort(), img.layers.map((l) => l.chainId).sort());
    assert.equal(await stores.images.get(img.id), undefined);
    assert.deepEqual(await stores.layers.list(), []);
    assert.deepEqual(await stores.content.list(), [], 'config, layer blobs and manifest are collected');
  });

  it('by id with tags in several repositories is a conflict unless forced', async () => {
    const img = await makeImage(stores, { layers: [BASE], tags: ['a:1', 'b:1'] });
    const short = img.id.slice(7, 19);
    await assert.rejects(svc.remove(short), (e: Error) => e.message === `conflict: unable to delete ${short} (must be forced) - image is referenced in multiple repositories`);
    const items = await svc.remove(short, { force: true });
    assert.deepEqual(items.slice(0, 3), [{ Untagged: 'a:1' }, { Untagged: 'b:1' }, { Deleted: img.id }]);
  });

  it('keeps layers and blobs a second image shares; the other image still inspects', async () => {
    const base = await makeImage(stores, { layers: [BASE], tags: ['base:1'] });
    const app = await makeImage(stores, { layers: [BASE, { files: { app: 'a' } }], tags: ['app:1'] });
    const shared = base.layers[0]!.chainId;
    const sharedBlob = base.layers[0]!.blob!.digest;
    const items = await svc.remove('base:1');
    assert.deepEqual(items, [{ Untagged: 'base:1' }, { Deleted: base.id }], 'no layer is reported deleted');
    assert.ok(await exists(stores.layers.diffDir(shared)));
    assert.ok(await stores.content.has(sharedBlob));
    const i = await svc.inspect('app:1', '1.47');
    assert.equal(i.Size, 1001);
    // Now the last user goes: everything is collected.
    await svc.remove('app:1');
    assert.deepEqual(await stores.layers.list(), []);
  });

  it('refuses when a container uses the image, unless forced (and never for a running one by id)', async () => {
    const img = await makeImage(stores, { layers: [BASE], tags: ['app:1'] });
    svc.setUsers(fakeUsers({ [img.id]: [{ id: 'c0ffee0000000000000000000000000000000000000000000000000000000000', running: false }] }, [img.layers[0]!.chainId]));
    await assert.rejects(svc.remove('app:1'), /conflict: unable to remove repository reference "app:1" \(must force\) - container c0ffee000000 is using its referenced image/);
    await assert.rejects(svc.remove(img.id), /\(must be forced\) - image is being used by stopped container c0ffee000000/);
    const items = await svc.remove('app:1', { force: true });
    assert.deepEqual(items, [{ Untagged: 'app:1' }, { Deleted: img.id }]);
    assert.ok(await stores.layers.has(img.layers[0]!.chainId), 'the container still needs the layer');
    svc.setUsers(fakeUsers({}));
    assert.equal(await svc.releaseLayers([img.layers[0]!.chainId]), 1000, 'released once the container is gone');
    assert.equal(await stores.layers.has(img.layers[0]!.chainId), false);

    const run = await makeImage(stores, { layers: [{ files: { r: 'r' } }], tags: ['run:1'] });
    svc.setUsers(fakeUsers({ [run.id]: [{ id: 'beef000000000000000000000000000000000000000000000000000000000000', running: true }] }));
    await assert.rejects(svc.remove(run.id, { force: true }), /\(cannot be forced\) - image is being used by running container beef00000000/);
  });

  it('deletes untagged parents no one else needs unless noprune, never a parent with other children', async () => {
    const parent = await makeImage(stores, { layers: [BASE], created: '2026-01-01T00:00:00Z' });
    const c1 = await makeImage(stores, { layers: [BASE, { files: { a: '1' } }], tags: ['c1'], parent: parent.id });
    const c2 = await makeImage(stores, { layers: [BASE, { files: { b: '2' } }], tags: ['c2'], parent: parent.id });
    await assert.rejects(svc.remove(parent.id), /\(cannot be forced\) - image has dependent child images/);
    await svc.remove('c1');
    assert.ok(await stores.images.get(parent.id), 'parent kept: c2 still needs it');
    const items = await svc.remove('c2');
    assert.ok(items.some((i) => 'Deleted' in i && i.Deleted === parent.id), 'parent pruned with its last child');
    assert.equal(await stores.images.get(c2.id), undefined);
    assert.deepEqual(await stores.layers.list(), []);
    assert.equal(c1.parent, parent.id);
  });

  it('by name, the last tag of an image with children or a running container is only untagged, without an error', async () => {
    // Docker's imageDeleteHelper runs "quiet" once a repository reference was removed.
    const base = await makeImage(stores, { layers: [BASE], tags: ['base:1'] });
    await makeImage(stores, { layers: [BASE, { files: { a: '1' } }], tags: ['child:1'], parent: base.id });
    assert.deepEqual(await svc.remove('base:1'), [{ Untagged: 'base:1' }]);
    assert.ok(await stores.images.get(base.id), 'kept for its child');
    const run = await makeImage(stores, { layers: [{ files: { r: 'r' } }], tags: ['run:1'] });
    svc.setUsers(fakeUsers({ [run.id]: [{ id: 'beef000000000000000000000000000000000000000000000000000000000000', running: true }] }));
    assert.deepEqual(await svc.remove('run:1', { force: true }), [{ Untagged: 'run:1' }]);
    assert.ok(await stores.images.get(run.id), 'kept for its running container');
  });

  it('keeps untagged parents with noprune', async () => {
    const parent = await makeImage(stores, { layers: [BASE] });
    await makeImage(stores, { layers: [BASE, { files: { a: '1' } }], tags: ['c1'], parent: parent.id });
    await svc.remove('c1', { noprune: true });
    assert.ok(await stores.images.get(parent.id));
    assert.ok(await stores.layers.has(parent.layers[0]!.chainId));
  });

  it('prunes dangling images by default and unused ones with dangling=false, reporting space', async () => {
    const tagged = await makeImage(stores, { layers: [BASE], tags: ['keep:1'] });
    const dangling = await makeImage(stores, { layers: [{ files: { d: 'd'.repeat(700) } }] });
    const r1 = await svc.prune(parseFilters('{"dangling":{"true":true}}'));
    assert.deepEqual(r1.ImagesDeleted?.[0], { Deleted: dangling.id });
    assert.equal(r1.SpaceReclaimed, 700);
    assert.ok(await stores.images.get(tagged.id));
    const none = await svc.prune(parseFilters(''));
    assert.deepEqual(none, { ImagesDeleted: null, SpaceReclaimed: 0 });

    const used = await makeImage(stores, { layers: [{ files: { u: 'u' } }], tags: ['used:1'] });
    svc.setUsers(fakeUsers({ [used.id]: [{ id: 'aa'.repeat(32), running: false }] }));
    const r2 = await svc.prune(parseFilters('{"dangling":["false"]}'));
    assert.deepEqual(r2.ImagesDeleted?.slice(0, 2), [{ Untagged: 'keep:1' }, { Deleted: tagged.id }]);
    assert.equal(r2.SpaceReclaimed, 1000);
    assert.ok(await stores.images.get(used.id), 'an image a container uses is not pruned');
  });

  it('prunes by label and until', async () => {
    const old = await makeImage(stores, { layers: [{ files: { o: 'o' } }], tags: ['old:1'], created: '2020-01-01T00:00:00Z', labels: { env: 'test' } });
    const recent = await makeImage(stores, { layers: [{ files: { n: 'n' } }], tags: ['new:1'], created: new Date().toISOString(), labels: { env: 'test' } });
    const r = await svc.prune(parseFilters('{"dangling":["false"],"until":["24h"],"label":["env=test"]}'));
    assert.ok(r.ImagesDeleted?.some((i) => 'Deleted' in i && i.Deleted === old.id));
    assert.ok(await stores.images.get(recent.id));
    const r2 = await svc.prune(parseFilters('{"dangling":["false"],"label!":["env=test"]}'));
    assert.equal(r2.ImagesDeleted, null);
  });

  it('a full GC sweep drops orphans and dangling references but keeps leased and used layers', async () => {
    const img = await makeImage(stores, { layers: [BASE], tags: ['a:1'] });
    const orphanBlob = await stores.content.put('orphan');
    const leasedBlob = await stores.content.put('leased');
    const release = svc.gc.hold([leasedBlob]);
    await stores.refs.set({ domain: 'docker.io', path: 'library/ghost', tag: 'latest' }, `sha256:${'0'.repeat(64)}`);
    const r = await svc.gc.collect();
    assert.deepEqual(r.blobs, [orphanBlob]);
    assert.deepEqual(r.refs, ['docker.io/library/ghost:latest']);
    assert.ok(await stores.content.has(leasedBlob));
    assert.ok(await stores.layers.has(img.layers[0]!.chainId));
    release();
    assert.deepEqual((await svc.gc.collect()).blobs, [leasedBlob]);
  });
});
