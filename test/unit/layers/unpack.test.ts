// Layer unpacking without root: mknod and xattrs go to the recording FsCalls fake, so whiteouts,
// device nodes, opaque dirs and refused xattrs are checked by what the unpacker asked for.
// Also the worker boundary (BerthError kind and code survive it) and sparse files refused.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { BerthError } from '../../../daemon/errors';
import { LayerCode } from '../../../daemon/layers/errors';
import { RecordingFsCalls } from '../../../daemon/layers/fs-calls-fake';
import { unpackLayer } from '../../../daemon/layers/unpack';
import { unpackLayerInWorker } from '../../../daemon/layers/unpack-pool';
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

  const unpack = (items: TarItem[]) => unpackLayer(Readable.from([makeTar(items)]), target, { chown: false }, fake);
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

  it('sparse files (old GNU and PAX formats) are refused with a clear error, never dropped', async function () {
    const oldGnu = makeTar([{ name: 'big', data: 'abc' }]);
    oldGnu.write('S', 156); // typeflag of an old-GNU sparse file
    let sum = 0;
    oldGnu.fill(' ', 148, 156);
    for (let i = 0; i < 512; i++) sum += oldGnu[i] as number;
    oldGnu.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    let err = await rejectsWith(unpackLayer(Readable.from([oldGnu]), target, { chown: false }, fake), LayerCode.Unsupported);
    assert.match(err.message, /"big" is a sparse file/);
    fs.rmSync(target, { recursive: true });
    fs.mkdirSync(target);
    err = await rejectsWith(unpack([{ name: 'GNUSparseFile.0/big', data: 'x', pax: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 'big' } }]), LayerCode.Unsupported);
    assert.match(err.message, /sparse file/);
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
