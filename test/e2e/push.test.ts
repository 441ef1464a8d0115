/**
 * Pushing from berthd to a real docker-registry: a pulled image pushed to a new repository
 * (blobs mounted or uploaded, same manifest digest), pushed again ("Layer already exists"),
 * pulled back by digest on a fresh daemon; skopeo reads what was pushed; an image made locally
 * (docker import) is compressed on first push and pushes identically the second time; login,
 * logout and a registry with basic auth, through berth and the docker CLI.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { haveCommand, requireRoot, runOk, sharedRegistry, startDaemon, startRegistry, type Fixtures, type TestDaemon, type TestRegistry } from '../support';
import { skipBecause } from '../support/skip';

const digestOf = (out: string): string | undefined => /digest: (sha256:[a-f0-9]{64}) size: \d+/.exec(out)?.[1];

describe('e2e: push', function () {
  this.timeout(180_000);
  let d: TestDaemon;
  let fx: Fixtures;

  before(async function () {
    requireRoot(this);
    fx = (await sharedRegistry()).fixtures;
    d = await startDaemon();
    const r = await d.berth(['pull', fx.busybox.ref]);
    assert.equal(r.code, 0, r.stderr);
  });

  after(async function () {
    await d?.stop();
  });

  it('pushes a pulled image to another repository with the same digest, then pulls it back by digest', async function () {
    const target = `${fx.host}/pushed-busybox:v1`;
    assert.equal((await d.berth(['tag', fx.busybox.ref, target])).code, 0);
    const r = await d.berth(['push', target]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`The push refers to repository \\[${fx.host}/pushed-busybox\\]`));
    assert.match(r.stdout, /Preparing/);
    assert.match(r.stdout, /Mounted from busybox|Pushed/);
    const digest = digestOf(r.stdout);
    assert.equal(digest, fx.busybox.digest, 'the original manifest bytes were not reused');
    const again = await d.docker(['push', target]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Layer already exists/);
    assert.equal(digestOf(again.stdout), digest);

    const fresh = await startDaemon();
    try {
      const back = await fresh.berth(['pull', `${fx.host}/pushed-busybox@${digest}`]);
      assert.equal(back.code, 0, back.stderr);
      assert.match(back.stdout, new RegExp(`Digest: ${digest}`));
      const inspect = JSON.parse((await fresh.docker(['image', 'inspect', `${fx.host}/pushed-busybox@${digest}`])).stdout) as [{ Id: string }];
      assert.equal(inspect[0].Id, fx.busybox.id);
    } finally {
      await fresh.stop();
    }
  });

  it('skopeo inspect reads a pushed image', async function () {
    if (!haveCommand('skopeo')) skipBecause(this, 'skopeo is not installed (run scripts/install.sh)');
    const out = await runOk('skopeo', ['inspect', '--tls-verify=false', `docker://${fx.host}/pushed-busybox:v1`]);
    const info = JSON.parse(out.stdout) as { Digest: string; Layers: string[] };
    assert.equal(info.Digest, fx.busybox.digest);
    assert.deepEqual(info.Layers, fx.busybox.layers);
  });

  it('compresses a locally made image on first push and pushes it identically again', async function () {
    const dir = path.join(d.dir, 'import-src');
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data', 'hello.txt'), 'made here\n');
    const tarFile = path.join(d.dir, 'import.tar');
    await runOk('tar', ['-C', dir, '-cf', tarFile, '.']);
    const target = `${fx.host}/local-made:1`;
    const imp = await d.docker(['import', tarFile, target]);
    assert.equal(imp.code, 0, imp.stderr);
    const first = await d.berth(['push', target]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Pushed/);
    const second = await d.berth(['push', target]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Layer already exists/);
    assert.equal(digestOf(second.stdout), digestOf(first.stdout));
    const info = JSON.parse((await runOk('skopeo', ['inspect', '--tls-verify=false', `docker://${target}`])).stdout) as { Digest: string };
    assert.equal(info.Digest, digestOf(first.stdout));
  });

  it('names a missing local image', async function () {
    const r = await d.docker(['push', `${fx.host}/not-here:1`]);
    assert.equal(r.code, 1);
    // As dockerd: the familiar repository name, without the tag.
    assert.match(r.stderr, new RegExp(`An image does not exist locally with the tag: ${fx.host}/not-here$`, 'm'));
    const hub = await d.docker(['push', 'not-here-either']);
    assert.equal(hub.code, 1);
    assert.match(hub.stderr, /An image does not exist locally with the tag: not-here-either$/m);
  });

  describe('with a registry that needs basic auth', function () {
    let reg: TestRegistry;

    before(async function () {
      if (!haveCommand('htpasswd')) skipBecause(this, 'htpasswd is not installed (apache2-utils; run scripts/install.sh)');
      reg = await startRegistry({ auth: { username: 'berth', password: 's3cret' } });
    });

    after(async function () {
      await reg?.stop();
    });

    it('docker push and pull without credentials fail with the registry\'s message, without a login prompt', async function () {
      // A 401 from the daemon makes the docker CLI prompt "Login prior to push" and wait on
      // stdin forever; dockerd answers these with a 500 (pull) or an in-band error (push).
      const target = `${reg.host}/noauth:1`;
      assert.equal((await d.berth(['tag', fx.busybox.ref, target])).code, 0);
      for (const cmd of ['push', 'pull']) {
        const r = await d.docker([cmd, target], { input: '', timeoutMs: 30_000 });
        assert.equal(r.code, 1, `${cmd}: ${r.stdout}${r.stderr}`);
        assert.doesNotMatch(r.stdout + r.stderr, /Login prior to|Username/);
        assert.match(r.stderr, /authentication required/);
      }
      assert.equal((await d.berth(['rmi', target])).code, 0);
    });

    it('refuses wrong credentials, logs in, pushes, pulls, logs out', async function () {
      const target = `${reg.host}/secure:1`;
      assert.equal((await d.berth(['tag', fx.busybox.ref, target])).code, 0);
      const bad = await d.berth(['login', '-u', 'berth', '--password-stdin', reg.host], { input: 'wrong\n' });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, new RegExp(`login to ${reg.host} failed: incorrect username or password`));
      const anon = await d.berth(['push', target]);
      assert.equal(anon.code, 1);
      assert.match(anon.stderr, /authentication required/);
      const ok = await d.berth(['login', '-u', 'berth', '--password-stdin', reg.host], { input: 's3cret\n' });
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /Login Succeeded/);
      const pushed = await d.berth(['push', target]);
      assert.equal(pushed.code, 0, pushed.stderr);
      assert.equal((await d.berth(['rmi', target])).code, 0);
      const pulled = await d.berth(['pull', target]);
      assert.equal(pulled.code, 0, pulled.stderr);
      const out = await d.berth(['logout', reg.host]);
      assert.match(out.stdout, new RegExp(`Removing login credentials for ${reg.host}`));
      const dockerLogin = await d.docker(['login', '-u', 'berth', '--password-stdin', reg.host], { input: 's3cret\n' });
      assert.equal(dockerLogin.code, 0, dockerLogin.stderr);
      const dockerPush = await d.docker(['push', target]);
      assert.equal(dockerPush.code, 0, dockerPush.stderr);
      assert.match(dockerPush.stdout, /Layer already exists/);
    });
  });
});
