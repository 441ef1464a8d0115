/**
 * The start overlapping the daemon's network setup (ContainerSpec.netPending, the helper's
 * `netwait`): the container joins a namespace that is still being set up, and nothing of the
 * user's runs before the daemon says it is ready; a failed setup aborts the start cleanly.
 * The "setup" here is what netavark would do, done with nsenter + ip on a namespace the test
 * makes with unshare, after a delay the container would otherwise run through.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeFixture, mountsUnder, useRuntimeFixture } from './runtime-fixture';

describe('runtime: start while the network is set up (integration)', function () {
  let fx: RuntimeFixture;
  useRuntimeFixture((f) => (fx = f));
  const made: string[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-netwait-'));

  function netns(): string {
    const file = path.join(dir, `netns-${made.length}`);
    fs.writeFileSync(file, '');
    execFileSync('unshare', [`--net=${file}`, 'true']);
    made.push(file);
    return file;
  }
  const inNs = (file: string, ...args: string[]) => execFileSync('nsenter', [`--net=${file}`, ...args]);

  after(() => {
    for (const f of made) {
      try {
        execFileSync('umount', [f]);
      } catch {
        // not mounted
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds the container\'s process until the namespace is ready', async () => {
    const ns = netns();
    const ready = (async () => {
      await sleep(400);
      inNs(ns, 'ip', 'addr', 'add', '10.99.0.1/32', 'dev', 'lo');
    })();
    const r = await fx.run(['ip', 'addr', 'show', 'lo'], { network: 'private', netns: ns, netPending: { created: Promise.resolve(), ready } });
    assert.equal(r.code, 0);
    assert.match(r.out, /inet 10\.99\.0\.1\/32/);
  });

  it('applies --sysctl after the setup, so it may name the interfaces the setup makes', async () => {
    const ns = netns();
    const ready = (async () => {
      await sleep(300);
      inNs(ns, 'ip', 'link', 'add', 'bv0', 'type', 'veth', 'peer', 'name', 'bv1');
    })();
    const r = await fx.run(['cat', '/proc/sys/net/ipv4/conf/bv0/forwarding'], {
      network: 'private', netns: ns, sysctls: ['net.ipv4.conf.bv0.forwarding=1'], netPending: { created: Promise.resolve(), ready },
    });
    assert.equal(r.code, 0);
    assert.equal(r.out.trim(), '1');
  });

  it('aborts the start with the setup\'s own error: nothing of the user\'s ran, nothing is left', async () => {
    const ns = netns();
    const ready = sleep(200).then(() => {
      throw new Error('setting up the network failed: no bridge');
    });
    const spec = fx.spec(['touch', '/ran'], { network: 'private', netns: ns, netPending: { created: Promise.resolve(), ready } });
    await assert.rejects(fx.runtime.start(spec), /setting up the network failed: no bridge/);
    assert.equal(fs.existsSync(path.join(spec.layers.upper, 'ran')), false, 'the command must not have run');
    assert.equal(fs.existsSync(fx.paths.containerRunDir(spec.id)), false, 'no runtime files after a failed start');
    assert.deepEqual(mountsUnder(spec.rootfs), [], 'nothing stays mounted after a failed start');
    await fx.runtime.cleanup(spec.id, spec.rootfs);
  });

  it('does not spawn the helper before the namespace file exists, and fails with its error', async () => {
    const spec = fx.spec(['true'], {
      network: 'private', netns: path.join(dir, 'never-made'),
      netPending: { created: sleep(100).then(() => { throw new Error('creating the network namespace failed'); }), ready: new Promise<void>(() => undefined) },
    });
    spec.netPending?.created.catch(() => undefined);
    await assert.rejects(fx.runtime.start(spec), /creating the network namespace failed/);
    assert.deepEqual(mountsUnder(spec.rootfs), []);
  });
});
