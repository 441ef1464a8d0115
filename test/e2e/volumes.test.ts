/**
 * Volumes end to end with the docker CLI, docker-py and dockerode: the local driver's
 * lifecycle (create/ls filters/inspect/rm/prune, Docker's refusals), `-v NAME:/p`,
 * `--mount type=volume`, anonymous volumes from `-v /p` and the image's VOLUME seeded with the
 * image's content (owner and mode kept), `rm -v`, `--volumes-from`, `system df`, data that
 * survives the container's removal and a berthd restart (also after SIGKILL).
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { skipBecause, useDockerDaemon, type Fixtures, type TestDaemon } from '../support';

describe('e2e: volumes (local driver, -v, --mount, seeding, restart)', function () {
  let d: TestDaemon;
  let f: Fixtures;
  const seeded = 'berth-test/seeded:1';

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => { d = daemon; f = fx; });
  before(async function () {
    // An image with content under its VOLUME, owned by 1234:5678, mode 0750 (and a file 0600).
    const ctx = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-vol-ctx-'));
    await fs.writeFile(path.join(ctx, 'Dockerfile'), [
      `FROM ${f.busybox.ref}`,
      'RUN mkdir -p /data/sub && echo from-image > /data/sub/f && chmod 0600 /data/sub/f && chown -R 1234:5678 /data && chmod 0750 /data',
      'VOLUME /data',
    ].join('\n') + '\n');
    const b = await d.docker(['build', '-q', '-t', seeded, ctx]);
    await fs.rm(ctx, { recursive: true, force: true });
    assert.equal(b.code, 0, b.stderr);
  });

  const ok = async (args: string[]) => {
    const r = await d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };

  it('creates, lists with filters, inspects and removes volumes (docker CLI)', async function () {
    assert.equal(await ok(['volume', 'create', '--label', 'tier=db', 'vol-a']), 'vol-a');
    await ok(['volume', 'create', 'vol-b']);
    const v = JSON.parse(await ok(['volume', 'inspect', 'vol-a']))[0];
    assert.equal(v.Name, 'vol-a');
    assert.equal(v.Driver, 'local');
    assert.equal(v.Scope, 'local');
    assert.deepEqual(v.Labels, { tier: 'db' });
    assert.equal(v.Mountpoint, path.join(d.dataRoot, 'volumes', 'vol-a', '_data'));
    assert.match(v.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok((await fs.stat(v.Mountpoint)).isDirectory());
    assert.deepEqual((await ok(['volume', 'ls', '-q', '--filter', 'label=tier=db'])).split('\n'), ['vol-a']);
    assert.deepEqual((await ok(['volume', 'ls', '-q', '--filter', 'name=vol-'])).split('\n'), ['vol-a', 'vol-b']);
    assert.deepEqual((await ok(['volume', 'ls', '-q', '--filter', 'dangling=true', '--filter', 'name=vol-'])).split('\n'), ['vol-a', 'vol-b']);
    assert.deepEqual((await ok(['volume', 'ls', '-q', '--filter', 'driver=local', '--filter', 'name=vol-b'])).split('\n'), ['vol-b']);
    const bad = await d.docker(['volume', 'ls', '--filter', 'colour=red']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid filter 'colour'/);
    await ok(['volume', 'rm', 'vol-a', 'vol-b']);
    const gone = await d.docker(['volume', 'inspect', 'vol-a']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /no such volume/);
    await assert.rejects(fs.stat(v.Mountpoint));
  });

  it('refuses a name with a slash (400, Docker\'s message) and an unknown driver option', async function () {
    const r = await d.dockerode().createVolume({ Name: 'a/b' }).then(() => assert.fail('created'), (e: { statusCode?: number; json?: { message?: string } }) => e);
    assert.equal(r.statusCode, 400);
    assert.match(r.json?.message ?? '', /"a\/b" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed/);
    const o = await d.docker(['volume', 'create', '-o', 'colour=red', 'vol-x']);
    assert.notEqual(o.code, 0);
    assert.match(o.stderr, /invalid option key: "colour"/);
  });

  it('keeps a named volume\'s data across container removal and a berthd restart; rm refused while in use', async function () {
    await ok(['run', '--name', 'writer', '-v', 'keep:/data', f.busybox.ref, 'sh', '-c', 'echo kept > /data/x']);
    const inUse = await d.docker(['volume', 'rm', 'keep']);
    assert.notEqual(inUse.code, 0);
    assert.match(inUse.stderr, /volume is in use/);
    const forced = await d.docker(['volume', 'rm', '-f', 'keep']);
    assert.notEqual(forced.code, 0, 'rm -f of a volume in use is refused too, as in Docker');
    const m = JSON.parse(await ok(['inspect', '-f', '{{json .Mounts}}', 'writer']));
    assert.deepEqual(m, [{ Type: 'volume', Name: 'keep', Source: path.join(d.dataRoot, 'volumes', 'keep', '_data'), Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' }]);
    await ok(['rm', '-v', 'writer']);
    await d.restart();
    assert.equal(await ok(['run', '--rm', '-v', 'keep:/data:ro', f.busybox.ref, 'cat', '/data/x']), 'kept');
    const ro = await d.docker(['run', '--rm', '-v', 'keep:/data:ro', f.busybox.ref, 'sh', '-c', 'echo no > /data/y']);
    assert.notEqual(ro.code, 0);
    await d.kill();
    await d.restart();
    assert.equal(await ok(['run', '--rm', '--mount', 'type=volume,src=keep,dst=/v', f.busybox.ref, 'cat', '/v/x']), 'kept');
    await ok(['volume', 'rm', 'keep']);
  });

  it('seeds an empty volume from the image (owner and mode kept), never a volume with data', async function () {
    const out = await ok(['run', '--rm', '-v', 'seedme:/data', seeded, 'sh', '-c', 'stat -c "%u:%g %a" /data /data/sub/f; cat /data/sub/f']);
    assert.equal(out, '1234:5678 750\n1234:5678 600\nfrom-image');
    await ok(['run', '--rm', '-v', 'seedme:/data', f.busybox.ref, 'sh', '-c', 'echo changed > /data/sub/f']);
    assert.equal(await ok(['run', '--rm', '-v', 'seedme:/data', seeded, 'cat', '/data/sub/f']), 'changed');
    // volume-nocopy: the image's content is not copied
    assert.equal(await ok(['run', '--rm', '--mount', 'type=volume,src=nocopy,dst=/data,volume-nocopy', seeded, 'ls', '-A', '/data']), '');
    await ok(['volume', 'rm', 'seedme', 'nocopy']);
  });

  it('keeps xattrs when seeding (an image committed with a user.* xattr under its VOLUME)', async function () {
    const id = await ok(['create', f.busybox.ref, 'true']);
    const upper = path.join(d.dataRoot, 'containers', id, 'upper');
    await fs.mkdir(path.join(upper, 'xdata'));
    await fs.writeFile(path.join(upper, 'xdata', 'f'), 'x');
    const py = (code: string) => spawnSync('/usr/bin/python3', ['-c', code]);
    const set = py(`import os; os.setxattr(${JSON.stringify(path.join(upper, 'xdata', 'f'))}, "user.berth", b"seeded")`);
    if (set.status !== 0) skipBecause(this, `the data root's filesystem takes no user xattrs: ${set.stderr.toString().trim()}`);
    await ok(['commit', '--change', 'VOLUME /xdata', id, 'berth-test/xattr:1']);
    await ok(['run', '--rm', '-v', 'xav:/xdata', 'berth-test/xattr:1', 'true']);
    const get = py(`import os; print(os.getxattr(${JSON.stringify(path.join(d.dataRoot, 'volumes/xav/_data/f'))}, "user.berth").decode())`);
    assert.equal(get.stdout.toString().trim(), 'seeded', get.stderr.toString());
    await ok(['rm', id]);
    await ok(['volume', 'rm', 'xav']);
  });

  it('makes anonymous volumes for the image\'s VOLUME and -v /path; rm -v removes them, named ones stay', async function () {
    const id = await ok(['create', '-v', '/scratch', '-v', 'named-stays:/n', seeded, 'sh', '-c', 'cat /data/sub/f; ls /scratch']);
    const mounts = JSON.parse(await ok(['inspect', '-f', '{{json .Mounts}}', id])) as { Type: string; Name: string; Destination: string; Mode: string; Driver: string }[];
    const anon = mounts.filter((m) => m.Name !== 'named-stays');
    assert.equal(anon.length, 2);
    for (const m of anon) {
      assert.match(m.Name, /^[0-9a-f]{64}$/);
      assert.equal(m.Type, 'volume');
      assert.equal(m.Driver, 'local');
    }
    assert.deepEqual(anon.map((m) => m.Destination).sort(), ['/data', '/scratch']);
    await ok(['start', '-a', id]);
    const labels = JSON.parse(await ok(['volume', 'inspect', (anon[0] as { Name: string }).Name]))[0].Labels;
    assert.deepEqual(labels, { 'com.docker.volume.anonymous': '' });
    await ok(['rm', '-v', id]);
    const left = (await ok(['volume', 'ls', '-q'])).split('\n');
    for (const m of anon) assert.ok(!left.includes(m.Name), `anonymous volume ${m.Name} was removed`);
    assert.ok(left.includes('named-stays'));
    // --rm removes the anonymous ones too
    const before = (await ok(['volume', 'ls', '-q'])).split('\n').length;
    await ok(['run', '--rm', '-v', '/tmpdata', f.busybox.ref, 'true']);
    assert.equal((await ok(['volume', 'ls', '-q'])).split('\n').length, before);
    await ok(['volume', 'rm', 'named-stays']);
  });

  it('prunes anonymous volumes by default and every unused one with -a', async function () {
    await ok(['volume', 'create', 'prune-named']);
    const id = await ok(['create', '-v', '/anon', f.busybox.ref, 'true']);
    await ok(['rm', id]); // without -v: the anonymous volume stays, unused
    const anonName = (await ok(['volume', 'ls', '-q'])).split('\n').find((n) => /^[0-9a-f]{64}$/.test(n));
    assert.ok(anonName);
    const p1 = await ok(['volume', 'prune', '-f']);
    assert.match(p1, new RegExp(anonName as string));
    let names = (await ok(['volume', 'ls', '-q'])).split('\n');
    assert.ok(names.includes('prune-named') && !names.includes(anonName as string));
    await ok(['volume', 'prune', '-a', '-f']);
    names = (await ok(['volume', 'ls', '-q'])).split('\n').filter(Boolean);
    assert.ok(!names.includes('prune-named'));
  });

  it('--volumes-from shares another container\'s volumes; system df counts volumes', async function () {
    await ok(['run', '--name', 'src', '-v', 'shared:/shared', f.busybox.ref, 'sh', '-c', 'echo from-src > /shared/f']);
    assert.equal(await ok(['run', '--rm', '--volumes-from', 'src', f.busybox.ref, 'cat', '/shared/f']), 'from-src');
    const ro = await d.docker(['run', '--rm', '--volumes-from', 'src:ro', f.busybox.ref, 'sh', '-c', 'echo x > /shared/g']);
    assert.notEqual(ro.code, 0);
    const df = await d.dockerode().df() as { Volumes: { Name: string; UsageData: { Size: number; RefCount: number } }[] };
    const sh = df.Volumes.find((v) => v.Name === 'shared');
    assert.ok(sh);
    assert.equal(sh.UsageData.RefCount, 1);
    assert.equal(sh.UsageData.Size, 'from-src\n'.length);
    const txt = await ok(['system', 'df']);
    assert.match(txt, /Local Volumes\s+\d+/);
    await ok(['rm', 'src']);
    await ok(['volume', 'rm', 'shared']);
  });

  it('berth volume create/ls/inspect/rm/prune', async function () {
    const b = async (args: string[]) => {
      const r = await d.berth(args);
      assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    assert.equal((await b(['volume', 'create', '--label', 'x=1', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'bv'])).trim(), 'bv');
    assert.match(await b(['volume', 'ls']), /DRIVER\s+VOLUME NAME\n(.*\n)*local\s+bv\n/);
    assert.equal((await b(['volume', 'ls', '-q', '--filter', 'label=x=1'])).trim(), 'bv');
    const v = JSON.parse(await b(['volume', 'inspect', 'bv']))[0];
    assert.deepEqual(v.Options, { type: 'tmpfs', device: 'tmpfs' });
    const bad = await d.berth(['volume', 'create', 'a/b']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /includes invalid characters for a local volume name/);
    assert.equal((await b(['volume', 'rm', 'bv'])).trim(), 'bv');
    await b(['volume', 'create', 'bv2']);
    assert.match(await b(['volume', 'prune', '-a', '-f']), /Deleted Volumes:\nbv2\n/);
    // berth run: -v NAME:/p, -v /p (anonymous), --mount type=volume, --volumes-from
    await b(['run', '--name', 'bsrc', '-v', 'bnamed:/n', '-v', '/anon', '--mount', 'type=volume,src=bm,dst=/m,volume-label=k=v', f.busybox.ref, 'sh', '-c', 'echo n > /n/f; echo a > /anon/f; echo m > /m/f']);
    assert.equal((await b(['run', '--rm', '--volumes-from', 'bsrc:ro', f.busybox.ref, 'cat', '/n/f', '/anon/f', '/m/f'])).trim(), 'n\na\nm');
    assert.deepEqual(JSON.parse(await b(['volume', 'inspect', 'bm']))[0].Labels, { k: 'v' });
    await b(['rm', '-v', 'bsrc']);
    await b(['volume', 'rm', 'bnamed', 'bm']);
  });

  it('works from docker-py and dockerode (create, list, inspect, remove, a tmpfs volume)', async function () {
    const py = await d.dockerPy([
      'import docker; c = docker.from_env()',
      'v = c.volumes.create(name="py-vol", labels={"k": "v"})',
      'print(v.name, v.attrs["Driver"], v.attrs["Labels"]["k"])',
      'out = c.containers.run("' + f.busybox.ref + '", "sh -c \'echo py > /d/f; cat /d/f\'", volumes={"py-vol": {"bind": "/d", "mode": "rw"}}, remove=True)',
      'print(out.decode().strip())',
      'print(len([x for x in c.volumes.list(filters={"label": "k=v"})]))',
      'v.remove()',
    ].join('\n'));
    assert.equal(py.code, 0, py.stderr);
    assert.equal(py.stdout.trim(), 'py-vol local v\npy\n1');
    const dk = d.dockerode();
    await dk.createVolume({ Name: 'tmpfs-vol', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    const v = await dk.getVolume('tmpfs-vol').inspect();
    assert.deepEqual(v.Options, { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
    assert.match(await ok(['run', '--rm', '-v', 'tmpfs-vol:/t', f.busybox.ref, 'sh', '-c', 'grep " /t " /proc/mounts']), /tmpfs \/t tmpfs .*size=1024k/);
    const list = await dk.listVolumes({ filters: { name: ['tmpfs-vol'] } });
    assert.equal(list.Volumes.length, 1);
    await dk.getVolume('tmpfs-vol').remove();
  });
  it('a tmpfs volume is one filesystem for every container using it, mounted while one runs (also across a berthd SIGKILL)', async function () {
    await ok(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=2m', 'shared-tmp']);
    const data = path.join(d.dataRoot, 'volumes', 'shared-tmp', '_data');
    const mounted = async () => (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n').some((l) => l.split(' ')[4] === data);
    try {
      await ok(['run', '-d', '--name', 'tw', '-v', 'shared-tmp:/s', f.busybox.ref, 'sh', '-c', 'echo from-writer > /s/f; sleep 300']);
      assert.equal(await mounted(), true, 'mounted on _data while a container uses it');
      // a second container sees the first one's file: one filesystem, as Docker's local driver
      for (let i = 0; i < 50 && !(await d.docker(['run', '--rm', '-v', 'shared-tmp:/s', f.busybox.ref, 'cat', '/s/f'])).stdout.includes('from-writer'); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await ok(['run', '--rm', '-v', 'shared-tmp:/s:ro', f.busybox.ref, 'cat', '/s/f']), 'from-writer');
      assert.equal(await mounted(), true, 'the reader\'s exit left the writer\'s volume mounted');
      await d.kill();
      await d.restart();
      assert.equal(await mounted(), true, 'a running user keeps it mounted over a berthd restart');
      assert.equal(await ok(['run', '--rm', '-v', 'shared-tmp:/s', f.busybox.ref, 'cat', '/s/f']), 'from-writer');
      await ok(['rm', '-f', 'tw']);
      assert.equal(await mounted(), false, 'unmounted when the last user is gone');
      // a new user starts with an empty volume, as with Docker (tmpfs content lives while mounted)
      assert.equal(await ok(['run', '--rm', '-v', 'shared-tmp:/s', f.busybox.ref, 'ls', '-A', '/s']), '');
      assert.equal(await mounted(), false);
    } finally {
      await d.docker(['rm', '-f', 'tw']);
      await d.docker(['volume', 'rm', 'shared-tmp']);
    }
  });
  it('volume mount and unmount events as a container starts and ends (docker events)', async function () {
    const since = Math.floor(Date.now() / 1000) - 1;
    const id = await ok(['run', '-d', '-v', 'ev-vol:/d:ro', f.busybox.ref, 'true']);
    await ok(['wait', id]);
    try {
      const ev = await ok(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'type=volume', '--filter', 'volume=ev-vol',
        '--format', '{{.Action}} {{index .Actor.Attributes "container"}} {{index .Actor.Attributes "destination"}} {{index .Actor.Attributes "read/write"}}']);
      const lines = ev.split('\n').map((l) => l.trim());
      assert.deepEqual(lines.filter((l) => !l.startsWith('create')), [`mount ${id} /d false`, `unmount ${id}`], ev);
    } finally {
      await d.docker(['rm', '-v', id]);
      await d.docker(['volume', 'rm', 'ev-vol']);
    }
  });
});
