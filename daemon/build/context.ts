/**
 * The build context from the request body: a tar (plain, gzip, bzip2 or xz, as Docker
 * accepts), kept as one file and indexed (context-tar.ts), or — when the body is not a tar at
 * all — a bare Dockerfile (`docker build - < Dockerfile`), which gives a build without context.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { invalid } from '../errors';
import { ContextTar } from './context-tar';

export interface BuildContext {
  /** The context (read from its tar), or undefined for a bare Dockerfile. */
  tree?: ContextTar;
  /** The Dockerfile text. */
  dockerfile: string;
}

/** Reads the first `n` bytes (fewer at EOF) and gives back a stream that still starts at byte 0. */
export function peek(source: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let len = 0;
    const done = () => {
      source.off('data', onData);
      source.off('end', done);
      source.off('error', reject);
      source.pause();
      const head = Buffer.concat(chunks);
      const out = new PassThrough();
      out.write(head);
      source.on('error', (e) => out.destroy(e));
      if (source.readableEnded) out.end();
      else source.pipe(out);
      resolve({ head: head.subarray(0, n), stream: out });
    };
    const onData = (c: Buffer) => {
      chunks.push(c);
      len += c.length;
      if (len >= n) done();
    };
    source.on('data', onData);
    source.once('end', done);
    source.once('error', reject);
  });
}

function decompress(kind: 'bzip2' | 'xz', input: Readable): Readable {
  const prog = spawn(kind, ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'] });
  input.pipe(prog.stdin);
  prog.stdin.on('error', () => undefined);
  return prog.stdout;
}

/** Strips compression, by magic bytes. */
export async function plainStream(body: Readable): Promise<{ head: Buffer; stream: Readable }> {
  const first = await peek(body, 6);
  const h = first.head;
  if (h[0] === 0x1f && h[1] === 0x8b) return peek(first.stream.pipe(createGunzip()), 512);
  if (h.subarray(0, 3).toString('latin1') === 'BZh') return peek(decompress('bzip2', first.stream), 512);
  if (h.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return peek(decompress('xz', first.stream), 512);
  return peek(first.stream, 512);
}

/** Unpacks the body into `dir` (created) and reads the Dockerfile at `dockerfilePath`. */
export async function receiveContext(body: Readable, dir: string, dockerfilePath: string): Promise<BuildContext> {
  const { head, stream } = await plainStream(body);
  const isTar = head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
  if (!isTar) {
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return { dockerfile: Buffer.concat(chunks).toString('utf8') };
  }
  await fs.mkdir(dir, { recursive: true });
  const tree = await ContextTar.receive(stream, path.join(dir, 'context.tar'));
  const rel = path.posix.normalize(dockerfilePath || 'Dockerfile');
  if (rel.startsWith('../') || path.isAbsolute(rel)) throw invalid(`the Dockerfile (${dockerfilePath}) must be within the build context`);
  // Docker also accepts a lower-case "dockerfile" when the default name is missing.
  const text = (await tree.readFile(rel)) ?? (rel === 'Dockerfile' ? await tree.readFile('dockerfile') : undefined);
  if (text === undefined) throw invalid(`Cannot locate specified Dockerfile: ${dockerfilePath || 'Dockerfile'}`);
  return { tree, dockerfile: text.toString('utf8') };
}
