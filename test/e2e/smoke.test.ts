/**
 * The daemon starts, answers, identifies itself to every client, refuses a second instance on
 * the same roots, and shuts down cleanly on SIGTERM.
 */
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { haveCommand, ping, requireRoot, runBerthd, runOk, sharedFixtures, skipBecause, startDaemon, type TestDaemon } from '../support';

describe('e2e: smoke', function () {
  let d: TestDaemon;

  before(async function () {
    requireRoot(this);
    d = await startDaemon();
  });

  after(async function () {
    await d?.stop();
  });

  it('answers GET /_ping with OK', async function () {
    assert.equal(await ping(d.socket), true);
  });

  it('berth version shows client and server', async function () {
    const r = await d.berth(['version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Server/);
    assert.match(r.stdout, /API version:\s+1\.\d+/);
  });

  it('docker version talks to berth (Server: berth)', async function () {
    if (!haveCommand('docker')) skipBecause(this, 'the docker CLI is not installed');
    const r = await d.docker(['version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Server: berth/m);
    const f = await d.docker(['version', '--format', '{{.Server.Os}}/{{.Server.APIVersion}}']);
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout.trim(), /^linux\/1\.\d+$/);
  });

  it('dockerode version() returns the engine version', async function () {
    const v = await d.dockerode().version();
    assert.equal(v.Os, 'linux');
    assert.match(v.ApiVersion, /^1\.\d+$/);
    assert.ok(v.Version);
  });

  it('docker-py reports the same version', async function () {
    const r = await d.dockerPy('import docker, json; print(json.dumps(docker.from_env().version()))');
    if (/No module named 'docker'/.test(r.stderr)) skipBecause(this, 'docker-py (Debian package python3-docker) is not installed');
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout) as { Os: string; Components?: { Name: string }[] };
    assert.equal(v.Os, 'linux');
    assert.equal(v.Components?.[0]?.Name, 'Engine');
  });

  it('a second daemon on the same roots refuses to start with a clear message', async function () {
    const r = await runBerthd(['-H', `unix://${path.join(d.dir, 'second.sock')}`, '--data-root', d.dataRoot, '--exec-root', d.execRoot, '--config-file', path.join(d.dir, 'daemon.json')]);
    assert.equal(r.signal, null, 'the second berthd kept running instead of refusing');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /another berthd \(pid \d+\) is already running/);
    assert.ok(await ping(d.socket), 'the first daemon must still answer');
  });

  it('SIGTERM stops the daemon with exit 0 and removes its pid files', async function () {
    const own = await startDaemon();
    const info = await own.stop({ keepDirs: true });
    try {
      assert.deepEqual(info, { code: 0, signal: null });
      assert.equal(existsSync(path.join(own.dataRoot, 'berthd.pid')), false);
      assert.equal(existsSync(path.join(own.execRoot, 'berthd.pid')), false);
      assert.equal(await ping(own.socket), false);
    } finally {
      await own.stop();
    }
  });

  it('the shared test registry serves the fixture images (read back with skopeo)', async function () {
    const fx = await sharedFixtures();
    const r = await runOk('skopeo', ['inspect', '--tls-verify=false', `docker://${fx.busybox.ref}`]);
    const info = JSON.parse(r.stdout) as { Digest: string; Layers: string[]; Architecture: string };
    assert.equal(info.Digest, fx.busybox.digest);
    assert.deepEqual(info.Layers, fx.busybox.layers);
    assert.equal(fx.busyboxExtra.layers.slice(0, 2).join(), fx.busybox.layers.join(), 'busybox-extra shares busybox layers');
    const multi = await runOk('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${fx.multi.ref}`]);
    const platforms = (JSON.parse(multi.stdout) as { manifests: { platform: { architecture: string } }[] }).manifests.map((m) => m.platform.architecture);
    assert.deepEqual(platforms, ['unknown', fx.otherArch, fx.hostArch]);
  });
});
