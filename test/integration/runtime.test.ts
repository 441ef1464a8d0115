/**
 * The Runtime (createRuntime) against the real kernel and the real helper: a busybox
 * container's output, exit code, namespaces, filesystem, errors and cleanup.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuntimeFixture, mountsUnder, useRuntimeFixture } from './runtime-fixture';

describe('runtime (integration)', function () {
  let fx: RuntimeFixture;
  useRuntimeFixture((f) => (fx = f));

  it('runs a command, logs json-file lines and records its exit code', async () => {
    const r = await fx.run(['sh', '-c', 'echo hi; echo oops >&2; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.out, 'hi\n');
    assert.equal(r.err, 'oops\n');
    const first = fx.logLines(r.spec)[0]!;
    assert.deepEqual(Object.keys(first), ['log', 'stream', 'time']);
    assert.match(first.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  it('gives the container its own hostname, pid 1 and the host kernel', async () => {
    const r = await fx.run(['sh', '-c', 'hostname; echo $$; uname -r']);
    const [host, pid, kernel] = r.out.trim().split('\n');
    assert.equal(host, r.spec.hostname);
    assert.equal(pid, '1');
    assert.equal(kernel, os.release());
  });

  it('shows no host mounts inside and writes land in the upper layer', async () => {
    const r = await fx.run(['sh', '-c', 'cat /proc/self/mountinfo; echo data > /root/file']);
    const points = r.out.trim().split('\n').map((l) => l.split(' ')[4]);
    assert.ok(points.includes('/'));
    assert.ok(points.includes('/proc'));
    assert.ok(!points.some((p) => p?.startsWith(fx.root) || p === '/work' || p?.startsWith('/tmp/')), `host mounts visible: ${points.join(' ')}`);
    assert.equal(fs.readFileSync(path.join(r.spec.layers.upper, 'root/file'), 'utf8'), 'data\n');
  });

  it('reports an unknown command with Docker\'s message and exit code 127', async () => {
    const spec = fx.spec(['nosuchcmd']);
    await assert.rejects(fx.runtime.start(spec), (err: Error & { exitCode?: number; kind?: string }) => {
      assert.equal(err.message, 'exec: "nosuchcmd": executable file not found in $PATH');
      assert.equal(err.exitCode, 127);
      assert.equal(err.kind, 'InvalidParameter');
      return true;
    });
    // The exit code travels on the error (the containers service records it); a failed start
    // leaves no runtime directory and nothing mounted.
    assert.equal(await fx.runtime.readExit(spec.id), undefined);
    assert.equal(fs.existsSync(fx.paths.containerRunDir(spec.id)), false, 'no runtime files after a failed start');
    assert.deepEqual(mountsUnder(spec.rootfs), [], 'nothing stays mounted after a failed start');
    await fx.runtime.cleanup(spec.id, spec.rootfs);
  });

  it('reports a missing user clearly', async () => {
    const spec = fx.spec(['true'], { user: 'app' });
    await assert.rejects(fx.runtime.start(spec), /unable to find user app: no matching entries in passwd file/);
    await fx.runtime.cleanup(spec.id, spec.rootfs);
  });

  it('leaves no mounts and no runtime dir after cleanup', async () => {
    const r = await fx.run(['true']);
    assert.deepEqual(mountsUnder(fx.root), []);
    assert.equal(fs.existsSync(fx.paths.containerRunDir(r.spec.id)), false);
  });
});
