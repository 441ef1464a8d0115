/**
 * Mounts on the real kernel: overlay with many layers through the new mount API (koffi),
 * and the container's mount table built by the helper (binds, tmpfs, read-only rootfs,
 * masked and read-only /proc paths, the /etc files, a symlink that tries to escape).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KoffiSyscalls } from '../../native/ffi';
import { RuntimeFixture, mountsUnder, useRuntimeFixture } from './runtime-fixture';

describe('mounts (integration)', function () {
  let fx: RuntimeFixture;
  useRuntimeFixture((f) => (fx = f));

  it('mounts an overlay of 128 layers with long paths and unmounts it off the event loop', async () => {
    const sys = new KoffiSyscalls();
    const base = path.join(fx.root, 'many', 'layers-with-a-rather-long-directory-name-to-overflow-one-page-of-mount-data');
    const lower: string[] = [];
    for (let i = 0; i < 128; i++) {
      const d = path.join(base, `sha256-${i.toString(16).padStart(64, '0')}`, 'diff');
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, 'which'), String(i));
      fs.writeFileSync(path.join(d, `only-${i}`), '');
      lower.push(d);
    }
    assert.ok(lower.join(':').length > 4096, 'more than one page of lowerdir data');
    const upper = path.join(fx.root, 'many', 'upper');
    const work = path.join(fx.root, 'many', 'work');
    const target = path.join(fx.root, 'many', 'merged');
    for (const d of [upper, work, target]) fs.mkdirSync(d, { recursive: true });
    sys.mountOverlay({ lower, upper, work, target });
    try {
      assert.equal(fs.readFileSync(path.join(target, 'which'), 'utf8'), '127', 'the last layer is on top');
      assert.ok(fs.existsSync(path.join(target, 'only-0')) && fs.existsSync(path.join(target, 'only-127')));
    } finally {
      await sys.umount(target);
    }
    assert.deepEqual(mountsUnder(target), []);
  });

  it('reports a missing layer as a NotFound naming the path', () => {
    const sys = new KoffiSyscalls();
    const t = path.join(fx.root, 'bad');
    fs.mkdirSync(t, { recursive: true });
    assert.throws(
      () => sys.mountOverlay({ lower: [path.join(fx.root, 'missing-layer')], upper: t, work: t, target: t }),
      (err: Error & { kind?: string }) => err.kind === 'NotFound' && err.message.includes('missing-layer'),
    );
  });

  it('builds the container mount table: binds, tmpfs, etc files, masks, read-only paths', async () => {
    const src = path.join(fx.root, 'bind-src');
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(path.join(src, 'f'), 'from host\n');
    const script = [
      'cat /data/f', 'echo x > /data/new && echo rw-ok', 'cat /ro/f', 'echo x > /ro/new 2>/dev/null || echo ro-refused',
      'grep " /scratch " /proc/self/mountinfo | grep -c tmpfs', 'cat /etc/hostname', 'grep -c nameserver /etc/resolv.conf',
      'cat /proc/timer_list 2>&1 | wc -c', 'echo 1 > /proc/sys/kernel/hostname 2>/dev/null || echo procsys-ro',
      'ls /dev | tr "\\n" " "',
    ].join('; ');
    const r = await fx.run(['sh', '-c', script], {
      mounts: [
        { type: 'bind', source: src, destination: '/data', readonly: false },
        { type: 'bind', source: src, destination: '/ro', readonly: true },
        { type: 'tmpfs', destination: '/scratch', options: 'size=1m' },
      ],
    });
    const lines = r.out.trim().split('\n');
    assert.deepEqual(lines.slice(0, 9), ['from host', 'rw-ok', 'from host', 'ro-refused', '1', r.spec.hostname, '1', '0', 'procsys-ro'], r.out + r.err);
    for (const dev of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'pts', 'shm', 'ptmx', 'fd', 'stdin', 'stdout', 'stderr']) {
      assert.ok(lines[9]!.split(' ').includes(dev), `/dev/${dev} missing: ${lines[9]}`);
    }
    assert.ok(fs.existsSync(path.join(src, 'new')), 'the rw bind wrote through to the host');
  });

  it('makes the rootfs read-only on request', async () => {
    const r = await fx.run(['sh', '-c', 'touch /x 2>/dev/null || echo refused; touch /tmp/y 2>/dev/null || echo tmp-refused'], { readonlyRootfs: true });
    assert.equal(r.out, 'refused\ntmp-refused\n');
  });

  it('keeps a mount whose destination is a symlink inside the rootfs', async () => {
    // /escape -> / on the host would be a bind over the host root: it must resolve in the rootfs
    const layer = path.join(fx.root, 'evil-layer');
    fs.mkdirSync(layer, { recursive: true });
    fs.symlinkSync('/', path.join(layer, 'escape'));
    const target = path.join(fx.root, 'escape-target');
    fs.mkdirSync(target, { recursive: true });
    const src = path.join(fx.root, 'escape-src');
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(path.join(src, 'marker'), 'm');
    const spec = fx.spec(['sh', '-c', 'ls /mnt-here'], {});
    spec.layers.lower = [fx.layer, layer];
    spec.mounts = [{ type: 'bind', source: src, destination: '/escape/mnt-here', readonly: true }];
    await fx.runtime.start(spec);
    await fx.runtime.waitExit(spec.id);
    const out = fx.logLines(spec).map((l) => l.log).join('');
    await fx.runtime.cleanup(spec.id, spec.rootfs);
    assert.equal(out, 'marker\n');
    assert.equal(fs.existsSync('/mnt-here'), false, 'nothing was created on the host root');
  });
});
