// COPY/ADD without containers: the merged view of layer dirs, source resolution (globs, dirs,
// context confinement), the content checksum that keys the cache, and Docker's destination
// rules, checked on the files written into a fresh layer directory.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RootfsView } from '../../../daemon/build/rootfs-view';
import { checksumSources, resolveSources } from '../../../daemon/build/copy-sources';
import { planCopy, CopyEnv } from '../../../daemon/build/copy-step';
import { parseInstruction } from '../../../daemon/dockerfile/parse';
import { StageState } from '../../../daemon/dockerfile/stage';
import { skipUnless } from '../../support/skip';
import { isRoot } from '../../support/proc';

async function write(root: string, files: Record<string, string>): Promise<void> {
  for (const [p, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, p)), { recursive: true });
    await fs.writeFile(path.join(root, p), content);
  }
}

async function tree(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await fs.readdir(path.join(dir, rel))).sort()) {
    const r = path.posix.join(rel, name);
    const st = await fs.lstat(path.join(dir, r));
    out.push(st.isDirectory() ? `${r}/` : r);
    if (st.isDirectory()) out.push(...(await tree(dir, r)));
  }
  return out;
}

describe('build: rootfs view and COPY', () => {
  let root: string;
  let lower: string;
  let upper: string;
  let ctx: string;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-copy-'));
    lower = path.join(root, 'lower');
    upper = path.join(root, 'upper');
    ctx = path.join(root, 'ctx');
    await write(lower, { 'etc/passwd': 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n', 'usr/bin/tool': 'v1', 'app/keep': 'k' });
    await fs.symlink('usr/bin', path.join(lower, 'bin'));
    await write(upper, { 'usr/bin/tool': 'v2', 'usr/bin/new': 'n' });
    await write(ctx, { 'a.txt': 'A', 'b.txt': 'B', 'dir/x': 'X', 'dir/sub/y': 'Y', 'c.log': 'C' });
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('the view takes the top-most layer and merges directory listings', async () => {
    const view = new RootfsView([lower, upper]);
    assert.equal((await view.readFile('/usr/bin/tool'))?.toString(), 'v2');
    assert.deepEqual(await view.readdir('/usr/bin'), ['new', 'tool']);
    assert.equal((await view.readFile('/bin/tool'))?.toString(), 'v2', 'symlinked directory followed inside the view');
    assert.equal(await view.resolve('/bin/../etc/passwd'), '/etc/passwd');
  });

  it('the view honours whiteouts', async function () {
    skipUnless(this, isRoot(), 'mknod needs root');
    execFileSync('mknod', [path.join(upper, 'app'), 'c', '0', '0']);
    const view = new RootfsView([lower, upper]);
    assert.equal(await view.lookup('/app/keep'), undefined);
    assert.equal(await view.lookup('/app'), undefined);
    assert.ok(!(await view.readdir('/')).includes('app'));
  });

  it('resolves globs and refuses paths outside the context', async () => {
    const view = new RootfsView([ctx]);
    const srcs = await resolveSources(view, ['*.txt'], 'COPY', true);
    assert.deepEqual(srcs.map((s) => s.path), ['/a.txt', '/b.txt']);
    await assert.rejects(resolveSources(view, ['../etc/passwd'], 'COPY', true), /outside the build context/);
    await assert.rejects(resolveSources(view, ['missing.txt'], 'COPY', true), /COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist/);
    await assert.rejects(resolveSources(view, ['*.none'], 'COPY', true), /no source files were specified/);
  });

  it('checksums change with content and mode, not with mtime', async () => {
    const view = new RootfsView([ctx]);
    const sum = async () => checksumSources(view, await resolveSources(view, ['dir'], 'COPY', true));
    const first = await sum();
    assert.match(first, /^dir:[0-9a-f]{64}$/);
    await fs.utimes(path.join(ctx, 'dir/x'), 1000, 1000);
    assert.equal(await sum(), first);
    await fs.writeFile(path.join(ctx, 'dir/sub/y'), 'changed');
    assert.notEqual(await sum(), first);
  });

  async function copy(text: string, workdir?: string): Promise<{ createdBy: string; files: string[] }> {
    const state = new StageState({ config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: workdir ? { WorkingDir: workdir } : {} }, layers: [] });
    const env: CopyEnv = {
      escape: '\\',
      context: new RootfsView([ctx]),
      base: new RootfsView([lower, upper]),
      fromView: async () => new RootfsView([lower]),
      tmpDir: root,
    };
    const plan = await planCopy(parseInstruction({ text, line: 1 }), state, env);
    const out = await fs.mkdtemp(path.join(root, 'layer-'));
    await plan.execute(out);
    return { createdBy: plan.createdBy, files: await tree(out) };
  }

  it('copies a file to a path, into an existing dir, and relative to WORKDIR', async () => {
    assert.deepEqual((await copy('COPY a.txt /renamed')).files, ['renamed']);
    assert.deepEqual((await copy('COPY a.txt /app')).files, ['app/', 'app/a.txt'], '/app exists below as a directory');
    assert.deepEqual((await copy('COPY a.txt rel/', '/work')).files, ['work/', 'work/rel/', 'work/rel/a.txt']);
    assert.deepEqual((await copy('COPY a.txt .', '/work')).files, ['work/', 'work/a.txt']);
  });

  it('copies the contents of a directory, several sources into a dir ending in /', async () => {
    assert.deepEqual((await copy('COPY dir /d')).files, ['d/', 'd/sub/', 'd/sub/y', 'd/x']);
    assert.deepEqual((await copy('COPY a.txt b.txt /many/')).files, ['many/', 'many/a.txt', 'many/b.txt']);
    await assert.rejects(copy('COPY a.txt b.txt /notadir'), /more than one source file, the destination must be a directory and end with a \//);
  });

  it('writes through a symlinked destination the way the image resolves it', async () => {
    assert.deepEqual((await copy('COPY a.txt /bin/')).files, ['usr/', 'usr/bin/', 'usr/bin/a.txt']);
  });

  it('names the content in the history line: file:, dir:, multi:', async () => {
    assert.match((await copy('COPY a.txt /x')).createdBy, /^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \/x $/);
    assert.match((await copy('COPY --chown=app dir /y/')).createdBy, /COPY --chown=app dir:[0-9a-f]{64} in \/y\/ $/);
    assert.match((await copy('COPY *.txt /z/')).createdBy, /COPY multi:/);
  });

  it('--chown resolves names from the image and sets owners', async function () {
    skipUnless(this, isRoot(), 'chown needs root');
    const state = new StageState({ config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }, layers: [] });
    const env: CopyEnv = { escape: '\\', context: new RootfsView([ctx]), base: new RootfsView([lower, upper]), fromView: async () => new RootfsView([lower]), tmpDir: root };
    const plan = await planCopy(parseInstruction({ text: 'COPY --chown=app a.txt /o/', line: 1 }), state, env);
    const out = await fs.mkdtemp(path.join(root, 'layer-'));
    await plan.execute(out);
    const st = await fs.stat(path.join(out, 'o/a.txt'));
    assert.deepEqual([st.uid, st.gid], [1000, 1001]);
    const bad = await planCopy(parseInstruction({ text: 'COPY --chown=nobody a.txt /o/', line: 1 }), state, env);
    await assert.rejects(bad.execute(await fs.mkdtemp(path.join(root, 'layer-'))), /no such user: nobody/);
  });

  it('COPY --from reads another image\'s view', async () => {
    assert.deepEqual((await copy('COPY --from=other /usr/bin/tool /t')).files, ['t']);
  });
});

describe('build: the context read from its tar', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-ctxtar-'));
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  for (const [mode, limit] of [['kept in memory', undefined], ['spilled to its file (larger than the memory limit)', 1024]] as const) {
  it(`indexes long names, implied directories, symlinks and hard links without unpacking: ${mode}`, async () => {
    const { ContextTar } = await import('../../../daemon/build/context-tar');
    const src = path.join(root, 'src');
    const long = `${'d'.repeat(120)}/${'f'.repeat(110)}`;
    await write(src, { 'a.txt': 'A', [long]: 'deep', 'sub/b': 'B' });
    await fs.symlink('a.txt', path.join(src, 'link'));
    await fs.link(path.join(src, 'a.txt'), path.join(src, 'hard'));
    const tarFile = path.join(root, 'ctx.tar');
    execFileSync('tar', ['-C', src, '--format=posix', '-cf', tarFile, 'a.txt', 'hard', 'link', 'sub/b', long]);
    const { Readable } = await import('node:stream');
    const { createReadStream } = await import('node:fs');
    const tree = await ContextTar.receive(createReadStream(tarFile) as unknown as InstanceType<typeof Readable>, path.join(root, 'copy.tar'), limit);
    const kept = await fs.stat(path.join(root, 'copy.tar')).catch(() => undefined);
    if (limit) assert.equal(kept?.size, (await fs.stat(tarFile)).size, 'the whole tar is in its file');
    else assert.equal(kept, undefined, 'a small context never touches the disk');
    assert.deepEqual(await tree.readdir('/'), ['a.txt', 'd'.repeat(120), 'hard', 'link', 'sub']);
    assert.equal((await tree.readFile(long))?.toString(), 'deep');
    assert.equal((await tree.readFile('/hard'))?.toString(), 'A');
    assert.equal((await tree.readFile('/link'))?.toString(), 'A', 'symlinks resolve inside the tree');
    assert.equal((await tree.lookupLiteral('/sub'))?.kind, 'dir', 'a directory implied by its children');
    const sum1 = await checksumSources(tree, await resolveSources(tree, ['sub'], 'COPY', true));
    const view = new RootfsView([src]);
    assert.equal(sum1, await checksumSources(view, await resolveSources(view, ['sub'], 'COPY', true)), 'same checksum as the unpacked files');
    const streamed: Buffer[] = [];
    for await (const c of tree.openRead((await tree.lookupLiteral('/' + long))!)) streamed.push(c as Buffer);
    assert.equal(Buffer.concat(streamed).toString(), 'deep');
  });
  }

  it('refuses names that climb out of the context', async () => {
    const { ContextTar } = await import('../../../daemon/build/context-tar');
    const { Readable } = await import('node:stream');
    const h = Buffer.alloc(512);
    h.write('../evil', 0);
    h.write('0000644\0', 100);
    h.write('00000000000\0', 124);
    h.write('0', 156);
    h.write('ustar\x0000', 257, 'latin1');
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    await assert.rejects(ContextTar.receive(Readable.from([Buffer.concat([h, Buffer.alloc(1024)])]), path.join(root, 'x.tar')), /outside it/);
  });
});
