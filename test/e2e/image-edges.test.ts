/**
 * Image edges of issue 9 (items 6 and 11), through the real docker CLI: layers holding GNU
 * sparse files pull with their holes kept; an image whose config says `os: windows` is
 * refused with Docker's sentence on pull and on load (and nothing is stored);
 * a load that fills the disk (a small tmpfs as data root) says "no space left on device", not
 * that the archive is bad, registers nothing, and the daemon keeps serving; a bzip2 or xz
 * build context on a host without those programs is a clear error, not a crash of berthd.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { goArch, haveCommand, makeTempDir, MT, OciLayoutWriter, pushVerbatim, removeTree, requireRoot, runOk, skipBecause, startDaemon, startRegistry, type TestDaemon, type TestRegistry } from '../support';
import { makeTar } from '../support/tar-writer';

const sha256 = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

/** A docker-archive (what `docker save` writes) of one image with one layer. */
function dockerArchive(tag: string, layerTar: Buffer, config: Record<string, unknown>): Buffer {
  const cfg = Buffer.from(JSON.stringify({ ...config, rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] } }));
  const manifest = JSON.stringify([{ Config: 'config.json', RepoTags: [tag], Layers: ['layer/layer.tar'] }]);
  return makeTar([
    { name: 'config.json', data: cfg },
    { name: 'layer/', type: 'dir' },
    { name: 'layer/layer.tar', data: layerTar },
    { name: 'manifest.json', data: manifest },
  ]);
}

/** A registry of the calling describe's own, for images pushed verbatim (not the shared fixtures'). */
function useOwnRegistry(): () => TestRegistry {
  let reg: TestRegistry | undefined;
  before(async function () {
    if (!haveCommand('docker-registry')) skipBecause(this, 'docker-registry is not installed');
    reg = await startRegistry();
  });
  after(async function () {
    await reg?.stop();
  });
  return () => reg as TestRegistry;
}

