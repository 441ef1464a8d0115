/**
 * Layer unpacking on the real filesystem (root: mknod, chown, trusted.* xattrs): what is
 * written, with which metadata, how OCI whiteouts become overlay whiteouts, and that hostile
 * tars (`..`, absolute paths, symlink and hardlink escapes) never write outside the target.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { unpackLayer } from '../../daemon/layers/unpack';
import { unpackLayerInWorker } from '../../daemon/layers/unpack-pool';
import { BerthError } from '../../daemon/errors';
import { lgetxattr } from '../../native/ffi/fsops';
import { makeTar, TarItem } from '../support/tar-writer';
import { skipBecause } from '../support/skip';

const sha = (b: Buffer): `sha256:${string}` => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('integration: layer unpack', function () {
  let base: string;
  let target: string;
  let outside: string;

  before(function () {
    if (process.getuid?.() !== 0) skipBecause(this, 'needs root for mknod, chown and trusted.* xattrs');
  });

  beforeEach(function () {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-unpack-'));
    target = path.join(base, 'layer');
    outside = path.join(base, 'outside');
    fs.mkdirSync(target);
    fs.mkdirSync(outside);
  });

  afterEach(function () {
    fs.rmSync(base, { recursive: true, force: true });
  });

  const unpack = (items: TarItem[] | Buffer, opts = {}) => unpackLayer(Readable.from([Buffer.isBuffer(items) ? items : makeTar(items)]), target, opts);
  const outsideIsEmpty = () => assert.deepEqual(fs.readdirSync(outside), []);

  it('writes files, dirs, symlinks, hardlinks and devices with owners, modes and times; size and diff id', async function () {
    const tar = makeTar([
      { name: 'etc/', type: 'dir', mode: 0o750, uid: 5, gid: 6, mtime: 1_500_000_000 },
      { name: 'etc/conf', data: 'hello\n', mode: 0o4755, uid: 7, gid: 8, mtime: 1_400_000_000 },
      { name: 'etc/link', type: 'symlink', linkname: '/etc/conf', uid: 9, gid: 9 },
      { name: 'etc/hard', type: 'link', linkname: 'etc/conf' },
      { name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'fifo', type: 'fifo' },
      { name: 'x', data: 'xattr', pax: { 'SCHILY.xattr.user.berth': 'yes' } },
    ]);
    const gz = gzipSync(tar);
    const res = await unpackLayer(Readable.from([gz]), target, { expectedDiffId: sha(tar) });
    assert.equal(res.diffId, sha(tar));
    assert.equal(res.size, 'hello\n'.length + 'xattr'.length);
    const conf = fs.statSync(path.join(target, 'etc/conf'));
    assert.equal(conf.mode & 0o7777, 0o4755);
    assert.equal(conf.uid, 7);
    assert.equal(conf.gid, 8);
    assert.equal(conf.mtimeMs, 1_400_000_000_000);
    const etc = fs.statSync(path.join(target, 'etc'));
    assert.equal(etc.mode & 0o7777, 0o750);
    assert.equal(etc.mtimeMs, 1_500_000_000_000, 'directory times are applied after its children');
    assert.equal(fs.readlinkSync(path.join(target, 'etc/link')), '/etc/conf');
    assert.equal(fs.lstatSync(path.join(target, 'etc/link')).uid, 9);
    assert.equal(fs.statSync(path.join(target, 'etc/hard')).ino, conf.ino);
    const dn = fs.statSync(path.join(target, 'dev/null'));
    assert.ok(dn.isCharacterDevice());
    assert.equal(dn.rdev, (1 << 8) | 3);
    assert.ok(fs.statSync(path.join(target, 'fifo')).isFIFO());
    assert.equal(String(lgetxattr(path.join(target, 'x'), 'user.berth')), 'yes');
  });

  it('turns OCI whiteouts into overlay whiteouts', async function () {
    await unpack([
      { name: 'a/', type: 'dir' },
      { name: 'a/.wh.gone', data: '' },
      { name: 'opq/', type: 'dir' },
      { name: 'opq/.wh..wh..opq', data: '' },
      { name: 'opq/new', data: 'n' },
      { name: '.wh..wh.plnk', data: '' },
    ]);
    const wh = fs.statSync(path.join(target, 'a/gone'));
    assert.ok(wh.isCharacterDevice());
    assert.equal(wh.rdev, 0);
    assert.ok(!fs.existsSync(path.join(target, 'a/.wh.gone')));
    assert.equal(String(lgetxattr(path.join(target, 'opq'), 'trusted.overlay.opaque')), 'y');
    assert.ok(!fs.existsSync(path.join(target, 'opq/.wh..wh..opq')));
    assert.equal(fs.readFileSync(path.join(target, 'opq/new'), 'utf8'), 'n');
  });

  it('rejects `..` that climbs out of the layer', async function () {
    await assert.rejects(unpack([{ name: '../outside/evil', data: 'x' }]), /points outside the layer/);
    await assert.rejects(unpack([{ name: 'a/../../outside/evil', data: 'x' }]), /points outside the layer/);
    outsideIsEmpty();
  });

  it('contains absolute paths inside the layer', async function () {
    await unpack([{ name: `${outside}/abs`, data: 'x' }]);
    outsideIsEmpty();
    assert.equal(fs.readFileSync(path.join(target, outside, 'abs'), 'utf8'), 'x');
  });

  it('never writes through a symlink, whatever it points at: parents resolve inside the layer', async function () {
    // An absolute link target restarts at the layer root, as in Docker's chroot.
    await unpack([{ name: 'esc', type: 'symlink', linkname: outside }, { name: 'esc/evil', data: 'x' }]);
    outsideIsEmpty();
    assert.equal(fs.readFileSync(path.join(target, outside, 'evil'), 'utf8'), 'x');
    assert.equal(fs.readlinkSync(path.join(target, 'esc')), outside);
    // `..` in a link target stops at the layer root.
    fs.rmSync(target, { recursive: true });
    fs.mkdirSync(target);
    await unpack([{ name: 'd/', type: 'dir' }, { name: 'd/up', type: 'symlink', linkname: '../../..' }, { name: 'd/up/outside/evil', data: 'x' }]);
    outsideIsEmpty();
    assert.equal(fs.readFileSync(path.join(target, 'outside', 'evil'), 'utf8'), 'x');
    // A symlink entry replacing a file, then a write to its name, replaces the link itself.
    fs.rmSync(target, { recursive: true });
    fs.mkdirSync(target);
    await unpack([{ name: 'f', type: 'symlink', linkname: path.join(outside, 'victim') }, { name: 'f', data: 'mine' }]);
    outsideIsEmpty();
    assert.equal(fs.readFileSync(path.join(target, 'f'), 'utf8'), 'mine');
    // Links that loop, and a file used as a directory, are clear errors.
    fs.rmSync(target, { recursive: true });
    fs.mkdirSync(target);
    await assert.rejects(unpack([{ name: 'a', type: 'symlink', linkname: 'b' }, { name: 'b', type: 'symlink', linkname: 'a' }, { name: 'a/x', data: 'x' }]), /too many levels of symbolic links/);
    fs.rmSync(target, { recursive: true });
    fs.mkdirSync(target);
    await assert.rejects(unpack([{ name: 'f', data: 'x' }, { name: 'l', type: 'symlink', linkname: 'f' }, { name: 'l/x', data: 'x' }]), /needs "f" to be a directory/);
  });

  it('resolves a symlinked directory in the middle of a path within the layer (lib -> usr/lib)', async function () {
    await unpack([
      { name: 'usr/', type: 'dir' },
      { name: 'usr/lib/', type: 'dir' },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
      { name: 'lib/x', data: 'in usr/lib' },
      { name: 'lib/sub/y', data: 'deeper' },
      { name: 'lib64', type: 'symlink', linkname: '/usr/lib' },
      { name: 'lib64/z', data: 'abs' },
      { name: 'lib/h', type: 'link', linkname: 'lib/x' },
      { name: 'lib/.wh.gone', data: '' },
    ]);
    assert.equal(fs.readlinkSync(path.join(target, 'lib')), 'usr/lib');
    assert.equal(fs.readFileSync(path.join(target, 'usr/lib/x'), 'utf8'), 'in usr/lib');
    assert.equal(fs.readFileSync(path.join(target, 'usr/lib/sub/y'), 'utf8'), 'deeper');
    assert.equal(fs.readFileSync(path.join(target, 'usr/lib/z'), 'utf8'), 'abs');
    assert.equal(fs.statSync(path.join(target, 'usr/lib/h')).ino, fs.statSync(path.join(target, 'usr/lib/x')).ino);
    assert.ok(fs.lstatSync(path.join(target, 'usr/lib/gone')).isCharacterDevice());
    assert.ok(fs.lstatSync(path.join(target, 'lib')).isSymbolicLink());
  });

  it('refuses hardlinks to anything but files of this layer', async function () {
    fs.writeFileSync(path.join(outside, 'secret'), 's');
    await assert.rejects(unpack([{ name: 'h', type: 'link', linkname: '../outside/secret' }]), /points outside the layer/);
    await assert.rejects(unpack([{ name: 'h', type: 'link', linkname: path.join(outside, 'secret') }]), /not a file in this layer/);
    await assert.rejects(unpack([{ name: 'l', type: 'symlink', linkname: outside }, { name: 'h', type: 'link', linkname: 'l/secret' }]), /not a file in this layer/);
    assert.equal(fs.statSync(path.join(outside, 'secret')).nlink, 1);
  });

  it('fails a diff id mismatch, a truncated gzip stream and a truncated tar', async function () {
    const tar = makeTar([{ name: 'f', data: 'x'.repeat(5000) }]);
    await assert.rejects(unpack(tar, { expectedDiffId: sha(Buffer.from('other')) }), /does not match its diff id/);
    const gz = gzipSync(tar);
    await assert.rejects(unpackLayer(Readable.from([gz.subarray(0, gz.length - 30)]), fs.mkdtempSync(path.join(base, 't')), {}), /corrupt or truncated/);
    await assert.rejects(unpackLayer(Readable.from([tar.subarray(0, 1024)]), fs.mkdtempSync(path.join(base, 't')), {}), /not a valid tar|Truncated/i);
  });

  it('unpacks on a worker thread with the same results and error kinds', async function () {
    const tar = makeTar([
      { name: 'a/', type: 'dir' },
      { name: 'a/.wh.gone', data: '' },
      { name: 'a/big', data: Buffer.alloc(3 << 20, 1) },
      { name: 'opq/.wh..wh..opq', data: '' },
    ]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < tar.length; i += 7000) chunks.push(tar.subarray(i, i + 7000));
    const res = await unpackLayerInWorker(Readable.from(chunks), target, { expectedDiffId: sha(tar) });
    assert.deepEqual(res, { diffId: sha(tar), size: 3 << 20 });
    assert.ok(fs.statSync(path.join(target, 'a/gone')).isCharacterDevice());
    assert.equal(String(lgetxattr(path.join(target, 'opq'), 'trusted.overlay.opaque')), 'y');
    const other = fs.mkdtempSync(path.join(base, 'w'));
    await assert.rejects(unpackLayerInWorker(Readable.from([makeTar([{ name: '../../x', data: 'x' }])]), other), (e: unknown) => e instanceof BerthError && e.kind === 'InvalidParameter' && /points outside the layer/.test(e.message));
    outsideIsEmpty();
  });

  it('security.capability: a valid binary value is set as is; a malformed one fails the layer on a worker, fds intact', async function () {
    // VFS_CAP_REVISION_2, effective, permitted = CAP_SETUID (bit 7: the byte 0x80, which a
    // UTF-8 round trip would mangle into an EINVAL).
    const caps = Buffer.from([0x01, 0, 0, 0x02, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    await unpack([{ name: 'newuidmap', data: 'elf', mode: 0o755, pax: { 'SCHILY.xattr.security.capability': caps } }]);
    assert.ok(lgetxattr(path.join(target, 'newuidmap'), 'security.capability')?.equals(caps));
    // Three bytes are no capability set: the kernel says EINVAL. Before, this closed the
    // file's fd twice (EBADF) on the unpacking thread.
    const evil = () => Readable.from([makeTar([{ name: 'bin/ping', data: 'elf', pax: { 'SCHILY.xattr.security.capability': Buffer.from([1, 2, 3]) } }])]);
    const refused = (e: unknown) => e instanceof BerthError && e.code === 'LAYER_BAD_XATTR' && /"bin\/ping" has an invalid security\.capability/.test(e.message);
    // No descriptor of this process may still point at a file of the refused layers (counting
    // all fds is not exact: worker threads of earlier tests release theirs meanwhile).
    for (let i = 0; i < 5; i++) await assert.rejects(unpackLayer(evil(), fs.mkdtempSync(path.join(base, 'cap'))), refused);
    const open = fs.readdirSync('/proc/self/fd').map((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    });
    assert.deepEqual(open.filter((p) => p.startsWith(base)), [], 'a refused layer left a file open');
    await assert.rejects(unpackLayerInWorker(evil(), fs.mkdtempSync(path.join(base, 'cap'))), refused);
  });

  it('decompresses zstd layers through the zstd CLI', async function () {
    if (spawnSync('zstd', ['--version']).status !== 0) skipBecause(this, 'zstd is not installed (run scripts/install.sh)');
    const tar = makeTar([{ name: 'z', data: 'zstd!' }]);
    const z = spawnSync('zstd', ['-c', '-q'], { input: tar }).stdout;
    const res = await unpackLayer(Readable.from([z]), target, { expectedDiffId: sha(tar) });
    assert.equal(res.diffId, sha(tar));
    assert.equal(fs.readFileSync(path.join(target, 'z'), 'utf8'), 'zstd!');
  });
});
