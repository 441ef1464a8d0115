/**
 * COPY/ADD sources: resolving each source (glob patterns as Go's filepath.Match, paths kept
 * inside the build context or the `--from` image) and the checksum of everything they name
 * (path, type, mode and content of each file, link targets), which goes into the step's
 * history line and so decides cache hits. Reads only; writes nothing.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { invalid } from '../errors';
import { SMALL_FILE, SourceEntry, SourceTree } from '../layers/source-tree';

export interface Source {
  /** Path inside the source root (context or image), absolute, symlinks resolved. */
  path: string;
  found: SourceEntry;
}

const GLOB_CHARS = /[*?[]/;

/** Go filepath.Match for one path component → RegExp. */
function componentRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '\\' && i + 1 < pattern.length) re += '\\' + (pattern[++i] as string);
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw invalid(`syntax error in pattern "${pattern}"`);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '^' + cls.slice(1).replace(/[\\\]]/g, '\\$&');
      else cls = cls.replace(/[\\\]^]/g, '\\$&');
      re += `[${cls}]`;
      i = end;
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Expands one source pattern into matching paths of the view, sorted. */
async function expandGlob(view: SourceTree, pattern: string): Promise<string[]> {
  const parts = path.posix.normalize('/' + pattern).split('/').filter(Boolean);
  let bases = ['/'];
  for (const part of parts) {
    const next: string[] = [];
    for (const base of bases) {
      if (!GLOB_CHARS.test(part)) {
        next.push(path.posix.join(base, part));
        continue;
      }
      const re = componentRegExp(part);
      for (const name of await view.readdir(base)) if (re.test(name)) next.push(path.posix.join(base, name));
    }
    bases = next;
  }
  return bases.sort();
}

/**
 * Resolves COPY/ADD sources against `view`. A missing literal path or a pattern matching
 * nothing is the error Docker gives.
 */
export async function resolveSources(view: SourceTree, patterns: string[], keyword: string, fromContext: boolean): Promise<Source[]> {
  const out: Source[] = [];
  for (const pattern of patterns) {
    const normalized = path.posix.normalize('/' + pattern);
    if (fromContext && path.posix.normalize(pattern).startsWith('../')) {
      throw invalid(`${keyword} failed: forbidden path outside the build context: ${pattern}`);
    }
    const matches = GLOB_CHARS.test(normalized) ? await expandGlob(view, normalized) : [normalized];
    let any = false;
    for (const m of matches) {
      const found = await view.lookup(m);
      if (!found) continue;
      any = true;
      out.push({ path: await view.resolve(m), found });
    }
    if (!any) {
      if (GLOB_CHARS.test(normalized)) throw invalid(`${keyword} failed: no source files were specified`);
      const where = fromContext ? 'file not found in build context or excluded by .dockerignore' : 'file not found in the source image';
      throw invalid(`${keyword} failed: ${where}: stat ${pattern.replace(/^\.?\//, '')}: file does not exist`);
    }
  }
  return out;
}

/** Adds one entry (and, for a directory, everything under it) to the hash. */
async function hashEntry(view: SourceTree, viewPath: string, rel: string, e: SourceEntry, h: ReturnType<typeof createHash>): Promise<void> {
  const type = e.kind === 'dir' ? 'd' : e.kind === 'symlink' ? 'l' : e.kind === 'file' ? 'f' : 'o';
  h.update(`${rel}\0${type}\0${e.mode.toString(8)}\0`);
  if (e.kind === 'file') {
    h.update(`${e.size}\0`);
    if (e.size < SMALL_FILE) h.update(view.readSmall(e));
    else for await (const chunk of view.openRead(e)) h.update(chunk as Buffer);
  } else if (e.kind === 'symlink') {
    h.update(e.linkTarget ?? '');
  } else if (e.kind === 'dir') {
    for (const name of await view.readdir(viewPath)) {
      const childPath = path.posix.join(viewPath, name);
      const child = await view.lookupLiteral(childPath);
      if (child) await hashEntry(view, childPath, `${rel}/${name}`, child, h);
    }
  }
  h.update('\n');
}

/** `file:<hex>`, `dir:<hex>` or `multi:<hex>`, as Docker names copied content in history. */
export async function checksumSources(view: SourceTree, sources: Source[]): Promise<string> {
  const h = createHash('sha256');
  for (const s of sources) await hashEntry(view, s.path, path.posix.basename(s.path), s.found, h);
  const kind = sources.length > 1 ? 'multi' : sources[0]?.found.kind === 'dir' ? 'dir' : 'file';
  return `${kind}:${h.digest('hex')}`;
}
