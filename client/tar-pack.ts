/**
 * A fast tar writer for build contexts: walks a directory with synchronous fs calls (a
 * context is mostly small files; a thread-pool hop per call would dominate), reads small
 * files in one go and streams big ones, and writes ustar headers (PAX for long names) with
 * owners 0:0 and integer mtimes, as the docker CLI sends contexts. Hard links stay links.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';

export interface PackEntry {
  name: string;
  data: Buffer;
}

const BLOCK = 512;
const CHUNK = 1 << 20;

function octal(h: Buffer, v: number, off: number, width: number): void {
  h.write(Math.trunc(v).toString(8).padStart(width - 1, '0') + '\0', off, width, 'ascii');
}

function paxRecord(key: string, value: string): Buffer {
  const rest = Buffer.from(` ${key}=${value}\n`);
  let len = rest.length + 1;
  while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
  return Buffer.concat([Buffer.from(String(len)), rest]);
}

function block(name: string, type: string, mode: number, size: number, mtime: number, link = ''): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = '';
  let short = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut > 0 && Buffer.byteLength(name.slice(cut + 1)) <= 100 && Buffer.byteLength(name.slice(0, cut)) <= 155) {
      prefix = name.slice(0, cut);
      short = name.slice(cut + 1);
    }
  }
  h.write(short, 0, 100, 'utf8');
  octal(h, mode, 100, 8);
  octal(h, 0, 108, 8);
  octal(h, 0, 116, 8);
  octal(h, size, 124, 12);
  octal(h, mtime, 136, 12);
  h.write(type, 156, 1, 'ascii');
  h.write(link, 157, 100, 'utf8');
  h.write('ustar\0' + '00', 257, 8, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** Header block(s) for an entry: a PAX header first when the name or link does not fit. */
export function header(name: string, type: string, mode: number, size: number, mtime: number, link = ''): Buffer {
  const main = block(name, type, mode, size, mtime, link);
  const needsPax = (Buffer.byteLength(name) > 100 && main.subarray(345, 346)[0] === 0) || Buffer.byteLength(link) > 100 || size > 0o77777777777;
  if (!needsPax) return main;
  const body = Buffer.concat([paxRecord('path', name), ...(link ? [paxRecord('linkpath', link)] : []), paxRecord('size', String(size))]);
  const pax = block(`PaxHeaders.0/${path.posix.basename(name)}`.slice(0, 100), 'x', 0o644, body.length, mtime);
  return Buffer.concat([pax, body, Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK), main]);
}

const pad = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

async function* walk(root: string, include: (rel: string, isDir: boolean) => boolean, descendExcluded: boolean, extra?: PackEntry): AsyncGenerator<Buffer> {
  const links = new Map<string, string>();
  function* dir(rel: string): Generator<Buffer> {
    const entries = fs.readdirSync(path.join(root, rel)).sort();
    for (const name of entries) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = path.join(root, r);
      const st = fs.lstatSync(abs);
      const mtime = Math.floor(st.mtimeMs / 1000);
      const mode = st.mode & 0o7777;
      if (st.isDirectory()) {
        const inc = include(r, true);
        if (inc) yield header(`${r}/`, '5', mode, 0, mtime);
        if (inc || descendExcluded) yield* dir(r);
        continue;
      }
      if (!include(r, false)) continue;
      if (st.isSymbolicLink()) {
        yield header(r, '2', mode, 0, mtime, fs.readlinkSync(abs));
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? links.get(key) : undefined;
        if (first !== undefined) {
          yield header(r, '1', mode, 0, mtime, first);
          continue;
        }
        if (st.nlink > 1) links.set(key, r);
        yield header(r, '0', mode, st.size, mtime);
        if (st.size < CHUNK) {
          const data = fs.readFileSync(abs);
          if (data.length !== st.size) throw new Error(`${abs} changed while the context was being sent`);
          yield data;
        } else {
          const fd = fs.openSync(abs, 'r');
          try {
            for (let off = 0; off < st.size; off += CHUNK) {
              const buf = Buffer.alloc(Math.min(CHUNK, st.size - off));
              const n = fs.readSync(fd, buf, 0, buf.length, off);
              if (n !== buf.length) throw new Error(`${abs} changed while the context was being sent`);
              yield buf;
            }
          } finally {
            fs.closeSync(fd);
          }
        }
        yield pad(st.size);
      }
      // sockets, fifos and devices are not sent
    }
  }
  // Yield in batches so the generator does not hand the stream one tiny buffer at a time.
  let batch: Buffer[] = [];
  let size = 0;
  for (const b of dir('')) {
    batch.push(b);
    size += b.length;
    if (size >= CHUNK) {
      yield Buffer.concat(batch);
      batch = [];
      size = 0;
    }
  }
  if (extra) batch.push(header(extra.name, '0', 0o600, extra.data.length, Math.floor(Date.now() / 1000)), extra.data, pad(extra.data.length));
  batch.push(Buffer.alloc(BLOCK * 2));
  yield Buffer.concat(batch);
}

/** The tar of `root` with the entries `include` accepts, plus an optional extra file. */
export function packDir(root: string, include: (rel: string, isDir: boolean) => boolean, descendExcluded: boolean, extra?: PackEntry): Readable {
  return Readable.from(walk(root, include, descendExcluded, extra), { objectMode: false });
}
