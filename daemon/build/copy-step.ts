/**
 * One COPY or ADD step, in two halves: `planCopy` resolves sources and destination and
 * computes the history line (with the content checksum — this is the cache key), reading only;
 * `CopyPlan.execute` writes the files into a fresh layer directory. Docker's destination
 * rules: relative to WORKDIR; a trailing `/`, an existing directory, or several sources mean
 * "into this directory"; a source directory's contents are copied, not the directory itself.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { invalid } from '../errors';
import { wordList } from '../dockerfile/evaluate';
import type { Instruction } from '../dockerfile/parse';
import { expandWord } from '../dockerfile/shell-lex';
import { download, Download } from '../images/url-download';
import { addArchive } from './add-archive';
import { isArchive, resolveOwner } from './add-extras';
import { checksumSources, resolveSources } from './copy-sources';
import { LayerWriter } from './copy-write';
import type { SourceTree } from '../layers/source-tree';
import { StageState } from '../dockerfile/stage';

export interface CopyEnv {
  escape: string;
  /** The build context as a view; undefined when the build has no context (Dockerfile on stdin). */
  context?: SourceTree;
  /** The image being built (destination checks, parent dir attributes, --chown names). */
  base: SourceTree;
  /** Resolves `--from=` (stage name, index or image) to a view of its filesystem. */
  fromView(ref: string): Promise<SourceTree>;
  /** Scratch space for downloads. */
  tmpDir: string;
}

export interface CopyPlan {
  createdBy: string;
  execute(layerDir: string): Promise<void>;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

export async function planCopy(ins: Instruction, state: StageState, env: CopyEnv): Promise<CopyPlan> {
  const lookup = state.lookup();
  const words = wordList(ins, lookup, env.escape);
  const rawDest = words.pop() as string;
  const patterns = words;
  const from = ins.flags.get('from');
  const chownSpec = ins.flags.has('chown') ? expandWord(ins.flags.get('chown') as string, lookup, env.escape) : undefined;
  const chmodSpec = ins.flags.get('chmod');
  if (chmodSpec !== undefined && !/^[0-7]{3,4}$/.test(chmodSpec)) throw invalid(`invalid --chmod value "${chmodSpec}": use an octal mode such as 0755`);
  if (from !== undefined && ins.keyword === 'ADD') throw invalid('ADD does not support --from; use COPY --from');

  const workdir = state.cc.WorkingDir || '/';
  const endsInSlash = rawDest.endsWith('/') || rawDest === '.' || rawDest.endsWith('/.');
  let destAbs = path.posix.resolve(workdir, rawDest);
  const existing = await env.base.lookup(destAbs);
  destAbs = await env.base.resolve(destAbs);
  const urls = ins.keyword === 'ADD' ? patterns.filter(isUrl) : [];
  const locals = patterns.filter((p) => !urls.includes(p));
  const srcView = from !== undefined ? await env.fromView(from) : env.context;
  if (!srcView && locals.length > 0) throw invalid(`${ins.keyword} failed: no build context: the Dockerfile was sent without one`);
  const sources = srcView && locals.length > 0 ? await resolveSources(srcView, locals, ins.keyword, from === undefined) : [];

  const downloads: Download[] = [];
  if (urls.length) await fs.mkdir(env.tmpDir, { recursive: true }); // the build's scratch dir, on first use
  for (const u of urls) downloads.push(await download(u, path.join(env.tmpDir, `download-${downloads.length}-${Date.now()}`)));
  const count = sources.length + downloads.length;
  const intoDir = endsInSlash || count > 1 || existing?.kind === 'dir' || (state.cc.WorkingDir !== undefined && destAbs === state.cc.WorkingDir && rawDest.startsWith('.'));
  if (count > 1 && !endsInSlash) {
    throw invalid(`When using ${ins.keyword} with more than one source file, the destination must be a directory and end with a /`);
  }

  let hash = srcView && sources.length > 0 ? await checksumSources(srcView, sources) : '';
  if (downloads.length > 0) {
    const { createHash } = await import('node:crypto');
    const h = createHash('sha256').update(hash);
    for (const d of downloads) h.update(d.name).update(await fs.readFile(d.file));
    hash = `${count > 1 ? 'multi' : 'file'}:${h.digest('hex')}`;
  }
  const flagText = [from !== undefined ? `--from=${from} ` : '', chownSpec ? `--chown=${chownSpec} ` : '', chmodSpec ? `--chmod=${chmodSpec} ` : ''].join('');
  const createdBy = `${state.shell.join(' ')} #(nop) ${ins.keyword} ${flagText}${hash} in ${destAbs}${endsInSlash && destAbs !== '/' ? '/' : ''} `;

  return {
    createdBy,
    async execute(layerDir: string): Promise<void> {
      const owner = chownSpec ? await resolveOwner(chownSpec, env.base) : undefined;
      const writer = new LayerWriter(layerDir, env.base, owner, chmodSpec ? parseInt(chmodSpec, 8) : undefined);
      for (const d of downloads) {
        await writer.writeFile(intoDir ? path.posix.join(destAbs, d.name) : destAbs, d.file, 0o600, d.mtime);
      }
      const tree = srcView as SourceTree;
      for (const s of sources) {
        const e = s.found;
        if (e.kind === 'dir') {
          await writer.copy(tree, e, destAbs);
          continue;
        }
        if (ins.keyword === 'ADD' && e.kind === 'file' && (await isArchive(tree, e))) {
          await writer.ensureDir(destAbs);
          await addArchive(tree.openRead(e), writer, env.base, destAbs, owner);
          continue;
        }
        const target = intoDir ? path.posix.join(destAbs, path.posix.basename(s.path)) : destAbs;
        await writer.copy(tree, e, target);
      }
      await writer.finish();
    },
  };
}
