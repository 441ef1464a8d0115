// Layer unpacking without root: mknod and xattrs go to the recording FsCalls fake, so whiteouts,
// device nodes, opaque dirs and refused xattrs are checked by what the unpacker asked for.
// Also the worker boundary (BerthError kind and code survive it) and sparse files (GNU tar made).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { BerthError } from '../../../daemon/errors';
import { LayerCode } from '../../../daemon/layers/errors';
import { RecordingFsCalls } from '../../../daemon/layers/fs-calls-fake';
import { unpackLayer } from '../../../daemon/layers/unpack';
import { unpackLayerInWorker } from '../../../daemon/layers/unpack-pool';
import { walkLayer } from '../../../daemon/layers/file-index';
import { requireCommands } from '../../support/skip';
import { makeTar, TarItem } from '../../support/tar-writer';

describe('unit: layer unpack (FsCalls fake)', function () {
  let base: string;
  let target: string;
  let fake: RecordingFsCalls;

  beforeEach(function () {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-unit-unpack-'));
    target = path.join(base, 'layer');
    fs.mkdirSync(target);
    fake = new RecordingFsCalls();
  });
  afterEach(function () {
    fs.rmSync(base, { recursive: true, force: true });
  });

  const unpack = (items: TarItem[] | Buffer) => unpackLayer(Readable.from([Buffer.isBuffer(items) ? items : makeTar(items)]), target, { chown: false }, fake);
  const rejectsWith = async (p: Promise<unknown>, code: string): Promise<BerthError> => {
    const err = await p.then(
      () => assert.fail('expected the unpack to fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof BerthError, `not a BerthError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  };

  it('OCI whiteouts become overlay whiteouts (char 0/0) and opaque markers', async function () {
    await unpack([
      { name: 'd/', type: 'dir' },
      { name: 'd/.wh.gone', data: '' },
      { name: 'o/.wh..wh..opq', data: '' },
      { name: '.wh..wh.plnk', data: '' },
    ]);
    assert.ok(fake.isWhiteout(path.join(target, 'd/gone')));
    assert.deepEqual(fake.calls.filter((c) => c.op === 'lsetxattr').map((c) => c.op === 'lsetxattr' && [c.path, c.name, c.value.toString()]), [
      [path.join(target, 'o'), 'trusted.overlay.opaque', 'y'],
    ]);
    assert.ok(!fs.existsSync(path.join(target, 'd/.wh.gone')), 'the .wh. file itself is not written');
  });

  it('for a plain archive (build ADD) .wh. names are ordinary files', async function () {
    await unpackLayer(Readable.from([makeTar([{ name: 'd/.wh.keep', data: 'k' }, { name: '.wh..wh..opq', data: '' }])]), target, { whiteouts: false, chown: false }, fake);
    assert.equal(fs.readFileSync(path.join(target, 'd/.wh.keep'), 'utf8'), 'k');
    assert.ok(fs.existsSync(path.join(target, '.wh..wh..opq')));
    assert.deepEqual(fake.calls, [], 'no whiteout or opaque marker was made');
  });

  it('device nodes and FIFOs go through mknod with their numbers', async function () {
    await unpack([
      { name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/loop0', type: 'block', devmajor: 7, devminor: 0 },
      { name: 'fifo', type: 'fifo' },
    ]);
    const nodes = fake.calls.filter((c) => c.op === 'mknod').map((c) => c.op === 'mknod' && [path.relative(target, c.path), c.type, c.major, c.minor]);
    assert.deepEqual(nodes, [
      ['dev/null', 'char', 1, 3],
      ['dev/loop0', 'block', 7, 0],
      ['fifo', 'fifo', 0, 0],
    ]);
  });

  it('xattrs from pax headers are set; EPERM/ENOTSUP are skipped like tar', async function () {
    fake.failNext('lsetxattr', 'EPERM', 'security.selinux');
    await unpack([{ name: 'x', data: 'x', pax: { 'SCHILY.xattr.user.a': 'b', 'SCHILY.xattr.security.selinux': 'c' } }]);
    assert.equal(fake.xattrs.get(path.join(target, 'x'))?.get('user.a')?.toString(), 'b');
    assert.equal(fs.readFileSync(path.join(target, 'x'), 'utf8'), 'x');
  });

  it('xattr values are bytes: a binary security.capability arrives intact (no UTF-8 round trip)', async function () {
    // VFS_CAP_REVISION_2, effective, permitted = CAP_SETUID (bit 7: the byte 0x80).
    const caps = Buffer.from([0x01, 0, 0, 0x02, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    await unpack([{ name: 'bin/newuidmap', data: 'elf', pax: { 'SCHILY.xattr.security.capability': caps, 'SCHILY.xattr.user.note': 'caf\u00e9' } }]);
    const attrs = fake.xattrs.get(path.join(target, 'bin/newuidmap'));
    assert.ok(attrs?.get('security.capability')?.equals(caps), `got ${attrs?.get('security.capability')?.toString('hex')}`);
    assert.equal(attrs?.get('user.note')?.toString('utf8'), 'caf\u00e9');
  });

  it('a security.capability the kernel refuses fails the layer naming the file, closing its fd once', async function () {
    fake.failNext('lsetxattr', 'EINVAL', 'security.capability');
    const closed: number[] = [];
    // The fs module object itself (the import above is a read-only namespace view of it).
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const fsModule = require('node:fs') as { closeSync: (fd: number) => void };
    const realClose = fsModule.closeSync;
    // Watch closes (forwarding them): the old code closed the file's fd a second time (EBADF),
    // which with worker threads could close a descriptor another thread had just opened.
    fsModule.closeSync = (fd: number) => {
      closed.push(fd);
      realClose(fd);
    };
    try {
      const err = await rejectsWith(unpack([{ name: 'bin/ping', data: 'elf', pax: { 'SCHILY.xattr.security.capability': Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0]) } }]), LayerCode.BadXattr);
      assert.match(err.message, /bin\/ping.*security\.capability/);
      assert.equal(err.kind, 'InvalidParameter');
    } finally {
      fsModule.closeSync = realClose;
    }
    assert.equal(new Set(closed).size, closed.length, `an fd was closed twice: ${closed.join(', ')}`);
  });

  describe('sparse files made by GNU tar --sparse', function () {
    let src: string;
    const islands: [number, string][] = [];
    before(function () {
      requireCommands(this, 'tar');
    });
    beforeEach(function () {
      src = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-unit-sparse-'));
      // 8 MiB with ten small islands of data (more than the 4 an old-GNU header holds, so its
      // extension blocks are read too) and a hole at the end.
      const fd = fs.openSync(path.join(src, 'sparse.img'), 'w');
      islands.length = 0;
      for (let i = 0; i < 10; i++) islands.push([i * 700_000 + 12_345, `island-${i}-`.repeat(50)]);
      for (const [off, text] of islands) fs.writeSync(fd, text, off);
      fs.ftruncateSync(fd, 8 << 20);
      fs.closeSync(fd);
      fs.writeFileSync(path.join(src, 'plain.txt'), 'next entry\n');
    });
    afterEach(function () {
      fs.rmSync(src, { recursive: true, force: true });
    });

    const formats: [string, string[]][] = [
      ['old GNU (S entries with extension blocks)', ['--format=gnu']],
      ['PAX 0.0', ['--format=pax', '--sparse-version=0.0']],
      ['PAX 0.1', ['--format=pax', '--sparse-version=0.1']],
      ['PAX 1.0', ['--format=pax', '--sparse-version=1.0']],
    ];
    for (const [label, args] of formats) {
      it(`${label}: extracted with its data at its offsets and its holes kept`, async function () {
        const tar = execFileSync('tar', ['--sparse', ...args, '-C', src, '-cf', '-', 'sparse.img', 'plain.txt'], { maxBuffer: 64 << 20 });
        assert.ok(tar.length < 1 << 20, `GNU tar did not write ${label} sparsely (${tar.length} bytes)`);
        const res = await unpack(tar);
        const out = path.join(target, 'sparse.img');
        const st = fs.statSync(out);
        assert.equal(st.size, 8 << 20);
        assert.ok(fs.readFileSync(out).equals(fs.readFileSync(path.join(src, 'sparse.img'))), 'content differs');
        // Holes stay holes: the file uses about what its islands need, not 8 MiB.
        assert.ok(st.blocks * 512 < 1 << 20, `${st.blocks * 512} bytes allocated: the holes were filled`);
        assert.equal(fs.readFileSync(path.join(target, 'plain.txt'), 'utf8'), 'next entry\n');
        assert.equal(fs.readdirSync(target).sort().join(','), 'plain.txt,sparse.img', 'no GNUSparseFile.* directory left');
        assert.equal(res.size, (8 << 20) + 11);
      });
    }

    it('a sparse file whose data runs short of its map is refused, not written half', async function () {
      const tar = execFileSync('tar', ['--sparse', '--format=gnu', '-C', src, '-cf', '-', 'sparse.img'], { maxBuffer: 64 << 20 });
      const dataStart = 1024; // after the S header and its one extension block (10 segments)
      const cut = Buffer.concat([tar.subarray(0, dataStart + 1000), Buffer.alloc(1024)]);
      await assert.rejects(unpack(cut), (err: unknown) => err instanceof BerthError && (err.code === LayerCode.Corrupt || err.code === LayerCode.NotTar));
    });
  });

  it('the file index taken while unpacking is the walk of the tree it wrote, hashes included', async function () {
    const items: TarItem[] = [
      { name: 'etc/', type: 'dir', mode: 0o750 },
      { name: 'etc/a', data: 'first a' },
      { name: 'etc/b', data: Buffer.alloc(300_000, 7) },
      { name: 'etc/hl', type: 'link', linkname: 'etc/a' },
      // a later entry replaces a file: the link keeps the old bytes, the path gets the new ones
      { name: 'etc/a', data: 'second a, longer' },
      { name: 'gone/x', data: 'x' },
      { name: 'gone', data: 'a file where a directory was' },
      { name: 'gone2/y', data: 'y' },
      { name: 'link', type: 'symlink', linkname: 'etc/b' },
      { name: 'd/.wh.old', data: '' },
    ];
    const res = await unpackLayer(Readable.from([makeTar(items)]), target, { chown: false, index: true }, fake);
    assert.ok(res.index);
    assert.deepEqual(res.index, walkLayer(target));
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    assert.equal(res.index.find((e) => e.path === 'etc/hl')?.sha256, sha('first a'), 'the link keeps the bytes it was made with');
    assert.equal(res.index.find((e) => e.path === 'etc/a')?.sha256, sha('second a, longer'));

    // The same through the worker thread: the index crosses the boundary intact.
    fs.rmSync(target, { recursive: true });
    fs.mkdirSync(target);
    const viaWorker = await unpackLayerInWorker(Readable.from([makeTar(items.filter((i) => !i.name.includes('.wh.')))]), target, { chown: false, index: true });
    assert.deepEqual(viaWorker.index, walkLayer(target));
  });

  it('errors cross the worker boundary as BerthErrors with kind and stable code', async function () {
    const cases: [Buffer, string][] = [
      [makeTar([{ name: '../escape', data: 'x' }]), LayerCode.UnsafeEntry],
      [makeTar([{ name: 'h', type: 'link', linkname: '/etc/shadow' }]), LayerCode.UnsafeEntry],
      [Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(40, 7)]), LayerCode.Corrupt],
    ];
    for (const [bytes, code] of cases) {
      fs.rmSync(target, { recursive: true });
      fs.mkdirSync(target);
      const err = await rejectsWith(unpackLayerInWorker(Readable.from([bytes]), target, { chown: false }), code);
      assert.equal(err.kind, 'InvalidParameter');
    }
    fs.rmSync(target, { recursive: true });
    fs.mkdirSync(target);
    const tar = makeTar([{ name: 'a', data: 'a' }]);
    const err = await rejectsWith(unpackLayerInWorker(Readable.from([tar]), target, { chown: false, expectedDiffId: `sha256:${'0'.repeat(64)}` }), LayerCode.DiffIdMismatch);
    assert.match(err.message, /does not match its diff id/);
  });
});
