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
import { Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import { CliError } from './http';
import { packDir } from './tar-pack';

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
  const patterns = readIgnore(root);
  const ig = dockerignore({ ignorecase: false }).add(patterns);
  const keep = new Set(['.dockerignore', ...(inContext ? [inContext] : [])]);
  const include = (rel: string) => keep.has(rel) || !ig.ignores(rel);
  // An exception (`!pattern`) may re-include files under an excluded directory: look inside.
  const descend = patterns.some((p) => p.startsWith('!'));
  const stream = packDir(root, include, descend, extra && extraName ? { name: extraName, data: extra } : undefined);
  return { stream, dockerfile: extraName ?? inContext ?? 'Dockerfile' };
}
