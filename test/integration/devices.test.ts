/**
 * The device cgroup (issue 9 item 2), as an attacker inside a container tries it: the
 * container keeps CAP_MKNOD (as under Docker), makes a node for a loop device this test sets
 * up (losetup on a temp file; no real host disk is ever touched) and one for the host's
 * kernel log (c 1:11), and tries to open them. Both must fail with EPERM under cgroup v1
 * (this host's default) and under cgroup v2 (the BPF device program, on the hybrid host's
 * /sys/fs/cgroup/unified); exec sessions are confined the same way. `--device` of that loop
 * device, a `--device-cgroup-rule` for it, and `--privileged` open it, and what the container
 * writes lands in the test's temp file.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectCgroups } from '../../daemon/runtime/cgroups';
import type { ContainerSpec } from '../../daemon/runtime/types';
import { RuntimeFixture, buildHelper, skipReason } from './runtime-fixture';
import { skipBecause } from '../support/skip';

const CGROUP2_SUPER_MAGIC = 0x63677270;

interface Loop {
  dev: string;
  minor: number;
  file: string;
}

function setUpLoop(dir: string): Loop {
  const file = path.join(dir, 'disk.img');
  fs.writeFileSync(file, Buffer.alloc(1 << 20));
  const dev = execFileSync('losetup', ['--find', '--show', file]).toString().trim();
  const st = fs.statSync(dev);
  return { dev, minor: Number(BigInt(st.rdev) & 0xffn) | Number((BigInt(st.rdev) >> 12n) & ~0xffn), file };
}

/** The probe: mknod the loop device and kmsg, try to read / write each; prints one verdict per line. */
function probe(minor: number): string[] {
  return ['sh', '-c', [
    `mknod /loop b 7 ${minor} && echo MKNOD-OK`,
    `head -c 4 /loop >/dev/null 2>/tmp/e && echo LOOP-READ-OK || echo "LOOP-READ-DENIED $(cat /tmp/e)"`,
    'mknod /kmsg c 1 11 && echo MKNOD-OK',
    `echo berth-device-test > /kmsg 2>/tmp/e && echo KMSG-WRITE-OK || echo "KMSG-WRITE-DENIED $(cat /tmp/e)"`,
    'head -c 1 /dev/zero >/dev/null && echo ZERO-OK',
  ].join('; ')];
}

function suite(name: string, cgroupRoot: string | undefined): void {
  describe(`device cgroup, ${name} (integration)`, function () {
    let fx: RuntimeFixture | undefined;
    let loop: Loop | undefined;
    let dir: string | undefined;

    before(async function () {
      const why = skipReason() ?? (cgroupRoot && fs.statfsSync(cgroupRoot, {}).type !== CGROUP2_SUPER_MAGIC ? `${cgroupRoot} is not a cgroup2 mount` : undefined);
      if (why) skipBecause(this, why);
      buildHelper();
      fx = new RuntimeFixture(undefined, cgroupRoot ? await detectCgroups(cgroupRoot) : undefined);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-devices-'));
      loop = setUpLoop(dir);
    });

    after(async () => {
      if (fx) await fx.dispose();
      if (loop) execFileSync('losetup', ['-d', loop.dev]);
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('refuses to open a loop device and the kernel log made with mknod (EPERM), in the container and in exec', async () => {
      const f = fx!;
      const r = await f.run(probe(loop!.minor));
      const lines = r.out.trim().split('\n');
      assert.equal(lines.filter((l) => l === 'MKNOD-OK').length, 2, r.out + r.err);
      assert.match(r.out, /^LOOP-READ-DENIED .*Operation not permitted/m, r.out);
      assert.match(r.out, /^KMSG-WRITE-DENIED .*Operation not permitted/m, r.out);
      assert.match(r.out, /^ZERO-OK$/m);

      const spec = f.spec(['sleep', '1000']);
      await f.runtime.start(spec);
      const p = await f.runtime.exec(spec.id, { args: probe(loop!.minor), env: [], cwd: '/', user: '', tty: false, stdin: false });
      const out = await collect(p.stream);
      await p.exited;
      assert.match(out, /LOOP-READ-DENIED .*Operation not permitted/, out);
      assert.match(out, /KMSG-WRITE-DENIED .*Operation not permitted/, out);
      await stop(f, spec);
    });

    it('opens the loop device given with --device (at its container path, with its permissions)', async () => {
      const f = fx!;
      const r = await f.run(['sh', '-c', 'ls -l /dev/xvdb; printf berth > /dev/xvdb && echo WRITE-OK'], {
        devices: { mappings: [{ PathOnHost: loop!.dev, PathInContainer: '/dev/xvdb', CgroupPermissions: 'rwm' }], rules: [], privileged: false },
      });
      assert.match(r.out, new RegExp(`^brw.* 7, +${loop!.minor} .*/dev/xvdb$`, 'm'), r.out + r.err);
      assert.match(r.out, /^WRITE-OK$/m, r.err);
      assert.equal(readHead(loop!.file), 'berth');

      const ro = await f.run(['sh', '-c', 'head -c 5 /dev/xvdb; echo; { printf x > /dev/xvdb; } 2>/tmp/e || echo "WRITE-DENIED $(cat /tmp/e)"'], {
        devices: { mappings: [{ PathOnHost: loop!.dev, PathInContainer: '/dev/xvdb', CgroupPermissions: 'r' }], rules: [], privileged: false },
      });
      assert.match(ro.out, /^berth$/m, ro.out + ro.err);
      assert.match(ro.out, /WRITE-DENIED .*Operation not permitted/, ro.out);
    });

    it('opens it with a --device-cgroup-rule, and every device with --privileged', async () => {
      const f = fx!;
      const r = await f.run(probe(loop!.minor), { devices: { mappings: [], rules: [`b 7:${loop!.minor} rwm`], privileged: false } });
      assert.match(r.out, /^LOOP-READ-OK$/m, r.out);
      assert.match(r.out, /^KMSG-WRITE-DENIED/m, r.out);

      const base = path.basename(loop!.dev);
      const p = await f.run(['sh', '-c', `ls -l /dev/${base} && head -c 5 /dev/${base} && echo && echo READ-OK`], { devices: { mappings: [], rules: [], privileged: true } });
      assert.match(p.out, /^berth$/m, p.out + p.err);
      assert.match(p.out, /^READ-OK$/m);
    });

    it('refuses a --device that is not there in Docker\'s words', async () => {
      const f = fx!;
      const spec = f.spec(['true'], { devices: { mappings: [{ PathOnHost: '/dev/berth-no-such-device', PathInContainer: '/dev/x', CgroupPermissions: 'rwm' }], rules: [], privileged: false } });
      await assert.rejects(f.runtime.start(spec), /error gathering device information while adding custom device "\/dev\/berth-no-such-device": no such file or directory/);
    });
  });
}

function readHead(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(5);
    fs.readSync(fd, b, 0, 5, 0);
    return b.toString();
  } finally {
    fs.closeSync(fd);
  }
}

function collect(s: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('end', () => resolve(Buffer.concat(parts).toString()));
    s.on('error', reject);
  });
}

async function stop(f: RuntimeFixture, spec: ContainerSpec): Promise<void> {
  await f.runtime.signal(spec.id, 'KILL');
  await f.runtime.waitExit(spec.id);
  await f.runtime.cleanup(spec.id, spec.rootfs);
}

suite('host default (v1 here)', undefined);
suite('cgroup v2 BPF program', '/sys/fs/cgroup/unified');
