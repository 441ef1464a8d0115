/**
 * `docker export`: a tar of the container's merged filesystem, computed from the overlay's
 * layers (the upper dir over the image's lower dirs, whiteouts applied) so it works whether
 * or not the rootfs is mounted; an opaque directory (overlay xattr) hides the layers below it.
 * Streams entries in directory order; paths without a leading "./", as Docker writes them. PAX
 * headers carry long paths.
 */
import { promises as fs, createReadStream, Stats } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { isWhiteout } from './changes';
import { isOpaqueDir } from '../layers/diff-attrs';

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, st: Stats, type: string, size: number, linkname = ''): Buffer {
  const b = Buffer.alloc(512);
  b.write(name.slice(0, 100), 0, 'utf8');
  b.write(octal(st.mode & 0o7777, 8), 100);
  b.write(octal(st.uid, 8), 108);
  b.write(octal(st.gid, 8), 116);
  b.write(octal(size, 12), 124);
  b.write(octal(Math.floor(st.mtimeMs / 1000), 12), 136);
  b.write('        ', 148);
  b.write(type, 156);
  b.write(linkname.slice(0, 100), 157, 'utf8');
  b.write('ustar\u000000', 257, 'binary');
  if (type === '3' || type === '4') {
    b.write(octal(Math.floor(st.rdev / 256) & 0xfff, 8), 329);
    b.write(octal(st.rdev & 0xff, 8), 337);
  }
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(octal(sum, 7) + ' ', 148);
  return b;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function pad(size: number): Buffer {
  return Buffer.alloc((512 - (size % 512)) % 512);
}

/** Header blocks for one entry, with a PAX header first when a name does not fit. */
function headers(name: string, st: Stats, type: string, size: number, linkname = ''): Buffer[] {
  const out: Buffer[] = [];
  let pax = '';
  if (Buffer.byteLength(name) > 100) pax += paxRecord('path', name);
  if (Buffer.byteLength(linkname) > 100) pax += paxRecord('linkpath', linkname);
  if (pax) {
    const body = Buffer.from(pax);
    out.push(header('PaxHeader', st, 'x', body.length), body, pad(body.length));
  }
  out.push(header(name, st, type, size, linkname));
  return out;
}

/** The merged tree: yields [relative path, source path, stats] in tar order. */
async function* merged(layersTopFirst: string[], rel = ''): AsyncGenerator<[string, string, Stats]> {
  const seen = new Map<string, { source: string; st: Stats; below: string[] }>();
  for (let i = 0; i < layersTopFirst.length; i++) {
    const layer = layersTopFirst[i] as string;
    const names = await fs.readdir(path.join(layer, rel)).catch(() => [] as string[]);
    for (const name of names) {
      if (seen.has(name) || name.startsWith('.wh.')) continue;
      const source = path.join(layer, rel, name);
      const st = await fs.lstat(source);
      seen.set(name, { source, st, below: layersTopFirst.slice(i) });
    }
  }
  for (const name of [...seen.keys()].sort()) {
    const e = seen.get(name);
    if (!e || isWhiteout(e.st)) continue;
    const childRel = rel ? `${rel}/${name}` : name;
    yield [childRel, e.source, e.st];
    if (e.st.isDirectory()) {
      // Layers below show through the directory until one holds a file or a whiteout there,
      // or the directory is opaque in a layer (it was replaced, not merged). A layer that does
      // not touch the path at all hides nothing (a middle layer without /bin, say).
      const through: string[] = [];
      for (const layer of e.below) {
        const dir = path.join(layer, childRel);
        const st = await fs.lstat(dir).catch(() => undefined);
        if (!st) continue;
        if (!st.isDirectory()) break;
        through.push(layer);
        if (isOpaqueDir(dir)) break;
      }
      yield* merged(through, childRel);
    }
  }
}

async function* tarChunks(layersTopFirst: string[]): AsyncGenerator<Buffer> {
  for await (const [rel, source, st] of merged(layersTopFirst)) {
    if (st.isDirectory()) yield* headers(`${rel}/`, st, '5', 0);
    else if (st.isSymbolicLink()) yield* headers(rel, st, '2', 0, await fs.readlink(source));
    else if (st.isCharacterDevice()) yield* headers(rel, st, '3', 0);
    else if (st.isBlockDevice()) yield* headers(rel, st, '4', 0);
    else if (st.isFIFO()) yield* headers(rel, st, '6', 0);
    else if (st.isFile()) {
      yield* headers(rel, st, '0', st.size);
      let written = 0;
      if (st.size > 0) {
        for await (const chunk of createReadStream(source, { end: st.size - 1 })) {
          written += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      }
      // A file that shrank while being read is zero-filled so the archive stays well-formed.
      if (written < st.size) yield Buffer.alloc(st.size - written);
      yield pad(st.size);
    }
  }
  yield Buffer.alloc(1024);
}

/** A tar stream of the merged filesystem of `upper` over `lowersTopFirst`. */
export function exportTar(upper: string, lowersTopFirst: string[]): Readable {
  return Readable.from(tarChunks([upper, ...lowersTopFirst]));
}
