// The volume store's crash safety, the service's names/options/in-use rules, the local
// driver's options, and resolving container paths inside a root (symlinks never escape).
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StorePaths } from '../../../daemon/store/paths';
import { VolumeStore } from '../../../daemon/store/volumes';
import { VolumeService, checkVolumeName } from '../../../daemon/volumes/service';
import { checkLocalOptions, localMount } from '../../../daemon/volumes/local-driver';
import { resolveInRoot } from '../../../daemon/layers/in-root';
import { BerthError } from '../../../daemon/errors';

const kind = (k: string) => (e: unknown) => e instanceof BerthError && e.kind === k;

describe('volumes', () => {
  let dir = '';
  beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-vol-unit-')); });
  afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  it('creates and removes a volume with one rename each; start-up sweeps only temp names', async () => {
    const paths = new StorePaths(dir, path.join(dir, 'run'));
    const store = new VolumeStore(paths);
    await store.init();
    await store.create({ Name: 'data', Driver: 'local', CreatedAt: 'x', Labels: {}, Options: {} });
    await fs.writeFile(path.join(store.dataDir('data'), 'f'), 'user data');
    // a create interrupted before its rename, and a remove interrupted after its rename
    await fs.mkdir(path.join(paths.volumes, '.tmp-half-abc', '_data'), { recursive: true });
    await fs.mkdir(path.join(paths.volumes, '.tmp-rm-old-abc', '_data'), { recursive: true });
    // a volume directory whose record is unreadable is kept, not deleted
    await fs.mkdir(path.join(paths.volumes, 'broken', '_data'), { recursive: true });
    await fs.writeFile(path.join(paths.volumes, 'broken', 'volume.json'), '{not json');
    const again = new VolumeStore(paths);
    await again.init();
    assert.deepEqual((await again.loadAll()).map((v) => v.Name), ['data']);
    assert.deepEqual((await fs.readdir(paths.volumes)).sort(), ['broken', 'data']);
    assert.equal(await fs.readFile(path.join(again.dataDir('data'), 'f'), 'utf8'), 'user data');
    await assert.rejects(again.create({ Name: 'data', Driver: 'local', CreatedAt: 'y', Labels: {}, Options: {} }), kind('Conflict'));
    assert.equal(await again.size('data'), 9);
    await again.remove('data');
    assert.deepEqual((await fs.readdir(paths.volumes)).sort(), ['broken']);
  });

  it('refuses bad names with Docker\'s words, removal while in use, and unknown plugins', async () => {
    assert.throws(() => checkVolumeName('a/b'), (e: unknown) => kind('InvalidParameter')(e) && /includes invalid characters for a local volume name/.test((e as Error).message));
    assert.throws(() => checkVolumeName('a'), /too short/);
    assert.doesNotThrow(() => checkVolumeName('db_data.1-x'));
    let users: string[] = [];
    const svc = new VolumeService(new VolumeStore(new StorePaths(dir, dir)), () => users);
    await svc.init();
    const v = await svc.create({ Name: 'db', Labels: { a: '1' } });
    assert.equal((await svc.create({ Name: 'db' })).CreatedAt, v.CreatedAt, 'create of an existing name returns it');
    users = ['c1'];
    await assert.rejects(svc.remove('db', true), (e: unknown) => kind('Conflict')(e) && /remove db: volume is in use - \[c1\]/.test((e as Error).message));
    assert.equal(svc.list('{"dangling":["true"]}').Volumes.length, 0);
    users = [];
    assert.equal(svc.list('{"dangling":["true"]}').Volumes.length, 1);
    await assert.rejects(svc.create({ Name: 'x1', Driver: 'nfsplugin' }), kind('NotFound'));
    const anon = await svc.ensure(undefined);
    assert.deepEqual((await svc.prune(undefined)).VolumesDeleted, [anon.Name]);
    assert.deepEqual((await svc.prune('{"all":["true"]}')).VolumesDeleted, ['db']);
    await svc.remove('db', true); // -f of a missing volume is fine
    await assert.rejects(svc.remove('db', false), kind('NotFound'));
  });

  it('checks the local driver\'s options and maps them to mounts', () => {
    assert.throws(() => checkLocalOptions({ colour: 'red' }), /invalid option key: "colour"/);
    assert.throws(() => checkLocalOptions({ type: 'ext4', device: '/dev/sdb' }), kind('NotImplemented'));
    assert.throws(() => checkLocalOptions({ type: 'none', o: 'bind' }), /device/);
    assert.deepEqual(localMount('/d', { type: 'tmpfs', o: 'size=1m' }, '/t', true, true), { type: 'tmpfs', destination: '/t', options: 'size=1m,ro' });
    assert.deepEqual(localMount('/d', { type: 'none', o: 'bind', device: '/srv' }, '/t', false, false), { type: 'bind', source: '/srv', destination: '/t', readonly: false });
    assert.deepEqual(localMount('/d', {}, '/t', false, true), { type: 'bind', source: '/d', destination: '/t', readonly: false, seed: true });
  });

  it('resolves container paths inside the root: absolute and relative symlinks and .. never leave it', async () => {
    const root = path.join(dir, 'root');
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
    await fs.symlink('/', path.join(root, 'up'));
    await fs.symlink('../../../../etc', path.join(root, 'etc', 'rel'));
    await fs.symlink('/etc/passwd', path.join(root, 'pw'));
    const vol = path.join(dir, 'vol');
    await fs.mkdir(vol);
    const view = { root, mounts: [{ destination: '/data', source: vol }] };
    assert.equal((await resolveInRoot(view, '/up/etc/passwd')).host, path.join(root, 'etc/passwd'));
    assert.equal((await resolveInRoot(view, '/etc/rel/x')).host, path.join(root, 'etc/x'));
    assert.equal((await resolveInRoot(view, '/../../etc')).host, path.join(root, 'etc'));
    assert.equal((await resolveInRoot(view, '/pw')).host, path.join(root, 'etc/passwd'));
    assert.equal((await resolveInRoot(view, '/pw', false)).host, path.join(root, 'pw'));
    assert.equal((await resolveInRoot(view, '/data/sub/f')).host, path.join(vol, 'sub/f'));
    await fs.symlink('/data', path.join(root, 'd'));
    assert.equal((await resolveInRoot(view, '/d/x')).host, path.join(vol, 'x'));
    await fs.symlink('loop', path.join(root, 'loop'));
    await assert.rejects(resolveInRoot(view, '/loop/x'), /too many levels/);
  });
});
