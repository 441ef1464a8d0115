// Layer store: a layer appears only when complete, shared creates unpack once.
// Reference store: concurrent tags are all kept and survive a reload.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LayerStore } from '../../../daemon/store/layers';
import { ReferenceStore } from '../../../daemon/store/references';
import { StorePaths } from '../../../daemon/store/paths';
import { sha256Of } from '../../../daemon/oci/digest';
import { parseReference } from '../../../daemon/oci/reference';
import { atomicWrite, sweepTemps } from '../../../daemon/store/atomic';

describe('LayerStore', () => {
  let root: string;
  let paths: StorePaths;
  let layers: LayerStore;
  const diff = sha256Of('diff');

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-layers-'));
    paths = new StorePaths(path.join(root, 'data'), path.join(root, 'run'));
    layers = new LayerStore(paths);
    await layers.init();
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('creates a layer once even when asked twice at the same time', async () => {
    let fills = 0;
    const fill = async (dir: string) => {
      fills++;
      await fs.writeFile(path.join(dir, 'f'), 'abc');
      return 3;
    };
    const [a, b] = await Promise.all([layers.create(diff, diff, undefined, fill), layers.create(diff, diff, undefined, fill)]);
    assert.equal(fills, 1);
    assert.deepEqual(a, b);
    assert.equal(await fs.readFile(path.join(layers.diffDir(diff), 'f'), 'utf8'), 'abc');
  });

  it('leaves nothing behind when filling fails', async () => {
    await assert.rejects(layers.create(diff, diff, undefined, async () => { throw new Error('broken tar'); }), /broken tar/);
    assert.equal(await layers.has(diff), false);
    assert.deepEqual(await fs.readdir(paths.layers), []);
  });

  it('syncs a layer after its seal and before it is renamed into place; a failed sync keeps nothing', async () => {
    const steps: string[] = [];
    const hinted: unknown[] = [];
    const hooked: LayerStore = new LayerStore(paths, {
      seal: async (dir, hint) => {
        steps.push(`seal ${path.basename(dir).startsWith('.tmp-')}`);
        hinted.push(hint);
      },
      sync: async (dir): Promise<void> => {
        // The files are complete and the layer is not yet visible under its chain id.
        assert.equal(await fs.readFile(path.join(dir, 'diff', 'f'), 'utf8'), 'abc');
        assert.equal(await hooked.has(diff), false);
        steps.push(`sync ${path.basename(dir).startsWith('.tmp-')}`);
      },
    });
    await hooked.create(diff, diff, undefined, async (dir) => {
      await fs.writeFile(path.join(dir, 'f'), 'abc');
      return { size: 3, sealHint: ['the unpacker\'s index'] };
    });
    assert.deepEqual(steps, ['seal true', 'sync true']);
    assert.deepEqual(hinted, [['the unpacker\'s index']]);
    assert.equal((await hooked.require(diff)).size, 3);

    const other = sha256Of('other');
    const failing = new LayerStore(paths, { sync: async () => { throw Object.assign(new Error('syncfs: EIO'), { code: 'EIO' }); } });
    await assert.rejects(failing.create(other, other, undefined, async () => 0), /EIO/);
    assert.equal(await failing.has(other), false);
    assert.deepEqual((await fs.readdir(paths.layers)).filter((n) => n.startsWith('.tmp-')), []);
  });

  it('sweeps temp directories of a crashed unpack at init', async () => {
    await fs.mkdir(path.join(paths.layers, '.tmp-deadbeef-1234', 'diff'), { recursive: true });
    await layers.init();
    assert.deepEqual(await fs.readdir(paths.layers), []);
  });
});

describe('ReferenceStore', () => {
  let root: string;
  let paths: StorePaths;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-refs-'));
    paths = new StorePaths(path.join(root, 'data'), path.join(root, 'run'));
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('keeps every one of many concurrent tags, across a reload', async () => {
    const refs = new ReferenceStore(paths);
    await refs.init();
    const id = sha256Of('image');
    await Promise.all(Array.from({ length: 20 }, (_, i) => refs.set(parseReference(`repo${i}:v${i}`), id)));
    const reloaded = new ReferenceStore(paths);
    await reloaded.init();
    assert.equal(reloaded.keysFor(id).length, 20);
    assert.equal(reloaded.get(parseReference('repo7:v7')), id);
  });

  it('writes nothing when a tag is set to the image it already names (a cached rebuild)', async () => {
    const refs = new ReferenceStore(paths);
    await refs.init();
    const [a, b] = [sha256Of('a'), sha256Of('b')];
    await refs.set(parseReference('app:1'), a);
    const before = await fs.stat(paths.repositories);
    await refs.set(parseReference('app:1'), a);
    // an atomic write renames a new file into place: the same inode means no write happened
    assert.equal((await fs.stat(paths.repositories)).ino, before.ino);
    // a real change still lands, and a reload sees it
    await refs.set(parseReference('app:1'), b);
    const reloaded = new ReferenceStore(paths);
    await reloaded.init();
    assert.equal(reloaded.get(parseReference('app:1')), b);
  });
});

describe('atomicWrite', () => {
  it('replaces a file and leaves no temp file; sweepTemps removes crash leftovers', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-atomic-'));
    const target = path.join(dir, 'state.json');
    await atomicWrite(target, 'one');
    await atomicWrite(target, 'two');
    assert.equal(await fs.readFile(target, 'utf8'), 'two');
    assert.deepEqual(await fs.readdir(dir), ['state.json']);
    await fs.writeFile(path.join(dir, '.tmp-state.json-abc'), 'torn');
    assert.equal(await sweepTemps(dir), 1);
    assert.deepEqual(await fs.readdir(dir), ['state.json']);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
