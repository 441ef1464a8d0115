/**
 * --cgroup-parent: where a container's cgroup goes (dockerd's cgroupfs driver + runc's path
 * rules: daemon/oci_linux.go WithCgroups joins PARENT and the id; runc's fs/fs2 managers take
 * an absolute path from the hierarchy's root and a relative one from the runtime's own
 * cgroup, v2 from its parent), and the v1/v2 managers making nested parents usable.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkCgroupParent, parsePlace, parseProcCgroup, placeFor } from '../../../daemon/runtime/cgroup-place';
import { CgroupsV1, CgroupsV2 } from '../../../daemon/runtime/cgroups';
import type { DeviceBpf } from '../../../native/ffi';

const PROC_V1 = '12:pids:/system.slice/berthd.service\n5:cpu,cpuacct:/system.slice/berthd.service\n3:freezer:/\n1:name=systemd:/system.slice/berthd.service\n0::/system.slice/berthd.service\n';

describe('runtime: cgroup placement (--cgroup-parent)', () => {
  const own = () => parseProcCgroup(PROC_V1);

  it('parses /proc/self/cgroup: co-mounted controllers, named and v2 lines', () => {
    const m = own();
    assert.equal(m.get('cpu'), '/system.slice/berthd.service');
    assert.equal(m.get('cpuacct'), '/system.slice/berthd.service');
    assert.equal(m.get('freezer'), '/');
    assert.equal(m.get('name=systemd'), '/system.slice/berthd.service');
    assert.equal(m.get(''), '/system.slice/berthd.service');
  });

  it('no parent: berth\'s own, from the root of every hierarchy', () => {
    assert.deepEqual(placeFor('c1', undefined, ['cpu', 'freezer'], own).paths, { cpu: '/berth/c1', freezer: '/berth/c1' });
    assert.deepEqual(placeFor('c1', '', [''], own).paths, { '': '/berth/c1' });
  });

  it('an absolute parent is taken from the hierarchy\'s root, cleaned', () => {
    assert.deepEqual(placeFor('c1', '/kubepods/besteffort/pod1', ['cpu', 'pids'], own).paths, { cpu: '/kubepods/besteffort/pod1/c1', pids: '/kubepods/besteffort/pod1/c1' });
    assert.deepEqual(placeFor('c1', '/a//b/../c/', [''], own).paths, { '': '/a/c/c1' });
    // `..` cannot climb above the root
    assert.deepEqual(placeFor('c1', '/../../etc', [''], own).paths, { '': '/etc/c1' });
  });

  it('a relative parent goes under berthd\'s own cgroup (v1) or its parent (v2); `..` stops there', () => {
    assert.deepEqual(placeFor('c1', 'pods', ['cpu', 'freezer'], own).paths, { cpu: '/system.slice/berthd.service/pods/c1', freezer: '/pods/c1' });
    assert.deepEqual(placeFor('c1', 'nomad.slice', [''], own).paths, { '': '/system.slice/nomad.slice/c1' });
    assert.deepEqual(placeFor('c1', '../../x', ['pids'], own).paths, { pids: '/system.slice/berthd.service/x/c1' });
  });

  it('refuses systemd\'s slice:prefix:name form and non-strings with one sentence', () => {
    assert.doesNotThrow(() => checkCgroupParent('/kubepods/pod1'));
    assert.doesNotThrow(() => checkCgroupParent('kubepods-besteffort.slice'));
    assert.doesNotThrow(() => checkCgroupParent(''));
    assert.throws(() => checkCgroupParent('system.slice:docker:abc'), /systemd's "slice:prefix:name" form, but berthd's cgroup driver is cgroupfs/);
    assert.throws(() => checkCgroupParent(5), /expected a string/);
  });

  it('reads a recorded place back, and nothing that is not one', () => {
    const p = placeFor('c1', '/k/p', ['memory'], own);
    assert.deepEqual(parsePlace(JSON.stringify(p)), p);
    assert.equal(parsePlace('{"paths":{"memory":"../x"}}'), undefined);
    assert.equal(parsePlace('{"paths":{"memory":"/a/../../x"}}'), undefined);
    assert.equal(parsePlace('nonsense'), undefined);
  });
});

describe('runtime: cgroup managers under a --cgroup-parent (fake roots)', () => {
  let root = '';
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'berth-cgp-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('v1: makes every level, and each new cpuset level gets its parent\'s cpus and mems', async () => {
    mkdirSync(path.join(root, 'cpuset'));
    mkdirSync(path.join(root, 'pids'));
    writeFileSync(path.join(root, 'cpuset', 'cpuset.cpus'), '0-1');
    writeFileSync(path.join(root, 'cpuset', 'cpuset.mems'), '0');
    // a fake cgroupfs makes no control files: create the empty ones a kernel would
    for (const d of ['kube', 'kube/pod1', 'kube/pod1/c3']) {
      mkdirSync(path.join(root, 'cpuset', d), { recursive: true });
      for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(path.join(root, 'cpuset', d, f), '');
    }
    const cg = new CgroupsV1(root, ['cpuset', 'pids']);
    const at = await cg.place('c3', '/kube/pod1');
    const dirs = await cg.create(at);
    assert.deepEqual(dirs, [path.join(root, 'cpuset/kube/pod1/c3'), path.join(root, 'pids/kube/pod1/c3')]);
    for (const d of ['kube', 'kube/pod1', 'kube/pod1/c3']) {
      assert.equal(readFileSync(path.join(root, 'cpuset', d, 'cpuset.cpus'), 'utf8'), '0-1', d);
      assert.equal(readFileSync(path.join(root, 'cpuset', d, 'cpuset.mems'), 'utf8'), '0', d);
    }
    // (a kernel's control files vanish with the directory; the fake's must go first)
    for (const f of ['cpuset.cpus', 'cpuset.mems']) rmSync(path.join(root, 'cpuset/kube/pod1/c3', f));
    await cg.remove(at);
    assert.deepEqual(readdirSync(path.join(root, 'pids/kube/pod1')), [], 'the container\'s directory went');
    assert.ok(existsSync(path.join(root, 'cpuset/kube/pod1')), 'its parents stay (they may be kubelet\'s)');
  });

  it('v2: delegates the controllers at every level down to the parent', async () => {
    writeFileSync(path.join(root, 'cgroup.subtree_control'), '');
    for (const d of ['a', 'a/b']) {
      mkdirSync(path.join(root, d));
      writeFileSync(path.join(root, d, 'cgroup.subtree_control'), '');
    }
    const cg = new CgroupsV2(root, {} as DeviceBpf);
    const [dir] = await cg.create(await cg.place('c4', '/a/b'));
    assert.equal(dir, path.join(root, 'a/b/c4'));
    // a fake file keeps the last write; the kernel accumulates them
    for (const d of ['', 'a', 'a/b']) assert.equal(readFileSync(path.join(root, d, 'cgroup.subtree_control'), 'utf8'), '+io', d);
  });
});
