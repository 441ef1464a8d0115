/**
 * import (docker import / berth import): a filesystem tarball from a file, stdin or an http URL
 * on 127.0.0.1 becomes a one-layer image with --change and --message applied, and runs.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { haveCommand, makeTempDir, requireRoot, run, runOk, skipBecause, startDaemon, type TestDaemon } from '../support';

describe('e2e: import', function () {
  let d: TestDaemon;
  let work: string;
  let tarball: string;

  before(async function () {
    requireRoot(this);
    if (!haveCommand('docker')) skipBecause(this, 'the docker CLI is not installed');
    if (!haveCommand('busybox')) skipBecause(this, 'busybox (busybox-static) is needed for the rootfs');
    d = await startDaemon();
    work = await makeTempDir('berth-e2e-import-');
    const rootfs = path.join(work, 'rootfs');
    await fs.mkdir(path.join(rootfs, 'bin'), { recursive: true });
    await fs.copyFile((await runOk('bash', ['-c', 'command -v busybox'])).stdout.trim(), path.join(rootfs, 'bin/busybox'));
    for (const app of ['sh', 'echo', 'cat']) await fs.symlink('busybox', path.join(rootfs, 'bin', app));
    await fs.writeFile(path.join(rootfs, 'marker'), 'imported\n');
    tarball = path.join(work, 'rootfs.tgz');
    await runOk('tar', ['-C', rootfs, '-czf', tarball, '.']);
  });

  after(async function () {
    await d?.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('docker import FILE with --change and --message; the image runs', async function () {
    const r = await d.docker(['import', '-c', 'CMD ["/bin/cat", "/marker"]', '-c', 'ENV IMPORTED=yes', '-m', 'from a file', tarball, 'imp:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
    const inspect = JSON.parse((await d.docker(['image', 'inspect', 'imp:1'])).stdout) as { Comment: string; Config: { Env: string[]; Cmd: string[] }; RootFS: { Layers: string[] } }[];
    assert.equal(inspect[0]!.Comment, 'from a file');
    assert.deepEqual(inspect[0]!.Config.Env, ['IMPORTED=yes']);
    assert.equal(inspect[0]!.RootFS.Layers.length, 1);
    assert.equal((await d.docker(['run', '--rm', 'imp:1'])).stdout, 'imported\n');
  });

  it('berth import - reads stdin; an http URL is downloaded', async function () {
    const s = await run('bash', ['-c', `node bin/berth -H ${d.host} import - imp:stdin < ${tarball}`], { env: d.env() });
    assert.equal(s.code, 0, s.stderr);
    const data = await fs.readFile(tarball);
    const server = http.createServer((_req, res) => res.end(data));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const u = await d.berth(['import', `http://127.0.0.1:${port}/rootfs.tgz`, 'imp:url']);
      assert.equal(u.code, 0, u.stderr);
    } finally {
      server.close();
    }
    const ids = await d.docker(['images', '--format', '{{.ID}}', 'imp']);
    assert.equal(new Set(ids.stdout.trim().split('\n')).size >= 2, true);
    assert.equal((await d.docker(['run', '--rm', 'imp:url', '/bin/cat', '/marker'])).stdout, 'imported\n');
  });

  it('a file that is not a tarball fails and registers nothing', async function () {
    const bad = path.join(work, 'bad.tar');
    await fs.writeFile(bad, 'definitely not a tar'.repeat(50));
    const r = await d.docker(['import', bad, 'imp:bad']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not a valid tar archive/);
    assert.equal((await d.docker(['images', '-q', 'imp:bad'])).stdout.trim(), '');
  });
});
