/** Rootfs mounting, cleanup and reconcile against the recording fake Syscalls (no root needed). */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordingSyscalls, overlayData } from '../../../native/ffi';
import { createRuntime } from '../../../daemon/runtime';
import type { Cgroups } from '../../../daemon/runtime/cgroups';
import type { CgroupPlace } from '../../../daemon/runtime/cgroup-place';
import { mountRootfs, unmountRootfs } from '../../../daemon/runtime/rootfs';
import type { ContainerSpec } from '../../../daemon/runtime/types';
import { StorePaths } from '../../../daemon/store/paths';

function fakeCgroups(): Cgroups & { removed: string[] } {
  const removed: string[] = [];
  return {
    version: 0,
    removed,
    place: async (id: string) => ({ paths: { '': `/berth/${id}` } }),
    create: async () => [],
    freeze: async () => undefined,
    thaw: async () => undefined,
    pids: async () => [],
    setDevices: async () => undefined,
    killAll: async () => undefined,
    setResources: async () => undefined,
    oomKills: async () => 0,
    views: async () => [],
    stats: async () => { throw new Error('no stats in this fake'); },
    remove: async (at: CgroupPlace) => {
      removed.push(path.basename(at.paths[''] ?? ''));
    },
  };
}

describe('runtime rootfs (fake syscalls)', () => {
  let tmp: string;
  let sys: RecordingSyscalls;
  const isMounted = async (p: string) => sys.mounted.has(p);

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rootfs-unit-'));
    sys = new RecordingSyscalls();
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function spec(lower: string[]): ContainerSpec {
    return {
      id: 'c1', layers: { lower, upper: `${tmp}/u`, work: `${tmp}/w` }, rootfs: `${tmp}/rootfs`, args: ['true'], env: [], cwd: '/',
      user: '', hostname: 'c1', tty: false, openStdin: false, readonlyRootfs: false, init: false, mounts: [], logPath: `${tmp}/log`,
      etcFiles: { hosts: '', hostname: '', resolvConf: '' }, network: 'none',
    };
  }

  it('mounts the overlay once with the layers lowest first, and is idempotent', async () => {
    const s = spec(['/l1', '/l2', '/l3']);
    await mountRootfs(sys, s, `${tmp}/empty`, isMounted);
    await mountRootfs(sys, s, `${tmp}/empty`, isMounted);
    assert.equal(sys.calls.length, 1);
    const call = sys.calls[0]!;
    assert.equal(call.op, 'mountOverlay');
    if (call.op === 'mountOverlay') assert.deepEqual(call.opts.lower, ['/l1', '/l2', '/l3']);
  });

  it('backs a layerless image with an empty lower dir', async () => {
    await mountRootfs(sys, spec([]), `${tmp}/empty`, isMounted);
    const call = sys.calls[0]!;
    assert.ok(call.op === 'mountOverlay' && call.opts.lower[0] === `${tmp}/empty`);
    assert.ok(fs.statSync(`${tmp}/empty`).isDirectory());
  });

  it('the legacy data string lists the top layer first', () => {
    assert.equal(overlayData({ lower: ['/a', '/b'], upper: '/u', work: '/w', target: '/t' }), 'lowerdir=/b:/a,upperdir=/u,workdir=/w');
  });

  it('unmount is idempotent and falls back to a lazy detach when busy', async () => {
    const target = `${tmp}/rootfs`;
    await unmountRootfs(sys, target);
    assert.deepEqual(sys.calls.map((c) => (c.op === 'umount' ? c.flags : -1)), [0], 'nothing mounted: one umount2 answering EINVAL');
    sys.calls.length = 0;
    sys.mounted.add(target);
    sys.failNext('umount', 16);
    await unmountRootfs(sys, target);
    assert.deepEqual(sys.calls.map((c) => (c.op === 'umount' ? c.flags : -1)), [0, 2, 0], 'busy: lazy detach, then EINVAL: gone');
    assert.equal(sys.mounted.has(target), false);
  });

  it('surfaces other unmount errors as BerthErrors naming the path', async () => {
    const target = `${tmp}/rootfs`;
    sys.mounted.add(target);
    sys.failNext('umount', 1);
    await assert.rejects(unmountRootfs(sys, target), (err: Error & { kind?: string }) => {
      assert.equal(err.kind, 'Forbidden');
      assert.match(err.message, new RegExp(`umount2 ${target}: operation not permitted \\(EPERM\\)`));
      return true;
    });
  });

  it('reconcile unmounts rootfs mounts of containers that are not running, and cleanup is idempotent', async () => {
    const paths = new StorePaths(`${tmp}/data`, `${tmp}/run`);
    const stale = path.join(paths.containerDir('deadbeef'), 'rootfs');
    sys.mounted.add(stale);
    sys.mounted.add('/elsewhere');
    const cg = fakeCgroups();
    const rt = createRuntime({
      paths, syscalls: sys, cgroups: cg, helperPath: '/nonexistent',
      mountinfo: async () => [...sys.mounted].map((mountPoint) => ({ mountPoint, fstype: 'overlay', source: 'overlay' })),
    });
    assert.deepEqual(await rt.reconcile!(), [stale]);
    assert.deepEqual([...sys.mounted], ['/elsewhere']);
    await rt.cleanup('deadbeef', stale);
    await rt.cleanup('deadbeef', stale);
    assert.deepEqual(cg.removed, ['deadbeef', 'deadbeef']);
  });

  it('rejects ids that could escape the run directory', async () => {
    const rt = createRuntime({ paths: new StorePaths(`${tmp}/d`, `${tmp}/r`), syscalls: sys, cgroups: fakeCgroups(), helperPath: '/x' });
    await assert.rejects(rt.readExit('../etc'), /invalid container id/);
  });
});
