/**
 * Writing COPY/ADD results into a fresh layer directory (the step's "upper dir"). Parent
 * directories that exist in the image below are recreated with their attributes (as overlay's
 * copy-up would), new ones are 0755 and owned by root (or the --chown owner). Files keep their
 * mode and mtime; owners are root unless --chown. Directory mtimes are set last (children
 * first), and new directories get a fixed mtime, so the same copy gives the same layer bytes.
 */
import { promises as fs, Stats } from 'node:fs';
import * as path from 'node:path';
import { RootfsView } from './rootfs-view';

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
    private readonly base: RootfsView,
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
      if (below?.stat.isDirectory()) {
        await fs.chmod(this.host(cur), below.stat.mode & 0o7777);
        await fs.lchown(this.host(cur), below.stat.uid, below.stat.gid);
        this.stamps.set(cur, below.stat.mtimeMs / 1000);
      } else {
        await fs.chmod(this.host(cur), 0o755);
        await fs.lchown(this.host(cur), this.owner?.uid ?? 0, this.owner?.gid ?? 0);
        this.stamps.set(cur, NEW_DIR_MTIME);
      }
    }
  }

  private async applyAttrs(hostPath: string, st: Stats, isLink: boolean, keepOwner: boolean): Promise<void> {
    const uid = this.owner?.uid ?? (keepOwner ? st.uid : 0);
    const gid = this.owner?.gid ?? (keepOwner ? st.gid : 0);
    await fs.lchown(hostPath, uid, gid);
    if (!isLink) await fs.chmod(hostPath, this.chmod ?? st.mode & 0o7777);
    const t = st.mtimeMs / 1000;
    if (isLink) await fs.lutimes(hostPath, t, t);
    else if (!st.isDirectory()) await fs.utimes(hostPath, t, t);
  }

  /** Copies a file, symlink or directory tree from `srcView` to `destPath` in the layer. */
  async copy(srcView: RootfsView, srcPath: string, st: Stats, hostSrc: string, destPath: string, keepOwner = false): Promise<void> {
    await this.ensureDir(path.posix.dirname(destPath));
    const dest = this.host(destPath);
    const existing = await this.existsInLayer(destPath);
    if (st.isDirectory()) {
      if (existing && !existing.isDirectory()) await fs.rm(dest, { force: true });
      if (!existing?.isDirectory()) await fs.mkdir(dest);
      await this.applyAttrs(dest, st, false, keepOwner);
      this.stamps.set(destPath, st.mtimeMs / 1000);
      for (const name of await srcView.readdir(srcPath)) {
        const childSrc = path.posix.join(srcPath, name);
        const child = await srcView.lookupLiteral(childSrc);
        if (child) await this.copy(srcView, childSrc, child.stat, child.hostPath, path.posix.join(destPath, name), keepOwner);
      }
      return;
    }
    if (existing) await fs.rm(dest, { recursive: true, force: true });
    if (st.isSymbolicLink()) {
      await fs.symlink(await fs.readlink(hostSrc), dest);
      await this.applyAttrs(dest, st, true, keepOwner);
    } else if (st.isFile()) {
      await fs.copyFile(hostSrc, dest);
      await this.applyAttrs(dest, st, false, keepOwner);
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
