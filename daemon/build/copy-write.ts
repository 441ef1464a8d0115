/**
 * Writing COPY/ADD results into a fresh layer directory (the step's "upper dir"). Parent
 * directories that exist in the image below are recreated with their attributes (as overlay's
 * copy-up would), new ones are 0755 and owned by root (or the --chown owner). Files keep their
 * mode and mtime; owners are root unless --chown. Directory mtimes are set last (children
 * first), and new directories get a fixed mtime, so the same copy gives the same layer bytes.
 */
import { promises as fs, Stats } from 'node:fs';
import type { SourceEntry, SourceTree } from '../layers/source-tree';
import * as path from 'node:path';


export interface Owner {
  uid: number;
  gid: number;
}

/** mtime given to directories a step creates that exist nowhere below: reproducible bytes. */
const NEW_DIR_MTIME = 0;

export class LayerWriter {
  private readonly stamps = new Map<string, number>();

  constructor(
    readonly layerDir: string,
    private readonly base: SourceTree,
    private readonly owner: Owner | undefined,
    private readonly chmod: number | undefined,
  ) {}

  host(viewPath: string): string {
    return path.join(this.layerDir, viewPath);
  }

  private async existsInLayer(viewPath: string): Promise<Stats | undefined> {
    try {
      return await fs.lstat(this.host(viewPath));
    } catch {
      return undefined;
    }
  }

  /** Makes `viewDir` and its ancestors exist in the layer. */
  async ensureDir(viewDir: string): Promise<void> {
    const parts = path.posix.normalize('/' + viewDir).split('/').filter(Boolean);
    let cur = '/';
    for (const part of parts) {
      cur = path.posix.join(cur, part);
      const here = await this.existsInLayer(cur);
      if (here?.isDirectory()) continue;
      if (here) await fs.rm(this.host(cur), { recursive: true, force: true });
      const below = await this.base.lookupLiteral(cur);
      await fs.mkdir(this.host(cur));
      if (below?.kind === 'dir') {
        await fs.chmod(this.host(cur), below.mode);
        await fs.lchown(this.host(cur), below.uid, below.gid);
        this.stamps.set(cur, below.mtime);
      } else {
        await fs.chmod(this.host(cur), 0o755);
        await fs.lchown(this.host(cur), this.owner?.uid ?? 0, this.owner?.gid ?? 0);
        this.stamps.set(cur, NEW_DIR_MTIME);
      }
    }
  }

  private async applyAttrs(hostPath: string, e: SourceEntry, keepOwner: boolean): Promise<void> {
    const isLink = e.kind === 'symlink';
    await fs.lchown(hostPath, this.owner?.uid ?? (keepOwner ? e.uid : 0), this.owner?.gid ?? (keepOwner ? e.gid : 0));
    if (!isLink) await fs.chmod(hostPath, this.chmod ?? e.mode);
    if (isLink) await fs.lutimes(hostPath, e.mtime, e.mtime);
    else if (e.kind !== 'dir') await fs.utimes(hostPath, e.mtime, e.mtime);
  }

  /** Copies a file, symlink or directory tree from `src` to `destPath` in the layer. */
  async copy(src: SourceTree, e: SourceEntry, destPath: string, keepOwner = false): Promise<void> {
    await this.ensureDir(path.posix.dirname(destPath));
    const dest = this.host(destPath);
    const existing = await this.existsInLayer(destPath);
    if (e.kind === 'dir') {
      if (existing && !existing.isDirectory()) await fs.rm(dest, { force: true });
      if (!existing?.isDirectory()) await fs.mkdir(dest);
      await this.applyAttrs(dest, e, keepOwner);
      this.stamps.set(destPath, e.mtime);
      for (const name of await src.readdir(e.path)) {
        const child = await src.lookupLiteral(path.posix.join(e.path, name));
        if (child) await this.copy(src, child, path.posix.join(destPath, name), keepOwner);
      }
      return;
    }
    if (existing) await fs.rm(dest, { recursive: true, force: true });
    if (e.kind === 'symlink') {
      await fs.symlink(e.linkTarget ?? '', dest);
      await this.applyAttrs(dest, e, keepOwner);
    } else if (e.kind === 'file') {
      await src.copyTo(e, dest);
      await this.applyAttrs(dest, e, keepOwner);
    }
    // Sockets, fifos and devices in a build context are skipped, as they cannot be copied safely.
  }

  /** Writes a downloaded/in-memory file. */
  async writeFile(destPath: string, hostSrc: string, mode: number, mtime: number): Promise<void> {
    await this.ensureDir(path.posix.dirname(destPath));
    const dest = this.host(destPath);
    await fs.rm(dest, { recursive: true, force: true });
    await fs.copyFile(hostSrc, dest);
    await fs.lchown(dest, this.owner?.uid ?? 0, this.owner?.gid ?? 0);
    await fs.chmod(dest, this.chmod ?? mode);
    await fs.utimes(dest, mtime, mtime);
  }

  /** Marks a directory whose mtime must be fixed at the end (after extraction into it). */
  stamp(viewDir: string, mtime: number): void {
    this.stamps.set(viewDir, mtime);
  }

  /** Sets directory mtimes, deepest first, now that nothing more is written. */
  async finish(): Promise<void> {
    const dirs = [...this.stamps.entries()].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
    for (const [dir, t] of dirs) await fs.utimes(this.host(dir), t, t).catch(() => undefined);
  }
}
