// layer-diff: a directory of changes → an OCI layer tar that is byte-for-byte reproducible,
// readable by a standard tar parser, with overlay whiteouts turned into OCI whiteouts.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar';
import { layerDiffStream, isMountPlaceholder } from '../../../daemon/layers/diff';
import { encodeHeader } from '../../../daemon/layers/diff-tar';
import { skipUnless } from '../../support/skip';
import { isRoot } from '../../support/proc';

async function digestOf(dir: string, xattrs = false): Promise<{ digest: string; bytes: Buffer }> {
  const chunks: Buffer[] = [];
  for await (const c of layerDiffStream(dir, { xattrs })) chunks.push(c as Buffer);
  const bytes = Buffer.concat(chunks);
  return { digest: createHash('sha256').update(bytes).digest('hex'), bytes };
}

async function listTar(bytes: Buffer): Promise<{ path: string; type: string; size: number; linkpath?: string }[]> {
  const out: { path: string; type: string; size: number; linkpath?: string }[] = [];
  // tar's typings lack linkpath and the 'error' event, which Parse has.
  const p = new tar.Parse() as unknown as NodeJS.EventEmitter & { end(b: Buffer): void };
  p.on('entry', (e: { path: string; type: string; size?: number; linkpath?: string; resume(): void }) => {
    out.push({ path: e.path, type: e.type, size: e.size ?? 0, linkpath: e.linkpath || undefined });
    e.resume();
  });
  await new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
    p.end(bytes);
  });
  return out;
}

async function fill(dir: string): Promise<void> {
  await fs.mkdir(path.join(dir, 'b/sub'), { recursive: true });
  await fs.writeFile(path.join(dir, 'b/sub/file.txt'), 'hello');
  await fs.writeFile(path.join(dir, 'a.txt'), 'a');
  await fs.symlink('a.txt', path.join(dir, 'link'));
  await fs.link(path.join(dir, 'a.txt'), path.join(dir, 'hard'));
  const long = path.join(dir, 'x'.repeat(120));
  await fs.writeFile(long, 'long name');
  for (const p of ['b/sub/file.txt', 'a.txt', 'x'.repeat(120), 'b/sub', 'b']) {
    await fs.utimes(path.join(dir, p), 1_600_000_000, 1_600_000_000);
  }
}

