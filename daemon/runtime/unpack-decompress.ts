/**
 * Decompression for layer streams, chosen by magic bytes rather than the declared media type
 * (registries and archives mislabel): gzip (zlib), zstd (the `zstd` CLI through a pipe, since
 * Node 20 has no zstd), or plain tar passed through.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Duplex, PassThrough, Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { invalid, unavailable } from '../errors';

export type Compression = 'gzip' | 'zstd' | 'none';

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** Reads at least `n` bytes (fewer at EOF) and puts them back, so the stream is unchanged. */
export async function peek(src: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let len = 0;
  while (len < n) {
    const c = src.read() as Buffer | null;
    if (c !== null) {
      chunks.push(c);
      len += c.length;
      continue;
    }
    if (src.readableEnded || src.destroyed) break;
    const ended = await Promise.race([
      once(src, 'readable').then(() => false),
      once(src, 'end').then(() => true),
    ]);
    if (ended) break;
  }
  const head = Buffer.concat(chunks);
  if (head.length) src.unshift(head);
  return head;
}

function zstdDecoder(): Duplex {
  const child = spawn('zstd', ['-dcq'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const out = new PassThrough();
  const duplex = Duplex.from({ writable: child.stdin, readable: out });
  child.stdout.pipe(out, { end: false });
  child.on('error', (err) => duplex.destroy(unavailable(`cannot run zstd to decompress a layer: ${err.message}`)));
  child.on('close', (code) => {
    if (code === 0) out.end();
    else duplex.destroy(invalid(`zstd layer is corrupt: ${stderr.trim().split('\n').pop() ?? `zstd exited with ${code}`}`));
  });
  child.stdin.on('error', () => undefined);
  return duplex;
}

/** A stream that decompresses what `kind` says. */
export function decompressor(kind: Compression): Duplex {
  if (kind === 'gzip') return zlib.createGunzip({ chunkSize: 128 * 1024 });
  if (kind === 'zstd') return zstdDecoder();
  return new PassThrough();
}
