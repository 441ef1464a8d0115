/**
 * --cgroup-parent / HostConfig.CgroupParent (issue 8 Resources; cri-dockerd and Nomad send it):
 * the container's processes are in PARENT/<id> (read from the host's /proc/<pid>/cgroup), its
 * limits are written there, pause/update/stats/top follow it, it survives a SIGKILL of berthd,
 * and rm removes the container's cgroup but not the parent (kubelet owns its pod cgroups).
 * dockerd's rules (daemon/oci_linux.go WithCgroups, runc's cgroupfs managers): a leading
 * slash is from the hierarchy's root, a relative parent is under the daemon's own cgroup.
 * docker CLI, dockerode, docker-py.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmdirSync, statfsSync } from 'node:fs';
import * as path from 'node:path';
import { type Fixtures, type TestDaemon, skipBecause, useDockerDaemon } from '../support';

const ROOT = '/sys/fs/cgroup';
const V2 = (() => {
  try {
    return statfsSync(ROOT).type === 0x63677270;
  } catch {
    return false;
  }
})();

/** /proc/<pid>/cgroup: controller (v1) or '' (v2) → path. */
function cgroupsOf(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    for (const c of (m[1] ?? '').split(',')) out.set(c, m[2] ?? '');
  }
  return out;
}

/** The host directory of `cg` (a cgroup path) in the hierarchy that has `ctrl`. */
const hostDir = (ctrl: string, cg: string) => (V2 ? path.join(ROOT, cg) : path.join(ROOT, ctrl, cg));
const memLimitFile = V2 ? 'memory.max' : 'memory.limit_in_bytes';
const MEM = V2 ? '' : 'memory';

/**
 * Removes the test's parent directories, deepest first, in every hierarchy; `under` says
 * where the tree starts in the hierarchy of controller `ctrl` ('' on v2).
 */
function removeTree(under: (ctrl: string) => string): void {
  const hierarchies = V2 ? [''] : readdirSync(ROOT).filter((c) => existsSync(path.join(ROOT, c, 'cgroup.procs')));
  for (const h of hierarchies) {
    const top = path.join(ROOT, h, under(h));
    if (!existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (dir: string) => {
      dirs.push(dir);
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(dir, e.name));
    };
    walk(top);
    for (const dir of dirs.reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // a container still in it: reported by the assertion that failed
      }
    }
  }
}

