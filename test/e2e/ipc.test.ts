/**
 * `--ipc` as Docker gives it, driven by the docker CLI and dockerode: `container:NAME` joins a
 * `shareable` container's IPC namespace AND its /dev/shm (a file written in one is read in the
 * other: POSIX shared memory lives there, and Kubernetes pods rely on it, see cri-dockerd's
 * sandbox with IpcMode "shareable"); a private donor is refused with dockerd's sentence;
 * `private` has a /dev/shm of its own; `host` shares the host's /dev/shm; `none` has none; the
 * host-side tmpfs of a shareable container is gone after it stops.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type TestDaemon, useDockerDaemon } from '../support';

describe('e2e: --ipc modes and /dev/shm', function () {
  this.timeout(120_000);
  let d: TestDaemon;
  let image: string;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (image = fx.busybox.ref)));

  const ok = async (args: string[]) => {
    const r = await d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  /** Mounts under the exec root's container run directories (a shareable /dev/shm's host tmpfs). */
  const berthMounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(path.join(d.execRoot, 'containers') + '/')).length;

  afterEach(async function () {
    await d.docker(['rm', '-f', 'donor', 'priv', 'joiner']);
  });

  it('container:NAME shares a shareable container\'s /dev/shm both ways; the tmpfs goes with the donor', async function () {
    const before = berthMounts();
    await ok(['run', '-d', '--name', 'donor', '--ipc', 'shareable', '--shm-size', '8m', image, 'sleep', '300']);
    await ok(['exec', 'donor', 'sh', '-c', 'echo from-donor > /dev/shm/seg']);
    const out = await ok(['run', '--rm', '--name', 'joiner', '--ipc', 'container:donor', image, 'sh', '-c', 'cat /dev/shm/seg && echo from-joiner > /dev/shm/back && df -k /dev/shm | tail -1']);
    const [seg, df] = out.split('\n');
    assert.equal(seg, 'from-donor');
    assert.match(df ?? '', /\s8192\s/, `the donor's --shm-size: ${df}`);
    assert.equal(await ok(['exec', 'donor', 'cat', '/dev/shm/back']), 'from-joiner');
    const donor = JSON.parse(await ok(['inspect', 'donor']))[0];
    assert.equal(donor.HostConfig.IpcMode, 'shareable');
    assert.equal(berthMounts(), before + 1, 'one host tmpfs for the shareable donor');
    await ok(['rm', '-f', 'donor']);
    assert.equal(berthMounts(), before, 'the host tmpfs is unmounted with the donor');
  });

  it('a private donor is refused with Docker\'s sentence (400); private has its own /dev/shm', async function () {
    await ok(['run', '-d', '--name', 'priv', image, 'sh', '-c', 'echo mine > /dev/shm/x; exec sleep 300']);
    assert.equal(JSON.parse(await ok(['inspect', 'priv']))[0].HostConfig.IpcMode, 'private');
    const r = await d.docker(['run', '--rm', '--name', 'joiner', '--ipc', 'container:priv', image, 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /non-shareable IPC \(hint: use IpcMode:shareable for the donor container\)/);
    const c = await d.dockerode().createContainer({ Image: image, Cmd: ['true'], HostConfig: { IpcMode: 'container:priv' } });
    await assert.rejects(c.start(), (e: { statusCode?: number }) => e.statusCode === 400);
    await c.remove();
    assert.equal(await ok(['run', '--rm', image, 'sh', '-c', 'ls /dev/shm | wc -l']), '0', 'another private container does not see it');
  });

  it('host binds the host\'s /dev/shm; none has no /dev/shm', async function () {
    const name = `berth-ipc-${process.pid}`;
    writeFileSync(path.join('/dev/shm', name), 'from-host\n');
    try {
      assert.equal(await ok(['run', '--rm', '--ipc', 'host', image, 'cat', `/dev/shm/${name}`]), 'from-host');
    } finally {
      rmSync(path.join('/dev/shm', name), { force: true });
    }
    const none = await ok(['run', '--rm', '--ipc', 'none', image, 'sh', '-c', 'grep -c " /dev/shm " /proc/self/mountinfo || true']);
    assert.equal(none, '0');
    assert.ok(!existsSync(path.join('/dev/shm', name)));
  });
});