describe('e2e: image edges (sparse files, os: windows, disk full on load)', function () {
  let d: TestDaemon;
  let work: string;
  const smallLayer = makeTar([{ name: 'hello.txt', data: 'hi\n' }]);

  before(async function () {
    requireRoot(this);
    if (!haveCommand('docker')) skipBecause(this, 'the docker CLI is not installed');
    work = await makeTempDir('berth-e2e-edges-');
    d = await startDaemon();
  });

  after(async function () {
    await d?.stop();
    if (work) await removeTree(work);
  });

  it('docker load of an os: windows image is refused with Docker\'s sentence and stores nothing', async function () {
    const file = path.join(work, 'win.tar');
    await fs.writeFile(file, dockerArchive('win:1', smallLayer, { architecture: goArch(), os: 'windows', config: {} }));
    const r = await d.docker(['load', '-i', file]);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /image operating system "windows" cannot be used on this platform/);
    const images = await d.docker(['images', '-q']);
    assert.equal(images.stdout.trim(), '');
    // The same archive with os: linux loads (the refusal is about the OS, nothing else).
    await fs.writeFile(file, dockerArchive('lin:1', smallLayer, { architecture: goArch(), os: 'linux', config: {} }));
    const ok = await d.docker(['load', '-i', file]);
    assert.equal(ok.code, 0, ok.stderr);
  });

  describe('pull', function () {
    const reg = useOwnRegistry();

    it('docker pull of an os: windows image is refused before any layer is stored', async function () {
      const layout = new OciLayoutWriter(path.join(work, 'win-layout'));
      await layout.init();
      const winLayer = makeTar([{ name: 'Files/hello.txt', data: 'only in the windows image\n' }]);
      const layer = await layout.blob(gzipSync(winLayer), MT.ociLayerGzip);
      const config = await layout.json({ architecture: goArch(), os: 'windows', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(winLayer)] } }, MT.ociConfig);
      const manifest = await layout.json({ schemaVersion: 2, mediaType: MT.ociManifest, config, layers: [layer] }, MT.ociManifest);
      await pushVerbatim(reg().host, 'edges/win', '1', layout.dir, manifest);
      const r = await d.docker(['pull', `${reg().host}/edges/win:1`]);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr, /image operating system "windows" cannot be used on this platform/);
      const layers = await fs.readdir(path.join(d.dataRoot, 'layers')).catch(() => [] as string[]);
      assert.ok(!layers.includes(sha256(winLayer).slice(7)), 'the windows image\'s layer was stored');
    });
  });

  describe('sparse files in a pulled layer', function () {
    const reg = useOwnRegistry();

    it('docker pull of layers holding GNU sparse files (old GNU and PAX 1.0) keeps their data and holes', async function () {
      const src = path.join(work, 'sparse-src');
      await fs.mkdir(src);
      const fh = await fs.open(path.join(src, 'disk.img'), 'w');
      await fh.write('start', 0);
      await fh.write('middle', 40 << 20);
      await fh.truncate(64 << 20);
      await fh.close();
      for (const [tag, args] of [['gnu', ['--format=gnu']], ['pax', ['--format=pax', '--sparse-version=1.0']]] as const) {
        const tarFile = path.join(work, `sparse-${tag}.tar`);
        await runOk('tar', ['--sparse', ...args, '-C', src, '-cf', tarFile, 'disk.img']);
        const layerTar = await fs.readFile(tarFile);
        const layout = new OciLayoutWriter(path.join(work, `sparse-layout-${tag}`));
        await layout.init();
        const layer = await layout.blob(gzipSync(layerTar), MT.ociLayerGzip);
        const config = await layout.json({ architecture: goArch(), os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] } }, MT.ociConfig);
        const manifest = await layout.json({ schemaVersion: 2, mediaType: MT.ociManifest, config, layers: [layer] }, MT.ociManifest);
        await pushVerbatim(reg().host, 'edges/sparse', tag, layout.dir, manifest);
        const r = await d.docker(['pull', `${reg().host}/edges/sparse:${tag}`]);
        assert.equal(r.code, 0, r.stderr);
        // A one-layer image: its chain id is its diff id.
        const file = path.join(d.dataRoot, 'layers', sha256(layerTar).slice(7), 'diff', 'disk.img');
        const st = await fs.stat(file);
        assert.equal(st.size, 64 << 20, `${tag}: wrong size`);
        assert.ok(st.blocks * 512 < 4 << 20, `${tag}: ${st.blocks * 512} bytes allocated, the holes were filled`);
        const fd = await fs.open(file, 'r');
        const buf = Buffer.alloc(6);
        await fd.read(buf, 0, 6, 40 << 20);
        await fd.close();
        assert.equal(buf.toString(), 'middle', `${tag}: the data is not at its offset`);
      }
    });
  });

  describe('a daemon whose PATH has no bzip2 or xz', function () {
    let bare: TestDaemon | undefined;
    let bin: string;
    before(async function () {
      if (!haveCommand('bzip2') || !haveCommand('xz')) skipBecause(this, 'bzip2 and xz make the contexts');
      // Every program of the usual PATH but bzip2 and xz, as on a host without those packages.
      bin = path.join(work, 'bin-without-bzip2');
      await fs.mkdir(bin);
      for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
        for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
          if (name === 'bzip2' || name === 'xz') continue;
          await fs.symlink(path.join(dir, name), path.join(bin, name)).catch(() => undefined);
        }
      }
      bare = await startDaemon({ env: { PATH: bin } });
    });
    after(async function () {
      await bare?.stop();
    });

    it('docker build - with a bzip2 or xz context fails clearly and berthd keeps serving', async function () {
      const daemon = bare as TestDaemon;
      const ctx = makeTar([{ name: 'Dockerfile', data: 'FROM scratch\nLABEL a=b\n' }]);
      for (const program of ['bzip2', 'xz']) {
        const body = execFileSync(program, ['-c'], { input: ctx });
        const r = await daemon.docker(['build', '-'], { input: body });
        assert.notEqual(r.code, 0, r.stdout);
        assert.match(r.stderr, new RegExp(`cannot decompress ${program} data: the ${program} program is not installed`));
        const ping = await daemon.docker(['version', '--format', '{{.Server.Version}}']);
        assert.equal(ping.code, 0, `berthd went down after a ${program} context: ${ping.stderr}`);
      }
    });
  });

  describe('a data root on a small tmpfs', function () {
    let small: TestDaemon | undefined;
    let mnt: string;
    before(async function () {
      mnt = path.join(work, 'tmpfs');
      await fs.mkdir(mnt);
      await runOk('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]);
      small = await startDaemon({ dataRoot: path.join(mnt, 'root') });
    });
    after(async function () {
      await small?.stop();
      // removeTree (the outer after hook) unmounts it too, should this fail.
      await runOk('umount', [mnt]).catch(() => undefined);
    });

    it('docker load that fills the disk says so, registers nothing, and the daemon goes on', async function () {
      const daemon = small as TestDaemon;
      // 12 MiB of random bytes cannot fit an 8 MiB tmpfs, compressed or not.
      const big = makeTar([{ name: 'big.bin', data: randomBytes(12 << 20) }]);
      const file = path.join(work, 'big.tar');
      await fs.writeFile(file, dockerArchive('big:1', big, { architecture: goArch(), os: 'linux', config: {} }));
      const r = await daemon.docker(['load', '-i', file]);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr, /no space left on device/);
      assert.doesNotMatch(r.stderr, /not a valid tar archive/);
      const images = await daemon.docker(['images', '-q']);
      assert.equal(images.code, 0, images.stderr);
      assert.equal(images.stdout.trim(), '');
      // Space comes back once the failed load's leftovers are gone: a small image still loads.
      const smallFile = path.join(work, 'small.tar');
      await fs.writeFile(smallFile, dockerArchive('small:1', smallLayer, { architecture: goArch(), os: 'linux', config: {} }));
      const ok = await daemon.docker(['load', '-i', smallFile]);
      assert.equal(ok.code, 0, ok.stderr);
    });
  });
});
