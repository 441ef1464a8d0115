/**
 * What a process sees inside a berth container, checked with the real docker CLI the way a user
 * would: pid 1 and only its own processes, the 12-hex id as hostname, the host's kernel, the
 * /etc files berth writes, no host mounts, masked and read-only /proc paths, Docker's default
 * capability bounding set, and the run options that change the view (-u, --read-only, --tmpfs,
 * -v :ro, --init, -w). Also: many containers from one image share its layers on disk.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { haveCommand, makeTempDir, removeTree, requireRoot, sharedFixtures, skipBecause, startDaemon, type TestDaemon, useDockerDaemon } from '../support';

const DOCKER_DEFAULT_CAPS = '00000000a80425fb';

describe('e2e: inside a container (docker CLI)', function () {
  let d: TestDaemon;
  let image: string;
  let hostDir: string;

  before(async function () {
    requireRoot(this);
    if (!haveCommand('docker')) skipBecause(this, 'the docker CLI is not installed');
    image = (await sharedFixtures()).busybox.ref;
    d = await startDaemon();
    const pull = await d.docker(['pull', '-q', image]);
    if (pull.code !== 0) throw new Error(`pull failed: ${pull.stderr}`);
    hostDir = await makeTempDir('berth-qa-inside-');
    await fs.writeFile(path.join(hostDir, 'f'), 'from-host\n');
  });

  after(async function () {
    await d?.stop();
    if (hostDir) await removeTree(hostDir);
  });

  const sh = async (script: string, ...opts: string[]) => {
    const r = await d.docker(['run', '--rm', ...opts, image, 'sh', '-c', script]);
    return r;
  };

  it('is pid 1, sees only its own processes, and has the 12-hex id as hostname', async function () {
    const r = await d.docker(['run', '--name', 'whoami', image, 'sh', '-c', 'echo pid=$$; echo /proc/[0-9]*; hostname']);
    assert.equal(r.code, 0, r.stderr);
    const id = (await d.docker(['inspect', '-f', '{{.Id}}', 'whoami'])).stdout.trim();
    const [pid, nproc, hostname] = r.stdout.trim().split('\n');
    assert.equal(pid, 'pid=1');
    assert.equal(nproc, '/proc/1', 'only its own process in /proc, nothing of the host');
    assert.equal(hostname, id.slice(0, 12));
    await d.docker(['rm', 'whoami']);
  });

  it('runs the host kernel and has /etc/hosts, /etc/hostname and /etc/resolv.conf', async function () {
    const r = await sh('uname -r; cat /etc/hostname; grep -c localhost /etc/hosts; test -s /etc/resolv.conf && echo resolv');
    assert.equal(r.code, 0, r.stderr);
    const [kernel, hostname, localhost, resolv] = r.stdout.trim().split('\n');
    assert.equal(kernel, os.release());
    assert.match(hostname ?? '', /^[0-9a-f]{12}$/);
    assert.ok(Number(localhost) >= 1);
    assert.equal(resolv, 'resolv');
  });

  it('cannot see the host\'s mounts, and /proc is masked and read-only where Docker does it', async function () {
    const r = await sh('cut -d" " -f5 /proc/self/mountinfo; echo ---; wc -c < /proc/keys; echo 1 > /proc/sys/kernel/domainname && echo wrote-sys; grep CapBnd /proc/self/status; grep CapEff /proc/self/status');
    assert.equal(r.code, 0, r.stderr);
    const [mounts, rest] = r.stdout.split('---\n');
    const points = (mounts ?? '').trim().split('\n');
    assert.equal(points[0], '/');
    const hostOnly = points.filter((p) => p.startsWith(d.dataRoot) || p.startsWith('/tmp/') || p === '/boot' || p.startsWith('/work'));
    assert.deepEqual(hostOnly, []);
    assert.ok(points.includes('/proc/sys'), 'a read-only bind over /proc/sys');
    const lines = (rest ?? '').trim().split('\n');
    assert.equal(lines[0]?.trim(), '0', '/proc/keys is masked');
    assert.ok(!r.stdout.includes('wrote-sys'), '/proc/sys is read-only');
    assert.match(r.stderr, /Read-only file system/);
    assert.equal(lines.find((l) => l.startsWith('CapBnd'))?.split(/\s+/)[1], DOCKER_DEFAULT_CAPS);
    assert.equal(lines.find((l) => l.startsWith('CapEff'))?.split(/\s+/)[1], DOCKER_DEFAULT_CAPS);
  });

  it('-u NAME and -u UID:GID set the user; -w creates the directory', async function () {
    assert.equal((await sh('id -u; id -g', '-u', 'app')).stdout, '1000\n1000\n');
    assert.equal((await sh('id -u; id -g', '-u', '1000:1000')).stdout, '1000\n1000\n');
    // As in Docker, the primary gid is also the first supplementary group.
    assert.equal((await sh("grep '^Groups:' /proc/self/status", '-u', '1000:1000')).stdout.trim(), 'Groups:\t1000');
    assert.equal((await sh("grep '^Groups:' /proc/self/status")).stdout.trim(), 'Groups:\t0');
    const w = await sh('pwd; test -d /newdir/sub && echo made', '-w', '/newdir/sub');
    assert.equal(w.stdout, '/newdir/sub\nmade\n');
  });

  it('--read-only refuses writes, --tmpfs gives a writable dir, -v :ro refuses writes', async function () {
    const ro = await sh('echo x > /file && echo wrote; echo y > /run/y && cat /run/y', '--read-only', '--tmpfs', '/run');
    assert.equal(ro.stdout, 'y\n');
    assert.match(ro.stderr, /Read-only file system/);
    const bind = await sh('cat /mnt/f; echo z > /mnt/g && echo wrote', '-v', `${hostDir}:/mnt:ro`);
    assert.equal(bind.stdout, 'from-host\n');
    assert.match(bind.stderr, /Read-only file system/);
    await assert.rejects(fs.stat(path.join(hostDir, 'g')));
  });

  it('--mount type=bind,readonly and type=tmpfs work as -v and --tmpfs do', async function () {
    const r = await sh('cat /m/f; echo z > /m/z && echo wrote; echo t > /t/x && cat /t/x',
      '--mount', `type=bind,src=${hostDir},dst=/m,readonly`, '--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m');
    assert.equal(r.stdout, 'from-host\nt\n');
    assert.match(r.stderr, /Read-only file system/);
    const missing = await sh('true', '--mount', 'type=bind,src=/nonexistent-berth-qa,dst=/m');
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /bind source path does not exist: \/nonexistent-berth-qa/);
  });

  it('--init runs an init as pid 1 with the command as its child', async function () {
    const r = await sh('echo $$; cat /proc/1/cmdline | tr "\\0" " "', '--init');
    assert.equal(r.code, 0, r.stderr);
    const [pid, init] = r.stdout.trim().split('\n');
    assert.notEqual(pid, '1');
    assert.ok(!(init ?? '').startsWith('sh '), `pid 1 is the init, not the command: ${init}`);
  });
});

describe('e2e: containers share their image\'s layers on disk', function () {
  let d: TestDaemon;
  let image: string;
  const N = 20;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (image = fx.busybox.ref)));

  it(`${N} containers from one image cost only their own changes (ps -s, system df)`, async function () {
    this.timeout(120_000);
    const layersBefore = (await fs.readdir(path.join(d.dataRoot, 'layers'))).sort();
    for (let i = 1; i <= N; i++) {
      const r = await d.docker(['run', '-d', '--name', `c${i}`, image, 'sh', '-c', 'echo changed > /mine; sleep 600']);
      assert.equal(r.code, 0, r.stderr);
    }
    // No per-container copy of the image: the layer store is unchanged.
    assert.deepEqual((await fs.readdir(path.join(d.dataRoot, 'layers'))).sort(), layersBefore);

    const api = d.dockerode();
    const list = (await api.listContainers({ all: true, size: true })) as Array<{ SizeRw?: number; SizeRootFs?: number }>;
    assert.equal(list.length, N);
    const imageSize = (await api.getImage(image).inspect()).Size;
    for (const c of list) {
      assert.ok((c.SizeRw ?? -1) >= 0 && (c.SizeRw ?? 0) < 64 * 1024, `SizeRw ${c.SizeRw} is only the container's change`);
      assert.ok((c.SizeRootFs ?? 0) >= imageSize, 'SizeRootFs counts the shared image');
    }
    const ps = await d.docker(['ps', '-s', '--format', '{{.Size}}']);
    for (const line of ps.stdout.trim().split('\n')) assert.match(line, /^\d+(\.\d+)?k?B \(virtual \d+(\.\d+)?MB\)$/);

    const df = (await api.df()) as { LayersSize: number; Containers: Array<{ SizeRw?: number }> };
    assert.equal(df.Containers.length, N);
    const rw = df.Containers.reduce((n, c) => n + (c.SizeRw ?? 0), 0);
    assert.ok(rw < N * 64 * 1024, `all writable layers together: ${rw} bytes`);
    assert.ok(df.LayersSize < 2 * imageSize, `the image is stored once: LayersSize ${df.LayersSize}, image ${imageSize}`);

    // Each writable layer holds the container's own file and nothing of the image.
    const dirs = await fs.readdir(path.join(d.dataRoot, 'containers'));
    assert.equal(dirs.length, N);
    for (const id of dirs) {
      const upper = path.join(d.dataRoot, 'containers', id, 'upper');
      const entries = (await fs.readdir(upper)).filter((e) => e !== 'etc' && e !== 'proc' && e !== 'dev' && e !== 'sys');
      assert.deepEqual(entries, ['mine'], `upper of ${id}`);
      await assert.rejects(fs.stat(path.join(upper, 'bin', 'busybox')), 'no copy of the image in the writable layer');
    }
    const rm = await d.docker(['rm', '-f', ...Array.from({ length: N }, (_, i) => `c${i + 1}`)]);
    assert.equal(rm.code, 0, rm.stderr);
  });
});
