/**
 * The build context from the request body: a tar (plain, gzip, bzip2 or xz, as Docker
 * accepts; layers/decompress.ts strips the compression), kept as one file and indexed
 * (context-tar.ts), or — when the body is not a tar at all — a bare Dockerfile
 * (`docker build - < Dockerfile`), which gives a build without context.
 */
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { invalid } from '../errors';
import { looksLikeTar, plainStream } from '../layers/decompress';
import { ContextTar } from './context-tar';

export interface BuildContext {
  /** The context (read from its tar), or undefined for a bare Dockerfile. */
  tree?: ContextTar;
  /** The Dockerfile text. */
  dockerfile: string;
}

/**
 * Receives the body (into memory, or into `dir`, created then, when it is large) and reads
 * the Dockerfile at `dockerfilePath`.
 */
export async function receiveContext(body: Readable, dir: string, dockerfilePath: string): Promise<BuildContext> {
  const { head, stream } = await plainStream(body);
  const isTar = looksLikeTar(head);
  if (!isTar) {
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return { dockerfile: Buffer.concat(chunks).toString('utf8') };
  }
  const tree = await ContextTar.receive(stream, path.join(dir, 'context.tar'));
  const rel = path.posix.normalize(dockerfilePath || 'Dockerfile');
  if (rel.startsWith('../') || path.isAbsolute(rel)) throw invalid(`the Dockerfile (${dockerfilePath}) must be within the build context`);
  // Docker also accepts a lower-case "dockerfile" when the default name is missing.
  const text = (await tree.readFile(rel)) ?? (rel === 'Dockerfile' ? await tree.readFile('dockerfile') : undefined);
  if (text === undefined) throw invalid(`Cannot locate specified Dockerfile: ${dockerfilePath || 'Dockerfile'}`);
  return { tree, dockerfile: text.toString('utf8') };
}
