/**
 * The build context as the docker CLI sends it: a tar of the context directory with
 * `.dockerignore` applied here, on the client (the daemon never sees ignored files). The
 * Dockerfile and `.dockerignore` themselves are always sent. A Dockerfile outside the context
 * (`-f ../x/Dockerfile`) or read from stdin (`-f -`) is added under a random name, which is then
 * what the `dockerfile` parameter names.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import * as tar from 'tar';
import dockerignore from '@balena/dockerignore';
import { CliError } from './http';

export interface ContextTar {
  stream: Readable;
  /** The Dockerfile's path inside the tar (the `dockerfile` query parameter). */
  dockerfile: string;
}

function readIgnore(dir: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** One extra file appended to the tar (an out-of-context Dockerfile): a plain ustar entry. */
function extraEntry(name: string, data: Buffer): Buffer {
  const h = Buffer.alloc(512);
  const octal = (v: number, off: number, width: number) => h.write(v.toString(8).padStart(width - 1, '0') + '\0', off, width, 'ascii');
  h.write(name, 0, 100, 'utf8');
  octal(0o600, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(data.length, 124, 12);
  octal(Math.floor(Date.now() / 1000), 136, 12);
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\0' + '00', 257, 8, 'ascii');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([h, data, pad]);
}

/**
 * Makes the context tar of `dir`. `dockerfile` is the -f value (relative to the current
 * directory, as the docker CLI takes it), `dockerfileText` the contents when -f was `-`.
 */
export function contextTar(dir: string, dockerfile: string | undefined, dockerfileText?: Buffer): ContextTar {
  const root = path.resolve(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch {
    throw new CliError(`unable to prepare context: path "${dir}" not found`);
  }
  if (!st.isDirectory()) throw new CliError(`unable to prepare context: context must be a directory: ${root}`);
  let inContext: string | undefined;
  let extra: Buffer | undefined;
  if (dockerfileText !== undefined) {
    extra = dockerfileText;
  } else {
    const dfPath = dockerfile ? path.resolve(dockerfile) : path.join(root, 'Dockerfile');
    const rel = path.relative(root, dfPath);
    if (!fs.existsSync(dfPath)) throw new CliError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${dfPath}: no such file or directory`);
    if (rel.startsWith('..') || path.isAbsolute(rel)) extra = fs.readFileSync(dfPath);
    else inContext = rel.split(path.sep).join('/');
  }
  const extraName = extra ? `.dockerfile.${randomBytes(10).toString('hex')}` : undefined;
  const ig = dockerignore({ ignorecase: false }).add(readIgnore(root));
  const keep = new Set(['.dockerignore', ...(inContext ? [inContext] : [])]);
  const entries = fs.readdirSync(root).sort();
  const out = new PassThrough();
  const pack = tar.c(
    {
      cwd: root,
      portable: true,
      filter: (p: string) => {
        const rel = p.replace(/^\.\//, '').replace(/\/$/, '');
        if (rel === '' || rel === '.' || keep.has(rel)) return true;
        return !ig.ignores(rel);
      },
    },
    entries,
  ) as unknown as Readable;
  if (!extra) {
    pack.pipe(out);
  } else {
    // Append the extra entry before the end-of-archive blocks: buffer the last 1024 bytes.
    let tail = Buffer.alloc(0);
    pack.on('data', (c: Buffer) => {
      tail = Buffer.concat([tail, c]);
      if (tail.length > 1024) {
        out.write(tail.subarray(0, tail.length - 1024));
        tail = tail.subarray(tail.length - 1024);
      }
    });
    pack.on('end', () => {
      out.write(extraEntry(extraName as string, extra as Buffer));
      out.end(Buffer.alloc(1024));
    });
    pack.on('error', (e) => out.destroy(e));
  }
  return { stream: out, dockerfile: extraName ?? inContext ?? 'Dockerfile' };
}
