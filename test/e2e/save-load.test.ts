/**
 * save and load through the real docker CLI and berth: the archive is a docker-archive that
 * skopeo reads (and an OCI layout at the same time), loading it back after rmi gives the same
 * image id, archives written by another tool (skopeo's docker-archive and OCI archive) load,
 * and a tar that is not an image archive, or misses a layer, fails cleanly leaving the store
 * as it was.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { haveCommand, makeTempDir, requireRoot, run, runOk, sharedFixtures, skipBecause, startDaemon, waitFor, type Fixtures, type TestDaemon } from '../support';

describe('e2e: save and load', function () {
  let d: TestDaemon;
  let f: Fixtures;
  let work: string;

  before(async function () {
    requireRoot(this);
    if (!haveCommand('docker')) skipBecause(this, 'the docker CLI is not installed');
    if (!haveCommand('skopeo')) skipBecause(this, 'skopeo is needed to check the archives');
    f = await sharedFixtures();
    d = await startDaemon();
    work = await makeTempDir('berth-e2e-save-');
    for (const img of [f.busybox, f.hello]) {
      const r = await d.docker(['pull', '-q', img.ref]);
      assert.equal(r.code, 0, r.stderr);
    }
    await d.docker(['tag', f.busybox.ref, 'bb:saved']);
  });

  after(async function () {
    await d?.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  const imageIds = async () => (await d.docker(['images', '-a', '-q', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean).sort();

  it('docker save writes a docker-archive and OCI layout that skopeo reads', async function () {
    const file = path.join(work, 'bb.tar');
    const r = await d.docker(['save', '-o', file, 'bb:saved']);
    assert.equal(r.code, 0, r.stderr);
    const dockerArchive = JSON.parse((await runOk('skopeo', ['inspect', `docker-archive:${file}`])).stdout) as { Layers: string[]; RepoTags: string[] };
    assert.equal(dockerArchive.Layers.length, 2);
    const oci = JSON.parse((await runOk('skopeo', ['inspect', `oci-archive:${file}`])).stdout) as { Layers: string[] };
    assert.deepEqual(oci.Layers, dockerArchive.Layers);
    const listing = (await runOk('tar', ['tf', file])).stdout.split('\n');
    for (const name of ['manifest.json', 'index.json', 'oci-layout', 'repositories']) assert.ok(listing.includes(name), name);
    const manifest = JSON.parse((await runOk('tar', ['xOf', file, 'manifest.json'])).stdout) as { Config: string; RepoTags: string[] }[];
    assert.deepEqual(manifest[0]!.RepoTags, ['bb:saved']);
    assert.equal(manifest[0]!.Config, `blobs/sha256/${f.busybox.id.slice(7)}`);
  });

  it('a save whose reader goes away (docker save | head) ends and leaves no scratch files', async function () {
    const r = await run('bash', ['-c', 'docker save bb:saved | head -c 1024 > /dev/null'], { env: d.env() });
    assert.equal(r.code, 0, r.stderr);
    const tmp = path.join(d.dataRoot, 'tmp');
    const leftovers = async () => (await fs.readdir(tmp).catch(() => [] as string[])).filter((n) => n.startsWith('save-'));
    await waitFor('the aborted save to clean up', async () => (await leftovers()).length === 0, { timeoutMs: 15_000 });
    // The daemon still serves saves afterwards.
    const again = await run('bash', ['-c', 'docker save bb:saved | tar t | grep -c blobs/sha256/'], { env: d.env() });
    assert.equal(again.code, 0, again.stderr);
  });

  it('berth save to stdout of several images; load after rmi gives back the same ids', async function () {
    const file = path.join(work, 'two.tar');
    const s = await run('bash', ['-c', `node bin/berth -H ${d.host} save bb:saved ${f.hello.ref} > ${file}`], { env: d.env() });
    assert.equal(s.code, 0, s.stderr);
    const rm = await d.docker(['rmi', 'bb:saved', f.busybox.ref, f.hello.ref]);
    assert.equal(rm.code, 0, rm.stderr);
    const l = await d.berth(['load', '-i', file]);
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, /^Loaded image: bb:saved$/m);
    assert.match(l.stdout, new RegExp(`^Loaded image: ${f.hello.ref.replace(/[.]/g, '\\.')}$`, 'm'));
    const id = (await d.docker(['image', 'inspect', '-f', '{{.Id}}', 'bb:saved'])).stdout.trim();
    assert.equal(id, f.busybox.id);
    const run1 = await d.docker(['run', '--rm', 'bb:saved', 'echo', 'loaded-ok']);
    assert.equal(run1.stdout.trim(), 'loaded-ok');
  });

  it('docker load reads archives written by skopeo (docker-archive and OCI)', async function () {
    const src = path.join(work, 'bb.tar');
    const old = path.join(work, 'skopeo-docker.tar');
    const oci = path.join(work, 'skopeo-oci.tar');
    await runOk('skopeo', ['copy', '-q', `docker-archive:${src}`, `docker-archive:${old}:skopeo/bb:old`]);
    await runOk('skopeo', ['copy', '-q', '--dest-compress', `docker-archive:${src}`, `oci-archive:${oci}:localhost/skopeo-oci:1`]);
    const a = await d.docker(['load', '-i', old]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /Loaded image: skopeo\/bb:old/);
    const b = await d.docker(['load', '-i', oci]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /Loaded image: localhost\/skopeo-oci:1/);
    assert.equal((await d.docker(['run', '--rm', 'localhost/skopeo-oci:1', 'echo', 'oci-ok'])).stdout.trim(), 'oci-ok');
  });

  it('a tar that is not an image archive, or misses a layer, fails and changes nothing', async function () {
    const before = await imageIds();
    const notTar = path.join(work, 'not.tar');
    await fs.writeFile(notTar, 'this is not a tar archive at all'.repeat(40));
    const r1 = await d.docker(['load', '-i', notTar]);
    assert.notEqual(r1.code, 0);
    assert.match(r1.stderr, /not a valid tar archive|not an image archive/);
    const dir = path.join(work, 'broken');
    await fs.mkdir(dir);
    await runOk('tar', ['-C', dir, '-xf', path.join(work, 'bb.tar')]);
    const manifest = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as { Layers: string[]; RepoTags: string[] }[];
    manifest[0]!.RepoTags = ['broken:1'];
    await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    await fs.rm(path.join(dir, manifest[0]!.Layers[1]!));
    await fs.rm(path.join(dir, 'index.json'));
    const broken = path.join(work, 'broken.tar');
    await runOk('tar', ['-C', dir, '-cf', broken, '.']);
    const r2 = await d.docker(['load', '-i', broken]);
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, /incomplete.*missing/);
    assert.deepEqual(await imageIds(), before);
    assert.equal((await d.docker(['images', '-q', 'broken'])).stdout.trim(), '');
  });

  it('a load whose client goes away mid-layer leaves no partial blob in the ingest directory', async function () {
    const before = await imageIds();
    const archive = await fs.readFile(path.join(work, 'bb.tar'));
    const ingest = path.join(d.dataRoot, 'ingest');
    const partials = async () => (await fs.readdir(ingest).catch(() => [] as string[])).length;
    const req = http.request({ socketPath: d.socket, method: 'POST', path: '/v1.47/images/load?quiet=1', headers: { 'Content-Type': 'application/x-tar', 'Content-Length': archive.length } });
    req.on('error', () => undefined);
    req.write(archive.subarray(0, Math.floor(archive.length * 0.6)));
    // The big busybox layer is being stored when the client disappears.
    await waitFor('a layer to be streaming into the ingest directory', async () => (await partials()) > 0, { timeoutMs: 15_000 });
    req.destroy();
    await waitFor('the aborted load to remove its partial blob', async () => (await partials()) === 0, { timeoutMs: 15_000 });
    assert.deepEqual(await imageIds(), before);
  });

  it('a layer whose bytes do not match its diff id is refused and nothing is registered', async function () {
    const before = await imageIds();
    const dir = path.join(work, 'corrupt');
    await fs.mkdir(dir);
    await runOk('tar', ['-C', dir, '-xf', path.join(work, 'bb.tar')]);
    const manifest = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as { Layers: string[]; RepoTags: string[] }[];
    manifest[0]!.RepoTags = ['corrupt:1'];
    await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const layer = path.join(dir, manifest[0]!.Layers[1]!);
    const bytes = await fs.readFile(layer);
    bytes[bytes.length - 2000] = (bytes[bytes.length - 2000]! + 1) % 256;
    await fs.writeFile(layer, bytes);
    const file = path.join(work, 'corrupt.tar');
    await runOk('tar', ['-C', dir, '-cf', file, '.']);
    const r = await d.docker(['load', '-i', file]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /does not match|mismatch|corrupt/);
    assert.deepEqual(await imageIds(), before);
  });
});
