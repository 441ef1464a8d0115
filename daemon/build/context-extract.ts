/**
 * Unpacking a build context tar (untrusted: it comes from the client) into an empty
 * directory, fast: node-tar parses, and entries are written with synchronous fs calls (a
 * context is many small files; a thread-pool round trip per call would dominate). Nothing is
 * written outside the directory: `..` and absolute names are refused, and a path that goes
 * through a symlink this archive created is refused (the directory starts empty, so every
 * symlink in it came from the archive). Modes and mtimes are kept; owners are not.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar';
import { invalid } from '../errors';

interface Entry {
  path: string;
  type: string;
  mode?: number;
  mtime?: Date;
  linkpath?: string;
  on(ev: 'data', fn: (c: Buffer) => void): void;
  on(ev: 'end', fn: () => void): void;
  resume(): void;
}

function clean(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalid(`the build context contains a path outside it: ${name}`);
  return parts.join('/');
}

export async function extractContext(source: Readable, dir: string): Promise<void> {
  const dirs = new Set<string>(['']);
  const links = new Set<string>();
  const dirTimes: [string, Date][] = [];
  const host = (rel: string) => path.join(dir, rel);

  const ensureParents = (rel: string) => {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const a = parts.slice(0, i).join('/');
      if (links.has(a)) throw invalid(`the build context writes through a symlink: ${rel}`);
      if (dirs.has(a)) continue;
      try {
        fs.mkdirSync(host(a), 0o755);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.lstatSync(host(a)).isDirectory()) throw e;
      }
      dirs.add(a);
    }
  };
  const clear = (rel: string) => {
    if (dirs.has(rel)) {
      fs.rmSync(host(rel), { recursive: true, force: true });
      dirs.delete(rel);
    } else if (links.delete(rel) || fs.existsSync(host(rel))) fs.rmSync(host(rel), { force: true });
  };

  const onEntry = (e: Entry) => {
    const rel = clean(e.path);
    if (rel === '') return e.resume();
    ensureParents(rel);
    const mode = (e.mode ?? 0o644) & 0o7777;
    if (e.type === 'Directory') {
      if (!dirs.has(rel)) {
        clear(rel);
        fs.mkdirSync(host(rel));
        dirs.add(rel);
      }
      fs.chmodSync(host(rel), mode);
      if (e.mtime) dirTimes.push([rel, e.mtime]);
      return e.resume();
    }
    clear(rel);
    if (e.type === 'SymbolicLink') {
      fs.symlinkSync(e.linkpath ?? '', host(rel));
      links.add(rel);
      return e.resume();
    }
    if (e.type === 'Link') {
      const target = clean(e.linkpath ?? '');
      if (target.split('/').some((_, i, a) => links.has(a.slice(0, i + 1).join('/')))) throw invalid(`the build context links through a symlink: ${rel}`);
      fs.linkSync(host(target), host(rel));
      return e.resume();
    }
    if (e.type !== 'File' && e.type !== 'OldFile' && e.type !== 'ContiguousFile') return e.resume();
    const fd = fs.openSync(host(rel), 'wx', mode);
    e.on('data', (c: Buffer) => fs.writeSync(fd, c));
    e.on('end', () => {
      fs.fchmodSync(fd, mode);
      if (e.mtime) fs.futimesSync(fd, e.mtime, e.mtime);
      fs.closeSync(fd);
    });
  };

  await new Promise<void>((resolve, reject) => {
    const parser = new tar.Parse({ strict: true }) as unknown as NodeJS.WritableStream & NodeJS.EventEmitter;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      source.unpipe(parser);
      source.destroy();
      reject(err);
    };
    parser.on('entry', (e: Entry) => {
      if (failed) return e.resume();
      try {
        onEntry(e);
      } catch (err) {
        e.resume();
        fail(err);
      }
    });
    parser.on('error', fail);
    parser.on('end', () => (failed ? undefined : resolve()));
    source.on('error', fail);
    source.pipe(parser);
  });
  dirTimes.sort((a, b) => b[0].split('/').length - a[0].split('/').length);
  for (const [rel, t] of dirTimes) fs.utimesSync(host(rel), t, t);
}
