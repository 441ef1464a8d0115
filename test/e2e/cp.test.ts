/**
 * The archive API and `cp` end to end: docker cp and berth cp both ways (files, directories,
 * `dir/.`, `-` tar streams, -a), running and stopped containers, through volumes; the stat
 * header; docker-py get_archive/put_archive and dockerode getArchive/putArchive; and the
 * attacks: a symlink in the container pointing at a host path (absolute and relative) must
 * not take a copy out of the container, in either direction; a tar entry climbing out with
 * `..` is refused; `noOverwriteDirNonDir` refuses to replace a directory with a file.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import { useDockerDaemon, type Fixtures, type TestDaemon } from '../support';

function request(socket: string, method: string, p: string, body?: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method, path: p, headers: body ? { 'Content-Type': 'application/x-tar', 'Content-Length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A one-entry ustar archive (hand-made so it can carry names tar tools would refuse). */
function tarOf(name: string, content: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(Buffer.byteLength(content).toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('0', 156);
  h.write('ustar\u000000', 257, 'binary');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(content) / 512) * 512);
  data.write(content);
  return Buffer.concat([h, data, Buffer.alloc(1024)]);
}

describe('e2e: archive API and cp (docker CLI, berth CLI, docker-py, dockerode)', function () {
  let d: TestDaemon;
  let f: Fixtures;
  let work = '';
  let ctr = '';

  // The containers are removed before the daemon stops: this `after` is registered first.
  after(async function () {
    await d?.docker(['rm', '-f', 'cp-run', 'cp-stopped']).catch(() => undefined);
    if (work) await fs.rm(work, { recursive: true, force: true });
  });
  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => { d = daemon; f = fx; });
  before(async function () {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-cp-'));
    ctr = (await ok(['run', '-d', '--name', 'cp-run', '-v', 'cpvol:/vol', f.busybox.ref, 'sleep', '600']));
  });

  const ok = async (args: string[], input?: string | Buffer) => {
    const r = await d.docker(args, input !== undefined ? { input } : {});
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const exec = (name: string, cmd: string) => ok(['exec', name, 'sh', '-c', cmd]);

  it('docker cp copies files and directories both ways with a running container, volumes included', async function () {
    await fs.mkdir(path.join(work, 'tree/sub'), { recursive: true });
    await fs.writeFile(path.join(work, 'tree/a.txt'), 'alpha\n');
    await fs.writeFile(path.join(work, 'tree/sub/b.txt'), 'beta\n');
    await fs.chmod(path.join(work, 'tree/sub/b.txt'), 0o640);
    await fs.symlink('a.txt', path.join(work, 'tree/link'));
    await ok(['cp', path.join(work, 'tree'), 'cp-run:/tmp/']);
    assert.equal(await exec('cp-run', 'cat /tmp/tree/a.txt /tmp/tree/sub/b.txt; stat -c %a /tmp/tree/sub/b.txt; readlink /tmp/tree/link'), 'alpha\nbeta\n640\na.txt');
    // into a new name, and the contents of a directory (dir/.)
    await ok(['cp', path.join(work, 'tree/a.txt'), 'cp-run:/tmp/renamed.txt']);
    await ok(['cp', `${path.join(work, 'tree')}/.`, 'cp-run:/vol/']);
    assert.equal(await exec('cp-run', 'cat /tmp/renamed.txt; ls /vol | sort | tr "\\n" " "'), 'alpha\na.txt link sub');
    assert.equal(await fs.readFile(path.join(d.dataRoot, 'volumes/cpvol/_data/sub/b.txt'), 'utf8'), 'beta\n');
    // out again
    await exec('cp-run', 'mkdir -p /out/d && echo gamma > /out/d/g && ln -s g /out/d/gl');
    await ok(['cp', 'cp-run:/out/d', path.join(work, 'back')]);
    assert.equal(await fs.readFile(path.join(work, 'back/g'), 'utf8'), 'gamma\n');
    assert.equal(await fs.readlink(path.join(work, 'back/gl')), 'g');
    await ok(['cp', 'cp-run:/vol/sub/b.txt', path.join(work, 'b-copy')]);
    assert.equal(await fs.readFile(path.join(work, 'b-copy'), 'utf8'), 'beta\n');
  });

  it('works with a stopped container, through its rootfs and its volume, and leaves nothing mounted', async function () {
    const stoppedId = await ok(['create', '--name', 'cp-stopped', '-v', 'cpvol2:/data', f.busybox.ref, 'sh', '-c', 'cat /etc/put.txt /data/put.txt']);
    await fs.writeFile(path.join(work, 'put.txt'), 'stopped-put\n');
    await ok(['cp', path.join(work, 'put.txt'), 'cp-stopped:/etc/put.txt']);
    await ok(['cp', path.join(work, 'put.txt'), 'cp-stopped:/data/']);
    assert.equal(await ok(['start', '-a', 'cp-stopped']), 'stopped-put\nstopped-put');
    // start -a returns when the output ends; the exit's cleanup (unmount) is done once wait returns
    await ok(['wait', 'cp-stopped']);
    await ok(['cp', 'cp-stopped:/etc/put.txt', path.join(work, 'got.txt')]);
    assert.equal(await fs.readFile(path.join(work, 'got.txt'), 'utf8'), 'stopped-put\n');
    await ok(['cp', 'cp-stopped:/data/put.txt', path.join(work, 'got2.txt')]);
    assert.equal(await fs.readFile(path.join(work, 'got2.txt'), 'utf8'), 'stopped-put\n');
    // The response ends before berthd's unmount after it: poll briefly, then it must be gone.
    const mountedNow = async () => (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.includes(`${stoppedId}/rootfs`));
    let left = await mountedNow();
    for (let i = 0; i < 50 && left.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await mountedNow();
    }
    assert.deepEqual(left, [], 'the stopped container\'s rootfs is not left mounted');
  });

  it('streams tars with - both ways, and answers HEAD with the stat header (Go FileMode bits)', async function () {
    const tar = execFileSync('tar', ['-C', path.join(work, 'tree'), '-cf', '-', 'a.txt']);
    await ok(['cp', '-', 'cp-run:/tmp/'], tar);
    assert.equal(await exec('cp-run', 'cat /tmp/a.txt'), 'alpha');
    const out = await d.docker(['cp', 'cp-run:/tmp/a.txt', '-']);
    assert.equal(out.code, 0, out.stderr);
    const names = execFileSync('tar', ['-tf', '-'], { input: out.stdout }).toString();
    assert.equal(names.trim(), 'a.txt');
    const head = await request(d.socket, 'HEAD', '/containers/cp-run/archive?path=/tmp/tree');
    assert.equal(head.status, 200);
    const st = JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString());
    assert.equal(st.name, 'tree');
    assert.equal(st.mode, 2 ** 31 + 0o755);
    assert.equal(st.linkTarget, '');
    await exec('cp-run', 'ln -s /tmp/tree /tmp/tl');
    const lh = await request(d.socket, 'HEAD', '/containers/cp-run/archive?path=/tmp/tl');
    const ls = JSON.parse(Buffer.from(String(lh.headers['x-docker-container-path-stat']), 'base64').toString());
    assert.equal(ls.mode & 2 ** 27, 2 ** 27);
    assert.equal(ls.linkTarget, '/tmp/tree');
    const missing = await request(d.socket, 'HEAD', '/containers/cp-run/archive?path=/nope');
    assert.equal(missing.status, 404);
    const miss = await d.docker(['cp', 'cp-run:/nope', work]);
    assert.notEqual(miss.code, 0);
    assert.match(miss.stderr, /Could not find the file \/nope in container cp-run/);
  });

  it('never leaves the container through a symlink (absolute or relative), in either direction', async function () {
    const hostDir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-cp-victim-'));
    try {
      await fs.writeFile(path.join(hostDir, 'secret'), 'host-secret\n');
      await exec('cp-run', `ln -s ${hostDir} /abs && ln -s ../../../../../../..${hostDir} /tmp/rel && mkdir -p ${hostDir} && echo ctr-file > ${hostDir}/secret`);
      await fs.writeFile(path.join(work, 'evil'), 'evil\n');
      await ok(['cp', path.join(work, 'evil'), 'cp-run:/abs/']);
      await ok(['cp', path.join(work, 'evil'), 'cp-run:/tmp/rel/evil2']);
      assert.deepEqual((await fs.readdir(hostDir)).sort(), ['secret'], 'nothing was written into the host directory');
      assert.equal(await fs.readFile(path.join(hostDir, 'secret'), 'utf8'), 'host-secret\n');
      assert.equal(await exec('cp-run', `ls ${hostDir} | sort | tr "\\n" " "`), 'evil evil2 secret');
      // reading through the links gives the container's file, never the host's
      await ok(['cp', 'cp-run:/abs/secret', path.join(work, 's1')]);
      await ok(['cp', 'cp-run:/tmp/rel/secret', path.join(work, 's2')]);
      assert.equal(await fs.readFile(path.join(work, 's1'), 'utf8'), 'ctr-file\n');
      assert.equal(await fs.readFile(path.join(work, 's2'), 'utf8'), 'ctr-file\n');
      // a symlink entry of the container replaced by the copy is replaced, not written through
      await exec('cp-run', `ln -s ${hostDir}/secret /tmp/victim`);
      await fs.writeFile(path.join(work, 'victim'), 'replaced\n');
      await ok(['cp', path.join(work, 'victim'), 'cp-run:/tmp/']);
      assert.equal(await fs.readFile(path.join(hostDir, 'secret'), 'utf8'), 'host-secret\n');
      assert.equal(await exec('cp-run', 'cat /tmp/victim'), 'replaced');
      // a tar entry climbing out with .. is refused by the unpacker
      const climb = await request(d.socket, 'PUT', `/containers/cp-run/archive?path=/tmp`, tarOf(`../../../../..${hostDir}/climbed`, 'x'));
      assert.equal(climb.status, 400, climb.body.toString());
      await assert.rejects(fs.stat(path.join(hostDir, 'climbed')));
    } finally {
      await fs.rm(hostDir, { recursive: true, force: true });
    }
  });

  it('refuses to replace a directory with a file under noOverwriteDirNonDir, and a file as extraction point', async function () {
    await exec('cp-run', 'mkdir -p /tmp/isdir/x');
    const r = await request(d.socket, 'PUT', '/containers/cp-run/archive?path=/tmp&noOverwriteDirNonDir=true', tarOf('isdir', 'file'));
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.body.toString()).message, /cannot overwrite directory "\/tmp\/isdir" with non-directory "isdir"/);
    assert.equal(await exec('cp-run', 'ls /tmp/isdir'), 'x');
    const nd = await request(d.socket, 'PUT', '/containers/cp-run/archive?path=/tmp/renamed.txt', tarOf('y', 'y'));
    assert.equal(nd.status, 400);
    assert.match(JSON.parse(nd.body.toString()).message, /extraction point is not a directory/);
  });

  it('docker cp -a keeps the owner; copyUIDGID uses the container user', async function () {
    await fs.writeFile(path.join(work, 'owned'), 'o\n');
    await fs.chown(path.join(work, 'owned'), 1234, 4321);
    await ok(['cp', '-a', path.join(work, 'owned'), 'cp-run:/tmp/']);
    assert.equal(await exec('cp-run', 'stat -c %u:%g /tmp/owned'), '1234:4321');
    const u = await ok(['create', '--user', '555:666', f.busybox.ref, 'true']);
    await ok(['cp', '-a', path.join(work, 'owned'), `${u}:/tmp/`]);
    const got = await d.docker(['cp', '-a', `${u}:/tmp/owned`, '-']);
    const listing = execFileSync('tar', ['-tvf', '-', '--numeric-owner'], { input: got.stdout }).toString();
    assert.match(listing, /555\/666/);
    await ok(['rm', u]);
  });

  it('docker-py get_archive/put_archive and dockerode getArchive/putArchive', async function () {
    const py = await d.dockerPy([
      'import docker, io, tarfile; c = docker.from_env(); k = c.containers.get("cp-run")',
      'buf = io.BytesIO(); t = tarfile.open(fileobj=buf, mode="w"); data = b"from-py\\n"',
      'ti = tarfile.TarInfo("py.txt"); ti.size = len(data); t.addfile(ti, io.BytesIO(data)); t.close()',
      'print(k.put_archive("/tmp", buf.getvalue()))',
      'bits, stat = k.get_archive("/tmp/py.txt")',
      'raw = b"".join(bits); t2 = tarfile.open(fileobj=io.BytesIO(raw))',
      'print(stat["name"], stat["size"], t2.extractfile("py.txt").read().decode().strip())',
    ].join('\n'));
    assert.equal(py.code, 0, py.stderr);
    assert.equal(py.stdout.trim(), 'True\npy.txt 8 from-py');
    const c = d.dockerode().getContainer('cp-run');
    await c.putArchive(tarOf('node.txt', 'from-node\n'), { path: '/tmp' });
    const stream = await c.getArchive({ path: '/tmp/node.txt' });
    const chunks: Buffer[] = [];
    for await (const ch of stream as unknown as AsyncIterable<Buffer>) chunks.push(ch);
    const listing = execFileSync('tar', ['-xOf', '-'], { input: Buffer.concat(chunks) }).toString();
    assert.equal(listing, 'from-node\n');
    const res = await c.infoArchive({ path: '/tmp/node.txt' }) as unknown as { headers: Record<string, string>; resume(): void };
    res.resume?.();
    const info = JSON.parse(Buffer.from(res.headers['x-docker-container-path-stat'] ?? '', 'base64').toString()) as { name: string; size: number };
    assert.equal(info.name, 'node.txt');
    assert.equal(info.size, 10);
  });

  it('berth cp copies both ways, with - streams', async function () {
    await fs.writeFile(path.join(work, 'berth.txt'), 'via-berth\n');
    const up = await d.berth(['cp', path.join(work, 'berth.txt'), 'cp-run:/tmp/']);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(await exec('cp-run', 'cat /tmp/berth.txt'), 'via-berth');
    const down = await d.berth(['cp', 'cp-run:/tmp/tree', path.join(work, 'btree')]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(await fs.readFile(path.join(work, 'btree/sub/b.txt'), 'utf8'), 'beta\n');
    const contents = await d.berth(['cp', 'cp-run:/tmp/tree/.', path.join(work, 'bdot')]);
    assert.equal(contents.code, 0, contents.stderr);
    assert.deepEqual((await fs.readdir(path.join(work, 'bdot'))).sort(), ['a.txt', 'link', 'sub']);
    const tar = execFileSync('tar', ['-C', work, '-cf', '-', 'berth.txt']);
    const s = await d.berth(['cp', '-', 'cp-run:/vol/'], { input: tar });
    assert.equal(s.code, 0, s.stderr);
    assert.equal(await exec('cp-run', 'cat /vol/berth.txt'), 'via-berth');
    const o = await d.berth(['cp', 'cp-run:/vol/berth.txt', '-']);
    assert.equal(o.code, 0, o.stderr);
    const miss = await d.berth(['cp', 'cp-run:/nope', work]);
    assert.notEqual(miss.code, 0);
    assert.match(miss.stderr, /Could not find the file \/nope in container cp-run/);
  });
});
