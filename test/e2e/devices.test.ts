/**
 * Devices through the real docker CLI and berth's (issue 9 item 2): a container's mknod of a loop device
 * this test sets up (losetup on a temp file, never a real host disk) and of the host's
 * kernel log cannot be opened (EPERM); `--device`, `--device-cgroup-rule` and `--privileged`
 * open the loop device; a malformed rule is refused at create with Docker's exit code 125.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, useDockerDaemon, type TestDaemon } from '../support';

describe('e2e: devices (docker CLI)', function () {
  let d: TestDaemon;
  let image: string;
  let loop = '';
  let minor = 0;
  let dir = '';

  useDockerDaemon((f) => [f.busybox], (daemon, f) => {
    d = daemon;
    image = f.busybox.ref;
  });

  before(async function () {
    if (!d) return;
    dir = await makeTempDir('berth-e2e-devices-');
    const file = path.join(dir, 'disk.img');
    fs.writeFileSync(file, Buffer.alloc(1 << 20));
    fs.writeFileSync(file, 'berth-loop', { flag: 'r+' });
    loop = execFileSync('losetup', ['--find', '--show', file]).toString().trim();
    const rdev = BigInt(fs.statSync(loop).rdev);
    minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  });

  after(() => {
    if (loop) execFileSync('losetup', ['-d', loop]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const attack = () => [
    'sh', '-c',
    `mknod /loop b 7 ${minor}; head -c 10 /loop 2>&1; echo; mknod /kmsg c 1 11; { echo berth-e2e > /kmsg; } 2>&1; echo done`,
  ];

  it('keeps a container from opening devices it makes with mknod', async () => {
    const r = await d.docker(['run', '--rm', image, ...attack()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /head: \/loop: Operation not permitted/);
    assert.match(r.stdout, /\/kmsg: Operation not permitted/);
    assert.doesNotMatch(r.stdout, /berth-loop/);
  });

  it('opens the device given with --device, and with --device-cgroup-rule', async () => {
    const r = await d.docker(['run', '--rm', '--device', `${loop}:/dev/xvdb:r`, image, 'head', '-c', '10', '/dev/xvdb']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'berth-loop');
    const b = await d.berth(['run', '--rm', '--device', `${loop}:/dev/xvdb:r`, image, 'head', '-c', '10', '/dev/xvdb']);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(b.stdout, 'berth-loop', 'the berth CLI passes --device too');
    const rule = await d.docker(['run', '--rm', '--device-cgroup-rule', `b 7:${minor} rm`, image, ...attack()]);
    assert.match(rule.stdout, /^berth-loop$/m, rule.stdout);
    assert.match(rule.stdout, /\/kmsg: Operation not permitted/);
    const inspect = await d.docker(['create', '--device', `${loop}:/dev/xvdb:r`, '--device-cgroup-rule', 'c 1:3 r', image, 'true']);
    const hc = JSON.parse((await d.docker(['inspect', '--format', '{{json .HostConfig}}', inspect.stdout.trim()])).stdout) as { Devices: unknown; DeviceCgroupRules: unknown };
    assert.deepEqual(hc.Devices, [{ PathOnHost: loop, PathInContainer: '/dev/xvdb', CgroupPermissions: 'r' }]);
    assert.deepEqual(hc.DeviceCgroupRules, ['c 1:3 r']);
  });

  it('gives a --privileged container the host\'s devices', async () => {
    const r = await d.docker(['run', '--rm', '--privileged', image, 'head', '-c', '10', loop]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'berth-loop');
  });

  it('refuses a malformed --device-cgroup-rule at create (exit 125) and a missing --device at start (Docker\'s words)', async () => {
    const bad = await d.docker(['create', '--device-cgroup-rule', 'c 1:3 rwx', image, 'true']);
    // the docker CLI checks the syntax itself; the API check is for other clients
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /invalid device cgroup/i);
    const api = await d.docker(['run', '--rm', '--device', '/dev/berth-e2e-missing', image, 'true']);
    // the docker CLI turns a start error naming "no such file or directory" into 127, against
    // dockerd as well (runStartContainerErr)
    assert.equal(api.code, 127);
    assert.match(api.stderr, /error gathering device information while adding custom device "\/dev\/berth-e2e-missing": no such file or directory/);
  });
});
