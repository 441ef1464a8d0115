/**
 * Pulling from a real docker-registry on 127.0.0.1 through berthd, with the berth CLI and the
 * real docker CLI: tags, digests, multi-arch indexes and --platform, shared layers that are not
 * downloaded again (counted by a recording proxy in front of the registry), Docker's messages
 * for bad tags and dead registries, and a berthd SIGKILLed in the middle of a pull.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { freePort, requireRoot, sharedRegistry, startDaemon, waitFor, type Fixtures, type TestDaemon } from '../support';

/** A proxy to the registry that records blob GETs and can stall blob bodies halfway. */
class RecordingProxy {
  blobGets: string[] = [];
  /** What to do to blob bodies: pass them, hold them halfway, flip a byte, or cut them short. */
  mode: 'pass' | 'corrupt' | 'truncate' = 'pass';
  /** A blob digest left alone by `mode` (the config, so the damage hits a layer). */
  spare = '';
  stall = false;
  stalled = 0;
  private server: http.Server;
  host = '';

  constructor(private readonly target: string) {
    this.server = http.createServer((req, res) => {
      const isBlobGet = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '');
      if (isBlobGet) this.blobGets.push((req.url ?? '').replace(/^.*\/blobs\//, ''));
      const [hostname, port] = this.target.split(':');
      const up = http.request({ hostname, port: Number(port), path: req.url, method: req.method, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        if (isBlobGet && this.stall && (ur.statusCode ?? 0) === 200) {
          this.stalled++;
          // Send a little, then hold the connection open: the pull is now mid-layer.
          ur.once('data', (c: Buffer) => res.write(c.subarray(0, Math.min(c.length, 512))));
          return;
        }
        if (isBlobGet && this.mode !== 'pass' && (ur.statusCode ?? 0) === 200 && !(req.url ?? '').includes(this.spare || '-')) {
          let first = true;
          ur.on('data', (c: Buffer) => {
            if (first && this.mode === 'corrupt') c[c.length >> 1] = (c[c.length >> 1] ?? 0) ^ 0xff;
            if (first && this.mode === 'truncate') {
              // Headers and half a chunk go out; then the connection dies mid-body.
              res.write(c.subarray(0, c.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
              ur.destroy();
            } else res.write(c);
            first = false;
          });
          ur.on('end', () => res.end());
          return;
        }
        ur.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): void {
    this.server.close();
    this.server.closeAllConnections();
  }
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) walk(p, out);
  }
  return out;
}

describe('e2e: pull', function () {
  this.timeout(180_000);
  let d: TestDaemon;
  let fx: Fixtures;
  let proxy: RecordingProxy;

  before(async function () {
    requireRoot(this);
    fx = (await sharedRegistry()).fixtures;
    proxy = new RecordingProxy(fx.host);
    await proxy.start();
    d = await startDaemon();
  });

  after(async function () {
    await d?.stop();
    proxy?.stop();
  });

  it('berth pull shows Docker\'s progress and stores the image with the registry\'s id and digest', async function () {
    const r = await d.berth(['pull', fx.busybox.ref]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /latest: Pulling from busybox\n/);
    for (const l of fx.busybox.layers) assert.match(r.stdout, new RegExp(`${l.slice(7, 19)}: Pull complete`));
    assert.match(r.stdout, new RegExp(`Digest: ${fx.busybox.digest}\n`));
    assert.match(r.stdout, new RegExp(`Status: Downloaded newer image for ${fx.busybox.ref}\n${fx.busybox.ref}\n$`));
    const inspect = JSON.parse((await d.docker(['image', 'inspect', fx.busybox.ref])).stdout) as [{ Id: string; RepoDigests: string[] }];
    assert.equal(inspect[0].Id, fx.busybox.id);
    assert.ok(inspect[0].RepoDigests.includes(`${fx.busybox.repository}@${fx.busybox.digest}`), JSON.stringify(inspect[0].RepoDigests));
    const again = await d.berth(['pull', fx.busybox.ref]);
    assert.match(again.stdout, /Already exists/);
    assert.match(again.stdout, new RegExp(`Status: Image is up to date for ${fx.busybox.ref}`));
  });

  it('docker pull works and a second image sharing the base downloads nothing for it', async function () {
    const ref = `${proxy.host}/busybox-extra:latest`;
    await d.docker(['pull', `${proxy.host}/busybox:latest`]);
    proxy.blobGets = [];
    const r = await d.docker(['pull', ref]);
    assert.equal(r.code, 0, r.stderr);
    for (const shared of fx.busybox.layers) {
      assert.match(r.stdout, new RegExp(`${shared.slice(7, 19)}: Already exists`));
      assert.ok(!proxy.blobGets.includes(shared), `shared layer ${shared} was downloaded again`);
    }
    const own = fx.busyboxExtra.layers.filter((l) => !fx.busybox.layers.includes(l));
    for (const l of own) assert.ok(proxy.blobGets.includes(l), `layer ${l} was not downloaded`);
    assert.match(r.stdout, new RegExp(`Digest: ${fx.busyboxExtra.digest}`));
  });

  it('applies whiteouts as overlay whiteouts in the layer store', async function () {
    const all = walk(path.join(d.dataRoot, 'layers'));
    const gone = all.find((p) => p.endsWith(`/diff${fx.whiteout.removed}`));
    assert.ok(gone, 'no whiteout for the removed file');
    assert.ok(fs.statSync(gone).isCharacterDevice());
    assert.ok(!all.some((p) => path.basename(p).startsWith('.wh.')), 'an OCI .wh. file was stored as is');
  });

  it('pulls by digest', async function () {
    const r = await d.berth(['pull', `${fx.hello.repository}@${fx.hello.digest}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Status: Downloaded newer image for ${fx.hello.repository}@${fx.hello.digest}`));
    const ids = await d.berth(['images', '-q', '--no-trunc']);
    assert.ok(ids.stdout.includes(fx.hello.id), ids.stdout);
    // As dockerd: after a pull by tag, the same image by its digest is already known.
    const tagged = await d.docker(['pull', fx.busybox.ref]);
    assert.equal(tagged.code, 0, tagged.stderr);
    const again = await d.docker(['pull', `${fx.busybox.repository}@${fx.busybox.digest}`]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`Status: Image is up to date for ${fx.busybox.repository}@${fx.busybox.digest}`));
  });

  it('picks the host entry of a multi-arch index, and --platform picks another', async function () {
    const r = await d.berth(['pull', fx.multi.ref]);
    assert.equal(r.code, 0, r.stderr);
    let inspect = JSON.parse((await d.docker(['image', 'inspect', fx.multi.ref])).stdout) as [{ Id: string; Architecture: string }];
    assert.equal(inspect[0].Architecture, fx.hostArch);
    assert.equal(inspect[0].Id, fx.multi.id);
    const other = await d.docker(['pull', '--platform', `linux/${fx.otherArch}`, fx.multiDocker.ref]);
    assert.equal(other.code, 0, other.stderr);
    inspect = JSON.parse((await d.docker(['image', 'inspect', fx.multiDocker.ref])).stdout) as [{ Id: string; Architecture: string }];
    assert.equal(inspect[0].Architecture, fx.otherArch);
    const none = await d.berth(['pull', '--platform', 'linux/s390x', fx.multi.ref]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no matching manifest for linux\/s390x in the manifest list entries/);
  });

  it('names an unknown tag and an unknown repository, exit 1', async function () {
    const r = await d.docker(['pull', `${fx.host}/hello:nope`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`Error response from daemon: manifest for ${fx.host}/hello:nope not found: manifest unknown`));
    const b = await d.berth(['pull', `${fx.host}/no-such-repo`]);
    assert.equal(b.code, 1);
    assert.match(b.stderr, /^berth: .*not found/);
  });

  it('names a registry that is down', async function () {
    const port = await freePort();
    const r = await d.berth(['pull', `127.0.0.1:${port}/x`]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `berth: cannot reach registry 127.0.0.1:${port}: connection refused`);
    const k = await d.docker(['pull', `127.0.0.1:${port}/x`]);
    assert.match(k.stderr, new RegExp(`Error response from daemon: cannot reach registry 127.0.0.1:${port}: connection refused`));
  });

  for (const mode of ['corrupt', 'truncate'] as const) {
    it(`fails a ${mode === 'corrupt' ? 'corrupted' : 'truncated'} layer download clearly and keeps nothing half-made`, async function () {
      const own = await startDaemon();
      try {
        proxy.mode = mode;
        proxy.spare = fx.busybox.id;
        const r = await own.berth(['pull', `${proxy.host}/busybox:latest`]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^berth: pulling layer [0-9a-f]{12}|^berth: unpacking layer [0-9a-f]{12}/);
        assert.match(r.stderr, mode === 'corrupt' ? /digest mismatch|corrupt/ : /the download was cut short/);
        assert.equal(r.stderr.trim().split('\n').length, 1, 'one sentence, no stack trace');
        const list = await own.berth(['images', '-q']);
        assert.equal(list.stdout.trim(), '');
        assert.deepEqual(fs.readdirSync(path.join(own.dataRoot, 'layers')).filter((n) => n.startsWith('.tmp-')), []);
        assert.deepEqual(fs.readdirSync(path.join(own.dataRoot, 'ingest')), []);
        proxy.mode = 'pass';
        const ok = await own.berth(['pull', `${proxy.host}/busybox:latest`]);
        assert.equal(ok.code, 0, ok.stderr);
      } finally {
        proxy.mode = 'pass';
        await own.stop();
      }
    });
  }

  it('survives SIGKILL in the middle of a pull: nothing half-made is kept and the pull then succeeds', async function () {
    const own = await startDaemon();
    try {
      proxy.stall = true;
      proxy.stalled = 0;
      const ref = `${proxy.host}/busybox-extra:latest`;
      const pulling = own.berth(['pull', ref]);
      await waitFor('a stalled layer download', async () => proxy.stalled > 0, { timeoutMs: 60_000 });
      await own.kill();
      await pulling;
      proxy.stall = false;
      await own.restart();
      const list = await own.berth(['images']);
      assert.ok(!list.stdout.includes('busybox-extra'), list.stdout);
      const layers = fs.readdirSync(path.join(own.dataRoot, 'layers'));
      assert.ok(!layers.some((n) => n.startsWith('.tmp-')), `leftovers: ${layers.join(' ')}`);
      assert.deepEqual(fs.readdirSync(path.join(own.dataRoot, 'ingest')), []);
      for (const n of layers) assert.ok(fs.existsSync(path.join(own.dataRoot, 'layers', n, 'layer.json')), `layer ${n} is incomplete`);
      const r = await own.berth(['pull', ref]);
      assert.equal(r.code, 0, r.stderr);
      const inspect = JSON.parse((await own.docker(['image', 'inspect', ref])).stdout) as [{ Id: string }];
      assert.equal(inspect[0].Id, fx.busyboxExtra.id);
    } finally {
      proxy.stall = false;
      await own.stop();
    }
  });
});
