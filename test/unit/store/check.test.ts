// system check over a real store in a temp dir, with fake layer and host checks: a dangling
// tag, an unreadable image record and a corrupt config blob are found; --repair drops the tag,
// quarantines the record and the blob, drops the image that can no longer work and names it to
// pull again; a second run is clean. Unreferenced blobs are collected only once an hour old.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStores, type Stores } from '../../../daemon/store/stores';
import { GarbageCollector } from '../../../daemon/store/gc';
import { StoreChecker, type LayerChecks, type RuntimeChecks } from '../../../daemon/store/check';
import { sha256Of, hexOf, type Digest } from '../../../daemon/oci/digest';
import { parseReference } from '../../../daemon/oci/reference';

const noLayers: LayerChecks = {
  verify: async () => ({ against: 'unpack', problems: [] }),
  regeneratedDiffId: async () => sha256Of(''),
  recordVerified: async () => undefined,
  restoreFromBlob: async () => undefined,
  forget: () => undefined,
};
const noHost: RuntimeChecks = {
  mountsUnder: async () => [],
  unmount: async () => undefined,
  idleCgroups: async () => [],
  removeCgroup: async () => undefined,
  netnsFiles: async () => [],
  removeNetns: async () => undefined,
};

describe('system check (store)', () => {
  let root: string;
  let stores: Stores;
  let checker: StoreChecker;

  async function image(name: string): Promise<Digest> {
    const id = await stores.content.put(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, comment: name }));
    await stores.images.put({ id, layers: [], repoDigests: {}, addedAt: new Date().toISOString() });
    await stores.refs.set(parseReference(name), id);
    return id;
  }

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-check-'));
    stores = await openStores({ dataRoot: path.join(root, 'data'), execRoot: path.join(root, 'run') });
    checker = new StoreChecker(stores, new GarbageCollector(stores), noLayers, noHost);
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('finds a dangling tag, an unreadable record and a corrupt config; --repair fixes them; then clean', async () => {
    const good = await image('good:1');
    const broken = await image('broken:1');
    await stores.refs.set(parseReference('dangling:1'), sha256Of('nothing'));
    const bad = await image('unreadable:1');
    await fs.writeFile(path.join(stores.paths.images, `${hexOf(bad)}.json`), '{not json');
    await fs.writeFile(stores.content.pathOf(broken), 'tampered');

    const found = await checker.run();
    assert.equal(found.Ok, false);
    const problems = found.Findings.map((f) => `${f.Object} ${f.Severity} ${f.Id}`);
    assert.ok(problems.includes(`blob error ${broken}`), problems.join('\n'));
    assert.ok(problems.includes(`image error ${bad}`));
    assert.ok(problems.includes(`image error ${broken}`));
    assert.ok(problems.some((p) => p.startsWith('tag error docker.io/library/dangling:1')));
    assert.deepEqual(found.PullAgain, ['broken:1']);

    const fixed = await checker.run({ repair: true });
    assert.equal(fixed.Ok, true, JSON.stringify(fixed.Findings, null, 1));
    assert.ok(fixed.Quarantine);
    await fs.access(path.join(fixed.Quarantine as string, 'blobs', hexOf(broken)));
    await fs.access(path.join(fixed.Quarantine as string, 'images', `${hexOf(bad)}.json`));
    assert.deepEqual(stores.refs.entries().map(([k]) => k), ['docker.io/library/good:1']);
    assert.equal(await stores.images.get(broken), undefined);

    const again = await checker.run();
    assert.equal(again.Ok, true, JSON.stringify(again.Findings, null, 1));
    assert.deepEqual(again.Findings.filter((f) => f.Severity !== 'info'), []);
    // the unreadable record's config blob is unreferenced now, but too young to collect
    assert.deepEqual(again.Findings.map((f) => f.Object).sort(), ['blob', 'quarantine']);
    assert.ok(await stores.images.get(good));
  });

  it('collects unreferenced blobs only once they are an hour old', async () => {
    const young = await stores.content.put('fresh');
    const old = await stores.content.put('stale');
    const t = new Date(Date.now() - 2 * 3600_000);
    await fs.utimes(stores.content.pathOf(old), t, t);
    const r = await checker.run({ repair: true });
    assert.equal(r.Findings.find((f) => f.Id === young)?.Severity, 'info');
    assert.equal(r.Findings.find((f) => f.Id === old)?.Repaired, true);
    assert.equal(await stores.content.has(old), false);
    assert.equal(await stores.content.has(young), true);
  });
});
