/**
 * `exec` through the docker CLI and bin/berth: -it under a pty (the terminal size reaches the
 * process), -d, -e/-w/-u, a missing command (exit 126 with Docker's message, as dockerd), and
 * exec into a stopped container (409).
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { haveCommand, repoRoot, requireRoot, runInPty, sharedFixtures, shellQuote, skipBecause, startDaemon, type TestDaemon } from '../support';

describe('e2e: exec (docker CLI and berth)', function () {
  let d: TestDaemon;

  before(async function () {
    requireRoot(this);
    if (!haveCommand('docker')) skipBecause(this, 'the docker CLI is not installed');
    const f = await sharedFixtures();
    d = await startDaemon();
    assert.equal((await d.docker(['pull', '-q', f.busybox.ref])).code, 0);
    assert.equal((await d.docker(['tag', f.busybox.ref, 'busybox'])).code, 0);
    const run = await d.docker(['run', '-d', '--name', 'target', 'busybox', 'sleep', '300']);
    assert.equal(run.code, 0, run.stderr);
  });

  after(async function () {
    // A container outlives berthd by design: remove it, or its sleep keeps running after the test.
    await d?.docker(['rm', '-f', 'target']);
    await d?.stop();
  });

  for (const client of ['docker', 'berth'] as const) {
    const cli = (args: string[]) => (client === 'docker' ? d.docker(args) : d.berth(args));
    const argv0 = client === 'docker' ? ['docker'] : ['node', path.join(repoRoot(), 'bin', 'berth')];

    it(`${client} exec -it runs under a pty with the terminal's size`, async function () {
      const r = await runInPty('sh', ['-c', `stty rows 33 cols 99; ${shellQuote([...argv0, 'exec', '-it', 'target', 'sh', '-c', 'stty size; exit 6'])}`], { env: d.env() });
      assert.equal(r.code, 6, r.stdout + r.stderr);
      assert.match(r.stdout, /33 99/);
    });

    it(`${client} exec passes -e, -w and -u, and -d returns at once`, async function () {
      const r = await cli(['exec', '-e', 'GREETING=hello', '-w', '/tmp', '-u', 'nobody', 'target', 'sh', '-c', 'echo $GREETING $(pwd) $(id -u)']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hello /tmp 65534\n');
      const det = await cli(['exec', '-d', 'target', 'sh', '-c', `echo done > /tmp/detached-${client}`]);
      assert.equal(det.code, 0, det.stderr);
      const check = await cli(['exec', 'target', 'sh', '-c', `while [ ! -s /tmp/detached-${client} ]; do sleep 0.05; done; cat /tmp/detached-${client}`]);
      assert.equal(check.stdout, 'done\n');
    });

    it(`${client} exec of a missing command exits 126 with Docker's message`, async function () {
      const r = await cli(['exec', 'target', 'nosuchcmd']);
      assert.equal(r.code, 126);
      assert.match(r.stdout + r.stderr, /executable file not found in \$PATH/);
    });
  }

  it('exec into a stopped container is refused (409)', async function () {
    assert.equal((await d.docker(['create', '--name', 'idle', 'busybox', 'true'])).code, 0);
    const r = await d.docker(['exec', 'idle', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /is not running/);
  });
});
