/**
 * `berth cp [-a] [-L] CONTAINER:SRC DEST|-` and `berth cp [-a] [-L] SRC|- CONTAINER:DEST`, with
 * docker cp's rules: into an existing directory the source keeps its name; to a path that
 * does not exist it takes that name; `SRC/.` copies a directory's content; `-` is a tar
 * stream on stdin/stdout. Local tars are made and read by the system's `tar` (GNU tar), so
 * owners, modes, links and long names are handled as tar does; without `-a` copies into a
 * container are owned by root and copies out by the invoking user, as docker cp does.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { CliError, type DaemonClient } from '../http';
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';

const USAGE = `Usage:  berth cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-
        berth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH

Copy files/folders between a container and the local filesystem

Options:
  -a, --archive       Archive mode (copy all uid/gid information)
  -L, --follow-link   Always follow symbol link in SRC_PATH
`;

interface Stat { name: string; size: number; mode: number; mtime: string; linkTarget: string }

function splitRef(arg: string): { ctr?: string; path: string } {
  if (arg.startsWith('/') || arg.startsWith('.') || arg === '-') return { path: arg };
  const i = arg.indexOf(':');
  if (i <= 0) return { path: arg };
  return { ctr: arg.slice(0, i), path: arg.slice(i + 1) };
}

async function failure(res: Readable & { statusCode?: number }): Promise<never> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString();
  let msg = text || `the daemon answered ${res.statusCode}`;
  try {
    msg = (JSON.parse(text) as { message: string }).message;
  } catch {
    // not JSON
  }
  throw new CliError(msg, res.statusCode);
}

async function statOf(client: DaemonClient, ctr: string, p: string): Promise<Stat | undefined> {
  const res = await client.raw(`/containers/${encodeURIComponent(ctr)}/archive`, { method: 'HEAD', query: { path: p } });
  res.resume();
  if (res.statusCode === 404) return undefined;
  if ((res.statusCode ?? 0) >= 400) throw new CliError(`cannot stat ${ctr}:${p} (${res.statusCode})`, res.statusCode);
  const h = res.headers['x-docker-container-path-stat'];
  return JSON.parse(Buffer.from(String(h), 'base64').toString()) as Stat;
}

/** Runs tar with `args`; `input` feeds its stdin; resolves with its stdout when it outputs. */
function tar(args: string[], input?: Readable): { out: Readable; done: Promise<void> } {
  const child = spawn('tar', args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  if (input && child.stdin) input.pipe(child.stdin);
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new CliError(`tar: ${err.trim() || `exit ${code}`}`))));
  });
  return { out: child.stdout as Readable, done };
}

async function copyOut(client: DaemonClient, ctr: string, src: string, dest: string, archive: boolean, follow: boolean): Promise<void> {
  let srcPath = src;
  if (follow) {
    const st = await statOf(client, ctr, src);
    if (st?.linkTarget) srcPath = st.linkTarget;
  }
  const res = await client.raw(`/containers/${encodeURIComponent(ctr)}/archive`, { query: { path: srcPath } });
  if ((res.statusCode ?? 0) >= 400) await failure(res);
  if (dest === '-') {
    await pipeline(res, process.stdout);
    return;
  }
  const stat = JSON.parse(Buffer.from(String(res.headers['x-docker-container-path-stat'] ?? ''), 'base64').toString() || '{}') as Stat;
  const isDir = (stat.mode & 2 ** 31) !== 0;
  const contents = src.endsWith('/.');
  const destSt = await fs.stat(dest).catch(() => undefined);
  const owner = archive ? ['--same-owner'] : ['--no-same-owner'];
  let dir: string;
  let rename: string | undefined;
  if (destSt?.isDirectory() && !contents) dir = dest;
  else if (contents) {
    if (destSt && !destSt.isDirectory()) throw new CliError(`cannot copy a directory to a file: ${dest}`);
    await fs.mkdir(dest, { recursive: true });
    dir = dest;
  } else {
    if (destSt && isDir) throw new CliError(`cannot overwrite non-directory "${dest}" with directory "${src}"`);
    dir = path.dirname(dest);
    rename = path.basename(dest);
    await fs.stat(dir).catch(() => {
      throw new CliError(`destination directory ${dir} does not exist`);
    });
  }
  const args = ['-x', '-f', '-', '-C', dir, ...owner, '--numeric-owner'];
  // the tar's top entry is the source's name; a copy to a new name renames it on the way
  if (rename && stat.name && stat.name !== rename) args.push(`--transform=s|^${stat.name.replace(/[|\\^$.*[\]]/g, '\\$&')}|${rename.replace(/[|\\&]/g, '\\$&')}|`);
  if (contents) args.push('--strip-components=1');
  const t = tar(args, res);
  t.out.resume();
  await t.done;
}