describe('layer-diff', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-layerdiff-'));
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('gives identical bytes for identical content in different directories', async () => {
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    await fs.mkdir(a);
    await fs.mkdir(b);
    await fill(a);
    await fill(b);
    assert.equal((await digestOf(a)).digest, (await digestOf(b)).digest);
    await fs.writeFile(path.join(b, 'a.txt'), 'A');
    await fs.utimes(path.join(b, 'a.txt'), 1_600_000_000, 1_600_000_000);
    assert.notEqual((await digestOf(a)).digest, (await digestOf(b)).digest);
  });

  it('writes a tar that a standard parser reads: sorted, dirs first, links kept, long names', async () => {
    await fill(root);
    const entries = await listTar((await digestOf(root)).bytes);
    assert.deepEqual(entries.map((e) => e.path), ['a.txt', 'b/', 'b/sub/', 'b/sub/file.txt', 'hard', 'link', 'x'.repeat(120)]);
    assert.equal(entries.find((e) => e.path === 'hard')?.type, 'Link');
    assert.equal(entries.find((e) => e.path === 'hard')?.linkpath, 'a.txt');
    assert.equal(entries.find((e) => e.path === 'link')?.type, 'SymbolicLink');
    assert.equal(entries.find((e) => e.path === 'b/sub/file.txt')?.size, 5);
  });

  it('an empty directory is the 1024-byte empty archive (the well-known empty layer)', async () => {
    const { digest, bytes } = await digestOf(root);
    assert.equal(bytes.length, 1024);
    assert.equal(digest, '5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef');
  });

  it('turns overlay whiteouts (char 0/0) and opaque dirs into OCI whiteouts', async function () {
    skipUnless(this, isRoot(), 'mknod and trusted.* xattrs need root');
    await fs.mkdir(path.join(root, 'etc'));
    execFileSync('mknod', [path.join(root, 'etc/gone'), 'c', '0', '0']);
    await fs.mkdir(path.join(root, 'opq'));
    await fs.writeFile(path.join(root, 'opq/new'), 'n');
    execFileSync('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], "trusted.overlay.opaque", b"y")', path.join(root, 'opq')]);
    const entries = await listTar((await digestOf(root, true)).bytes);
    const names = entries.map((e) => e.path);
    assert.ok(names.includes('etc/.wh.gone'), names.join(','));
    assert.ok(!names.includes('etc/gone'));
    assert.deepEqual(names.filter((n) => n.startsWith('opq/')), ['opq/', 'opq/.wh..wh..opq', 'opq/new']);
  });

  it('recognises a container runtime\'s mount placeholders only when empty', async () => {
    await fs.mkdir(path.join(root, 'etc'));
    await fs.writeFile(path.join(root, 'etc/hosts'), '');
    await fs.writeFile(path.join(root, 'etc/hostname'), 'real content');
    assert.equal(isMountPlaceholder('etc/hosts', await fs.lstat(path.join(root, 'etc/hosts'))), true);
    assert.equal(isMountPlaceholder('etc/hostname', await fs.lstat(path.join(root, 'etc/hostname'))), false);
  });

  it('uses a PAX header for values ustar cannot hold', () => {
    const h = encodeHeader({ path: `${'d'.repeat(200)}/${'f'.repeat(120)}`, type: 'file', mode: 0o644, uid: 5_000_000, gid: 0, size: 1, mtime: 0 });
    assert.equal(h.length % 512, 0);
    assert.equal(String.fromCharCode(h[156] as number), 'x');
    assert.match(h.toString('latin1'), /path=d{200}\/f{120}\n/);
    assert.match(h.toString('latin1'), /uid=5000000\n/);
  });
});

describe('layer diff → unpack round trip (FsCalls fake, no root)', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-roundtrip-'));
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('opaque dirs and binary xattrs survive diff and unpack byte for byte; the diff id is stable', async () => {
    const { RecordingFsCalls } = await import('../../../daemon/layers/fs-calls-fake');
    const { unpackLayer } = await import('../../../daemon/layers/unpack');
    const src = path.join(root, 'src');
    await fs.mkdir(path.join(src, 'opq'), { recursive: true });
    await fs.writeFile(path.join(src, 'opq/kept'), 'k');
    await fs.writeFile(path.join(src, 'ping'), 'elf');
    const caps = Buffer.from([0x01, 0, 0, 0x02, 0x80, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const before = new RecordingFsCalls();
    before.xattrs.set(path.join(src, 'opq'), new Map([['trusted.overlay.opaque', Buffer.from('y')]]));
    before.xattrs.set(path.join(src, 'ping'), new Map([['security.capability', caps]]));
    const chunks: Buffer[] = [];
    for await (const c of layerDiffStream(src, { xattrs: true, fsCalls: before })) chunks.push(c as Buffer);
    const tar = Buffer.concat(chunks);
    const names = (await listTar(tar)).map((e) => e.path);
    assert.deepEqual(names, ['opq/', 'opq/.wh..wh..opq', 'opq/kept', 'ping']);

    const dest = path.join(root, 'dest');
    await fs.mkdir(dest);
    const after = new RecordingFsCalls();
    const { Readable } = await import('node:stream');
    const res = await unpackLayer(Readable.from([tar]), dest, { chown: false }, after);
    assert.equal(res.diffId, `sha256:${createHash('sha256').update(tar).digest('hex')}`);
    assert.equal(after.xattrs.get(path.join(dest, 'opq'))?.get('trusted.overlay.opaque')?.toString(), 'y');
    assert.ok(after.xattrs.get(path.join(dest, 'ping'))?.get('security.capability')?.equals(caps));
    assert.equal(await fs.readFile(path.join(dest, 'opq/kept'), 'utf8'), 'k');
  });
});
