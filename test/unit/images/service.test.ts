// The images service over a real on-disk store: list (dangling, intermediates, filters),
// inspect's Docker shape, tag, history.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { ImagesService } from '../../../daemon/images/service';
import { parseFilters } from '../../../daemon/filters';
import type { Stores } from '../../../daemon/store/stores';
import { makeImage, tempStores } from './fixtures';

const BASE = { files: { 'bin/sh': 'x'.repeat(1000) } };

describe('ImagesService: list, inspect, tag, history', () => {
  let root: string;
  let stores: Stores;
  let svc: ImagesService;

  beforeEach(async () => {
    ({ root, stores } = await tempStores());
    svc = new ImagesService(stores);
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it("lists Docker's summary shape with sizes from the layer store, newest first", async () => {
    const bb = await makeImage(stores, { layers: [BASE], tags: ['busybox', 'localhost:5000/busybox:1'], created: '2026-01-01T00:00:00Z', repoDigestFor: 'localhost:5000/busybox' });
    const app = await makeImage(stores, { layers: [BASE, { files: { app: 'y'.repeat(50) } }], tags: ['app:1'], created: '2026-02-01T00:00:00Z', labels: { tier: 'web' } });
    const list = await svc.list({ apiVersion: '1.41' });
    assert.deepEqual(list.map((i) => i.Id), [app.id, bb.id]);
    const b = list[1]!;
    assert.deepEqual(b.RepoTags, ['busybox:latest', 'localhost:5000/busybox:1']);
    assert.equal(b.RepoDigests.length, 1);
    assert.match(b.RepoDigests[0]!, /^localhost:5000\/busybox@sha256:[0-9a-f]{64}$/);
    assert.equal(b.Size, 1000);
    assert.equal(b.VirtualSize, 1000);
    assert.equal(b.SharedSize, -1);
    assert.equal(b.Containers, -1);
    assert.equal(b.Created, Date.UTC(2026, 0, 1) / 1000);
    assert.equal(list[0]!.Size, 1050);
    assert.deepEqual(list[0]!.Labels, { tier: 'web' });
    const newer = await svc.list({ apiVersion: '1.47' });
    assert.equal(newer[0]!.VirtualSize, undefined);
  });

  it('hides untagged parents without -a and shows dangling images as <none>', async () => {
    const parent = await makeImage(stores, { layers: [BASE], created: '2026-01-01T00:00:00Z' });
    const child = await makeImage(stores, { layers: [BASE, { files: { c: 'c' } }], tags: ['child'], parent: parent.id, created: '2026-01-02T00:00:00Z' });
    const dangling = await makeImage(stores, { layers: [{ files: { d: 'd' } }], created: '2026-01-03T00:00:00Z' });
    const ids = async (opts: Parameters<ImagesService['list']>[0]) => (await svc.list(opts)).map((i) => i.Id).sort();
    assert.deepEqual(await ids({ apiVersion: '1.47' }), [child.id, dangling.id].sort());
    assert.deepEqual(await ids({ apiVersion: '1.47', all: true }), [parent.id, child.id, dangling.id].sort());
    assert.deepEqual(await ids({ apiVersion: '1.47', filters: parseFilters('{"dangling":{"true":true}}') }), [dangling.id]);
    assert.deepEqual(await ids({ apiVersion: '1.47', filters: parseFilters('{"dangling":["false"]}') }), [child.id]);
    const old = (await svc.list({ apiVersion: '1.41' })).find((i) => i.Id === dangling.id)!;
    assert.deepEqual(old.RepoTags, ['<none>:<none>']);
    assert.deepEqual(old.RepoDigests, ['<none>@<none>']);
    const cur = (await svc.list({ apiVersion: '1.47' })).find((i) => i.Id === dangling.id)!;
    assert.deepEqual(cur.RepoTags, []);
  });

  it('filters by reference glob, label, before, since and until', async () => {
    const a = await makeImage(stores, { layers: [{ files: { a: 'a' } }], tags: ['busybox:1', 'localhost:5000/busybox:1'], created: '2026-01-01T00:00:00Z', labels: { x: '1' } });
    const b = await makeImage(stores, { layers: [{ files: { b: 'b' } }], tags: ['alpine:3'], created: '2026-01-02T00:00:00Z' });
    const c = await makeImage(stores, { layers: [{ files: { c: 'c' } }], tags: ['busybox:2'], created: '2026-01-03T00:00:00Z', labels: { x: '2' } });
    const list = (f: string) => svc.list({ apiVersion: '1.47', filters: parseFilters(f) });
    const byRef = await list('{"reference":["busy*"]}');
    assert.deepEqual(byRef.map((i) => i.Id), [c.id, a.id]);
    assert.deepEqual(byRef[1]!.RepoTags, ['busybox:1'], 'only the matching references are listed');
    assert.deepEqual((await list('{"reference":["busybox:2"]}')).map((i) => i.Id), [c.id]);
    assert.deepEqual((await list('{"reference":["localhost:5000/busybox"]}')).map((i) => i.Id), [a.id]);
    assert.deepEqual((await list('{"label":["x"]}')).map((i) => i.Id), [c.id, a.id]);
    assert.deepEqual((await list('{"label":["x=2"]}')).map((i) => i.Id), [c.id]);
    assert.deepEqual((await list('{"before":["alpine:3"]}')).map((i) => i.Id), [a.id]);
    assert.deepEqual((await list('{"since":["alpine:3"]}')).map((i) => i.Id), [c.id]);
    assert.deepEqual((await list('{"until":["2026-01-02T00:00:00Z"]}')).map((i) => i.Id), [a.id]);
    assert.deepEqual((await list('{"until":["2026-01-03T12:00:00Z","2026-01-02T12:00:00Z"]}')).map((i) => i.Id), [b.id, a.id]);
    await assert.rejects(list('{"color":["red"]}'), /invalid filter 'color'/);
    assert.equal(b.id.length, 71);
  });

  it("inspects in Docker's shape", async () => {
    const img = await makeImage(stores, { layers: [BASE, { files: { app: 'y' } }], tags: ['app:1'], created: '2026-02-01T00:00:00.123456789Z' });
    const i = await svc.inspect('app:1', '1.47');
    assert.equal(i.Id, img.id);
    assert.deepEqual(i.RepoTags, ['app:1']);
    assert.equal(i.Created, '2026-02-01T00:00:00.123456789Z');
    assert.equal(i.Architecture, 'amd64');
    assert.equal(i.Os, 'linux');
    assert.equal(i.Size, 1001);
    assert.deepEqual((i.Config as { Cmd: string[] }).Cmd, ['sh']);
    assert.equal((i.Config as { WorkingDir: string }).WorkingDir, '');
    assert.deepEqual(i.RootFS, { Type: 'layers', Layers: img.layers.map((l) => l.diffId) });
    const gd = i.GraphDriver as { Name: string; Data: Record<string, string> };
    assert.equal(gd.Name, 'overlay2');
    assert.equal(gd.Data.UpperDir, stores.layers.diffDir(img.layers[1]!.chainId));
    assert.equal(gd.Data.LowerDir, stores.layers.diffDir(img.layers[0]!.chainId));
    assert.ok('LastTagTime' in (i.Metadata as object));
    assert.deepEqual(Object.keys(i).slice(0, 6), ['Id', 'RepoTags', 'RepoDigests', 'Parent', 'Comment', 'Created']);
    await assert.rejects(svc.inspect('nosuch', '1.47'), /No such image: nosuch/);
    assert.equal((await svc.inspect(img.id.slice(7, 19), '1.47')).Id, img.id);
  });

  it('tags by name or id, moves a tag, and rejects bad names', async () => {
    const a = await makeImage(stores, { layers: [{ files: { a: 'a' } }], tags: ['a:1'] });
    const b = await makeImage(stores, { layers: [{ files: { b: 'b' } }], tags: ['b:1'] });
    await svc.tag('a:1', 'localhost:5000/x', '2');
    await svc.tag(b.id.slice(7, 19), 'other', '');
    assert.equal((await svc.inspect('localhost:5000/x:2', '1.47')).Id, a.id);
    assert.equal((await svc.inspect('other:latest', '1.47')).Id, b.id);
    await svc.tag('b:1', 'localhost:5000/x', '2');
    assert.equal((await svc.inspect('localhost:5000/x:2', '1.47')).Id, b.id);
    await assert.rejects(svc.tag('a:1', 'UPPER', 'x'), /must be lowercase/);
    await assert.rejects(svc.tag('nosuch', 'x', '1'), /No such image: nosuch/);
  });

  it('gives history newest first with <missing> below the image and per-layer sizes', async () => {
    const img = await makeImage(stores, { layers: [BASE, { files: { app: 'y'.repeat(10) }, createdBy: 'COPY app /' }], tags: ['app:1'], emptyHistory: ['CMD ["sh"]'] });
    const h = await svc.history('app:1');
    assert.deepEqual(h.map((x) => [x.Id, x.CreatedBy, x.Size]), [
      [img.id, 'CMD ["sh"]', 0],
      ['<missing>', 'COPY app /', 10],
      ['<missing>', '/bin/sh -c #(nop) ADD file', 1000],
    ]);
    assert.deepEqual(h[0]!.Tags, ['app:1']);
    assert.equal(h[1]!.Tags, null);
  });
});