describe('e2e: --cgroup-parent', function () {
  this.timeout(120_000);
  let d: TestDaemon;
  let f: Fixtures;
  const abs = `berth-e2e-cgp-${process.pid}`;
  const rel = `berth-e2e-cgp-rel-${process.pid}`;
  let own = new Map<string, string>();
  let ownMem = '/';

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (f = fx)));
  before(function () {
    if (!V2 && !existsSync(path.join(ROOT, 'memory'))) skipBecause(this, 'this host has no cgroup memory hierarchy');
    own = cgroupsOf(d.pid as number);
    ownMem = own.get(MEM) ?? '/';
  });
  after(() => {
    removeTree(() => abs);
    removeTree((ctrl) => path.join(V2 ? path.dirname(own.get('') ?? '/') : own.get(ctrl) ?? '/', rel));
  });

  const inspect = async (name: string, format: string) => (await d.docker(['inspect', '-f', format, name])).stdout.trim();

  it('an absolute parent: the processes are in PARENT/<id>, limits land there, update/pause/top follow, rm removes only the container\'s cgroup', async () => {
    const parent = `/${abs}/pod1`;
    const r = await d.docker(['run', '-d', '--name', 'cgp1', '--cgroup-parent', parent, '-m', '48m', '--pids-limit', '33', f.busybox.ref, 'sleep', '300']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    try {
      assert.equal(await inspect('cgp1', '{{.HostConfig.CgroupParent}}'), parent);
      const pid = Number(await inspect('cgp1', '{{.State.Pid}}'));
      const cgs = cgroupsOf(pid);
      const want = `${parent}/${id}`;
      assert.equal(cgs.get(MEM), want, `/proc/${pid}/cgroup: ${[...cgs].join(' ')}`);
      if (!V2) for (const c of ['pids', 'freezer', 'devices', 'cpu']) assert.equal(cgs.get(c), want, c);
      assert.equal(readFileSync(path.join(hostDir('memory', want), memLimitFile), 'utf8').trim(), String(48 * 1024 * 1024));
      assert.equal(readFileSync(path.join(hostDir('pids', want), 'pids.max'), 'utf8').trim(), '33');
      // the container sees its own cgroup at /sys/fs/cgroup
      const inside = await d.docker(['exec', 'cgp1', 'cat', V2 ? '/sys/fs/cgroup/memory.max' : '/sys/fs/cgroup/memory/memory.limit_in_bytes']);
      assert.equal(inside.stdout.trim(), String(48 * 1024 * 1024), inside.stderr);
      // an exec joins the same cgroup
      const ex = await d.docker(['exec', 'cgp1', 'cat', '/proc/self/cgroup']);
      assert.match(ex.stdout, new RegExp(`${V2 ? '0::' : ':memory:'}${want}$`, 'm'));
      assert.equal((await d.docker(['update', '-m', '64m', '--memory-swap', '128m', 'cgp1'])).code, 0);
      assert.equal(readFileSync(path.join(hostDir('memory', want), memLimitFile), 'utf8').trim(), String(64 * 1024 * 1024));
      assert.equal((await d.docker(['pause', 'cgp1'])).code, 0);
      assert.equal(await inspect('cgp1', '{{.State.Status}}'), 'paused');
      assert.equal((await d.docker(['unpause', 'cgp1'])).code, 0);
      const top = await d.docker(['top', 'cgp1']);
      assert.match(top.stdout, /sleep 300/);
      const st = await d.docker(['stats', '--no-stream', '--format', '{{.MemUsage}}', 'cgp1']);
      assert.match(st.stdout, /\/ 64MiB/, st.stdout + st.stderr);
    } finally {
      assert.equal((await d.docker(['rm', '-f', 'cgp1'])).code, 0);
    }
    assert.equal(existsSync(hostDir('memory', `${parent}/${id}`)), false, 'the container\'s cgroup is removed');
    assert.equal(existsSync(hostDir('memory', parent)), true, 'the parent stays, as with dockerd');
  });

  it('a relative parent goes under berthd\'s own cgroup (berth CLI)', async () => {
    const r = await d.berth(['run', '--rm', '--cgroup-parent', rel, f.busybox.ref, 'cat', '/proc/self/cgroup']);
    assert.equal(r.code, 0, r.stderr);
    const base = V2 ? path.posix.dirname(ownMem) : ownMem;
    assert.match(r.stdout, new RegExp(`${V2 ? '0::' : ':memory:'}${path.posix.join(base, rel)}/[0-9a-f]{64}$`, 'm'), r.stdout);
    if (!V2) {
      // a hierarchy where berthd sits at the root places it from the root
      const ownFreezer = own.get('freezer') ?? '/';
      assert.match(r.stdout, new RegExp(`:freezer:${path.posix.join(ownFreezer, rel)}/[0-9a-f]{64}$`, 'm'), r.stdout);
    }
  });

  it('the cgroup is found again after a SIGKILL of berthd and removed when the container ends', async () => {
    const parent = `/${abs}/pod2`;
    const r = await d.docker(['run', '-d', '--name', 'cgp2', '--cgroup-parent', parent, f.busybox.ref, 'sleep', '300']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    const dir = hostDir('memory', `${parent}/${id}`);
    assert.ok(existsSync(dir));
    await d.kill();
    await d.restart();
    assert.equal(await inspect('cgp2', '{{.State.Running}}'), 'true');
    const st = await d.docker(['stats', '--no-stream', '--format', '{{.PIDs}}', 'cgp2']);
    assert.equal(st.stdout.trim(), '1', st.stderr);
    assert.equal((await d.docker(['stop', '-t', '1', 'cgp2'])).code, 0);
    for (let i = 0; i < 100 && existsSync(dir); i++) await new Promise((res) => setTimeout(res, 50));
    assert.equal(existsSync(dir), false, 'the stopped container\'s cgroup was removed');
    assert.equal((await d.docker(['rm', 'cgp2'])).code, 0);
  });

  it('refuses systemd\'s slice:prefix:name form (berthd\'s driver is cgroupfs); dockerode and docker-py set and read it', async () => {
    const bad = await d.docker(['run', '--rm', '--cgroup-parent', 'system.slice:docker:x', f.busybox.ref, 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /systemd's "slice:prefix:name" form, but berthd's cgroup driver is cgroupfs/);
    const info = await d.docker(['info', '-f', '{{.CgroupDriver}}']);
    assert.equal(info.stdout.trim(), 'cgroupfs');

    const c = await d.dockerode().createContainer({ Image: f.busybox.ref, Cmd: ['cat', '/proc/self/cgroup'], HostConfig: { CgroupParent: `/${abs}/pod3` } });
    try {
      assert.equal((await c.inspect()).HostConfig.CgroupParent, `/${abs}/pod3`);
      await c.start();
      await c.wait();
      const logs = (await c.logs({ stdout: true })).toString('latin1');
      assert.ok(logs.includes(`/${abs}/pod3/${c.id}`), logs);
    } finally {
      await c.remove({ force: true });
    }
    const py = await d.dockerPy(`import docker
c = docker.from_env()
out = c.containers.run(${JSON.stringify(f.busybox.ref)}, ['cat', '/proc/self/cgroup'], cgroup_parent='/${abs}/pod4', remove=True)
print(out.decode())`);
    assert.equal(py.code, 0, py.stderr);
    assert.match(py.stdout, new RegExp(`/${abs}/pod4/[0-9a-f]{64}`));
  });
});

describe('e2e: berthd --cgroup-parent (the default parent)', function () {
  this.timeout(120_000);
  let d: TestDaemon;
  let f: Fixtures;
  const parent = `/berth-e2e-cgp-daemon-${process.pid}`;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (f = fx)), { args: ['--cgroup-parent', parent] });
  after(() => removeTree(() => parent));

  it('places containers that name no parent under the daemon\'s; a container\'s own parent wins', async () => {
    const r = await d.docker(['run', '--rm', f.busybox.ref, 'cat', '/proc/self/cgroup']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${V2 ? '0::' : ':memory:'}${parent}/[0-9a-f]{64}$`, 'm'), r.stdout);
    const own = await d.docker(['run', '--rm', '--cgroup-parent', `${parent}/own`, f.busybox.ref, 'cat', '/proc/self/cgroup']);
    assert.match(own.stdout, new RegExp(`${V2 ? '0::' : ':memory:'}${parent}/own/[0-9a-f]{64}$`, 'm'), own.stdout);
  });
});
