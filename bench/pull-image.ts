/**
 * Makes the bench/pull test image as an OCI layout: LAYERS gzip layers totalling ~SIZE_MB of
 * files in ~FILES files (sizes spread 1 B .. 64 kB, half random bytes and half repeated text,
 * so gzip has work to do but does not flatten it), deterministic for a given seed.
 * Usage: node dist/bench/pull-image.js OUT_DIR [SIZE_MB=200] [FILES=20000] [LAYERS=4]
 * Writes OUT_DIR/index.json with the tag `bench`; push it with skopeo.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** xorshift32: a fast deterministic PRNG in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

function sha(file: string): { digest: string; size: number } {
  const data = fs.readFileSync(file);
  return { digest: `sha256:${createHash('sha256').update(data).digest('hex')}`, size: data.length };
}

function blob(out: string, file: string): { digest: string; size: number } {
  const d = sha(file);
  fs.renameSync(file, path.join(out, 'blobs', 'sha256', d.digest.slice(7)));
  return d;
}

function main(): void {
  const [out, sizeMb = '200', filesText = '20000', layersText = '4'] = process.argv.slice(2);
  if (!out) throw new Error('usage: pull-image.js OUT_DIR [SIZE_MB] [FILES] [LAYERS]');
  const totalBytes = Number(sizeMb) * 1e6;
  const files = Number(filesText);
  const layers = Number(layersText);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(path.join(out, 'blobs', 'sha256'), { recursive: true });
  const rand = rng(42);
  // Incompressible bytes, made once from the PRNG and sliced at random offsets.
  const noise = Buffer.allocUnsafe(8 << 20);
  for (let j = 0; j < noise.length; j += 4) noise.writeUInt32LE((rand() * 0x100000000) >>> 0, j);
  const text = Buffer.from('berth bench: the quick brown fox jumps over the lazy dog 0123456789\n'.repeat(1100));
  const avg = totalBytes / files;
  const diffIds: string[] = [];
  const layerDescs: { mediaType: string; digest: string; size: number }[] = [];
  for (let l = 0; l < layers; l++) {
    const root = path.join(out, `stage-${l}`);
    const perLayer = Math.floor(files / layers);
    for (let i = 0; i < perLayer; i++) {
      const dir = path.join(root, `layer${l}`, `d${Math.floor(i / 100)}`);
      if (i % 100 === 0) fs.mkdirSync(dir, { recursive: true });
      const size = Math.max(1, Math.floor(-Math.log(1 - rand() * 0.999) * avg));
      const buf = Buffer.allocUnsafe(Math.min(size, Math.floor(8 * avg)));
      const half = buf.length >> 1;
      const from = Math.floor(rand() * (noise.length - half));
      noise.copy(buf, 0, from, from + half);
      text.copy(buf, half, 0, buf.length - half);
      fs.writeFileSync(path.join(dir, `f${i}.bin`), buf);
    }
    const tarFile = path.join(out, `layer-${l}.tar`);
    execFileSync('tar', ['--sort=name', '--mtime=@1600000000', '--owner=0', '--group=0', '--numeric-owner', '-C', root, '-cf', tarFile, '.']);
    diffIds.push(sha(tarFile).digest);
    execFileSync('gzip', ['-n', '-6', tarFile]);
    layerDescs.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...blob(out, `${tarFile}.gz`) });
    fs.rmSync(root, { recursive: true, force: true });
  }
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2020-09-13T12:26:40Z', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: diffIds } }));
  fs.writeFileSync(path.join(out, 'config.json'), config);
  const cfg = blob(out, path.join(out, 'config.json'));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg }, layers: layerDescs }));
  fs.writeFileSync(path.join(out, 'manifest.json'), manifest);
  const man = blob(out, path.join(out, 'manifest.json'));
  fs.writeFileSync(path.join(out, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(path.join(out, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...man, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }] }));
  const total = layerDescs.reduce((a, d) => a + d.size, 0);
  process.stdout.write(`bench image: ${layers} layers, ${files} files, ${(total / 1e6).toFixed(1)} MB compressed\n`);
}

main();
