/**
 * The one decompression module: gzip (zlib), zstd, bzip2 and xz (the `zstd`, `bzip2` and `xz`
 * programs through pipes, since Node 20 has none of them), or plain bytes passed through,
 * chosen by magic bytes rather than a declared media type or file name (registries, archives
 * and build contexts mislabel). Used for layers (pull, load, import, save), build contexts,
 * ADD archives and `docker load` bodies.
 *
 * A missing program or corrupt data destroys the returned stream with a BerthError; nothing
 * here ever leaves an 'error' event unhandled, so a bad input cannot bring berthd down.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Duplex, PassThrough, Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { errnoCode } from '../errors';
import { layerError, LayerCode } from './errors';

export type Compression = 'gzip' | 'zstd' | 'bzip2' | 'xz' | 'none';

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

/** What the first bytes say (6 are enough for every format). */
export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 3 && head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(XZ_MAGIC)) return 'xz';
  return 'none';
}

/** True when a (decompressed) head is a ustar/GNU tar header. */
export function looksLikeTar(head: Buffer): boolean {
  return head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

/**
 * Reads the first `n` bytes (fewer at EOF) without losing them: the bytes are put back when the
 * stream goes on, or handed over in a fresh stream when it already ended. Accepts streams that
 * only look like Node's (minipass, as node-tar makes them) by piping them through first.
 */
export async function peek(input: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  let src = input;
  if (typeof (src as Partial<Readable>).unshift !== 'function') {
    const through = new PassThrough();
    input.on('error', (e: Error) => through.destroy(e));
    src = input.pipe(through);
  }
  const chunks: Buffer[] = [];
  let len = 0;
  let ended = false;
  while (len < n) {
    const c = src.read() as Buffer | null;
    if (c !== null) {
      chunks.push(c);
      len += c.length;
      continue;
    }
    if (src.readableEnded) {
      ended = true;
      break;
    }
    ended = await Promise.race([once(src, 'readable').then(() => false), once(src, 'end').then(() => true)]);
    if (ended) break;
  }
  const head = Buffer.concat(chunks);
  if (ended) return { head, stream: Readable.from(head.length ? [head] : [], { objectMode: false }) };
  if (head.length) src.unshift(head);
  return { head, stream: src };
}

/** A decompressing program (`zstd -dcq`, `bzip2 -dc`, `xz -dc`) as a Duplex. */
function programDecoder(program: string): Duplex {
  const child = spawn(program, ['-dcq'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  const out = new PassThrough();
  const duplex = Duplex.from({ writable: child.stdin, readable: out });
  child.stdout.pipe(out, { end: false });
  child.on('error', (err) => {
    const why = errnoCode(err) === 'ENOENT' ? `the ${program} program is not installed on the daemon's host` : err.message;
    duplex.destroy(layerError('Unavailable', LayerCode.NoDecompressor, `cannot decompress ${program} data: ${why}`, err));
  });
  child.on('close', (code) => {
    if (code === 0) out.end();
    else if (code !== null) duplex.destroy(layerError('InvalidParameter', LayerCode.Corrupt, `the ${program} data is corrupt: ${stderr.trim().split('\n').pop() || `${program} exited with ${code}`}`));
  });
  // The program may exit (corrupt input) while we still write: that EPIPE is reported above.
  child.stdin.on('error', () => undefined);
  duplex.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  return duplex;
}

/** A stream that decompresses what `kind` says. */
export function decompressor(kind: Compression): Duplex {
  if (kind === 'gzip') return zlib.createGunzip({ chunkSize: 128 * 1024 });
  if (kind === 'none') return new PassThrough();
  return programDecoder(kind);
}

/** `source` decompressed by its magic bytes; errors of `source` reach the result. */
export async function decompressed(source: Readable): Promise<Readable> {
  const { head, stream } = await peek(source, 6);
  const kind = detectCompression(head);
  if (kind === 'none') return stream;
  const dec = decompressor(kind);
  stream.on('error', (e) => dec.destroy(e));
  return stream.pipe(dec);
}

/**
 * `body` decompressed by its magic bytes, with the first 512 plain bytes (one tar header, or
 * all of a shorter input) peeked: build contexts and `docker load` bodies.
 */
export async function plainStream(body: Readable): Promise<{ head: Buffer; stream: Readable }> {
  const { head, stream } = await peek(await decompressed(body), 512);
  return { head: head.subarray(0, 512), stream };
}