async function copyIn(client: DaemonClient, src: string, ctr: string, dest: string, archive: boolean, follow: boolean): Promise<void> {
  const query = (p: string) => ({ path: p, noOverwriteDirNonDir: 'true', ...(archive ? { copyUIDGID: 'true' } : {}) });
  const put = async (p: string, body: Readable): Promise<void> => {
    const res = await client.raw(`/containers/${encodeURIComponent(ctr)}/archive`, { method: 'PUT', query: query(p), headers: { 'Content-Type': 'application/x-tar' }, bodyStream: body });
    if ((res.statusCode ?? 0) >= 400) await failure(res);
    res.resume();
  };
  if (src === '-') {
    await put(dest, process.stdin);
    return;
  }
  const contents = src.endsWith('/.');
  const srcSt = await (follow ? fs.stat(src) : fs.lstat(src)).catch(() => undefined);
  if (!srcSt) throw new CliError(`lstat ${src}: no such file or directory`);
  const destSt = await statOf(client, ctr, dest);
  const destIsDir = destSt ? (destSt.mode & 2 ** 31) !== 0 : false;
  const base = path.basename(path.resolve(src));
  let target = dest;
  let name = base;
  if (contents) {
    if (!destIsDir) throw new CliError(destSt ? `cannot copy a directory to a file: ${dest}` : `Could not find the file ${dest} in container ${ctr}`);
  } else if (!destIsDir) {
    if (destSt && srcSt.isDirectory()) throw new CliError(`cannot copy a directory to a file: ${dest}`);
    if (!destSt && dest.endsWith('/')) throw new CliError(`Could not find the file ${dest} in container ${ctr}`);
    target = path.posix.dirname(dest) || '/';
    name = path.posix.basename(dest);
  }
  const owner = archive ? ['--numeric-owner'] : ['--owner=0', '--group=0', '--numeric-owner'];
  const args = contents
    ? ['-c', '-f', '-', '-C', src.slice(0, -2) || '/', ...owner, '.']
    : ['-c', '-f', '-', '-C', path.dirname(path.resolve(src)), ...owner, ...(follow ? ['-h'] : []),
      ...(name !== base ? [`--transform=s|^${base.replace(/[|\\^$.*[\]]/g, '\\$&')}|${name.replace(/[|\\&]/g, '\\$&')}|`] : []), base];
  const t = tar(args);
  await Promise.all([put(target, t.out), t.done]);
}

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, { archive: { type: 'bool', short: 'a' }, 'follow-link': { type: 'bool', short: 'L' } });
  if (p.help) {
    process.stdout.write(USAGE);
    return;
  }
  requireArgs('berth cp', p.args, 2, 2, 'berth cp --help');
  const src = splitRef(p.args[0] as string);
  const dest = splitRef(p.args[1] as string);
  const archive = p.bools.archive === true;
  const follow = p.bools['follow-link'] === true;
  if (src.ctr && dest.ctr) throw new CliError('copying between containers is not supported');
  if (!src.ctr && !dest.ctr) throw new CliError('must specify at least one container source');
  if (src.ctr) await copyOut(client, src.ctr, src.path, dest.path, archive, follow);
  else await copyIn(client, src.path, dest.ctr as string, dest.path, archive, follow);
}

