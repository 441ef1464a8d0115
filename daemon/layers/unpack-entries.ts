/**
 * Writing one layer tar's entries into a fresh directory (synchronous syscalls: each is short,
 * and avoiding the thread pool per call is what makes 20,000-file layers fast). Owns:
 * - safety: names cleaned, symlinked parents resolved inside the layer and parents checked
 *   against the Tree (unpack-path.ts); files opened
 *   with O_EXCL|O_NOFOLLOW; hardlink targets must be files this layer created;
 * - OCI whiteouts → overlay: `.wh.NAME` → char device 0/0 `NAME`, `.wh..wh..opq` →
 *   `trusted.overlay.opaque=y` on the directory;
 * - metadata: owners (when root), modes, mtimes, xattrs (pax SCHILY.xattr.*, raw bytes),
 *   device nodes; directory modes and times are applied at the end, after their children;
 * - sparse files (every GNU format, tar-reader.ts): data written at its offsets, holes kept.
 * Entries come from TarReader; every error is thrown (the caller fails the whole unpack).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { layerError, LayerCode } from './errors';
import type { FsCalls, NodeType } from './fs-calls';
import { baseOf, cleanEntryPath, parentOf, Tree } from './unpack-path';
import type { BodySink, TarHeader } from './tar-reader';
import { SparseWriter } from './unpack-sparse';

export interface WriterOptions {
  /** Set owners (root only). */
  chown: boolean;
  /** Every entry's owner, instead of the tar's. */
  owner?: { uid: number; gid: number };
  /** `.wh.` names are OCI whiteouts (layers), or plain files (an ADDed archive). */
  whiteouts: boolean;
  /** Hash each regular file's bytes as they are written (`hashes`: the layer's file index). */
  hashFiles?: boolean;
}

interface DirMeta {
  full: string;
  mode: number;
  mtime: Date;
  atime: Date;
}

const WRITE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
const OPAQUE = '.wh..wh..opq';
/** The process umask, read once (process.umask() with no argument only reads it). */
const UMASK = process.umask();
const EUID = process.geteuid?.() ?? -1;
const EGID = process.getegid?.() ?? -1;

export class EntryWriter {
  private readonly tree = new Tree();
  private readonly dirs = new Map<string, DirMeta>();
  /** The file whose body is being written. */
  private openFd: number | undefined;
  /** Bytes of regular files, as in the tar headers (Docker's layer Size). */
  size = 0;
  /**
   * With `hashFiles`: sha256 (hex) of each regular file written, by relative path (hard links
   * under their own path too). Sparse files are left out (their holes are not in the stream):
   * the index walk reads those. Entries of paths removed later may linger; only paths the walk
   * finds as files are ever looked up, and each of those was set when it was last written.
   */
  readonly hashes: Map<string, string> | undefined;

  constructor(
    private readonly root: string,
    private readonly opts: WriterOptions,
    private readonly fsCalls: FsCalls,
  ) {
    this.hashes = opts.hashFiles ? new Map() : undefined;
  }

  /**
   * Writes one entry; returns where its body goes (regular and sparse files), else undefined.
   * Entries the unpacker does not extract are refused, never dropped, as Docker refuses them.
   */
  onEntry(h: TarHeader): BodySink | undefined {
    if (h.kind === 'other') {
      throw layerError('InvalidParameter', LayerCode.Unsupported, `layer tar entry "${h.path}" has the tar type "${h.typeflag}", which berth does not extract`);
    }
    return this.write(h);
  }

  private full(rel: string): string {
    return rel === '' ? this.root : path.join(this.root, rel);
  }

  /** Makes missing parents (0755, like tar) and clears whatever sits at `rel` unless keepDir. */
  private prepare(rel: string, name: string, keepDir: boolean): void {
    for (const p of this.tree.missingParents(rel, name)) {
      fs.mkdirSync(this.full(p), 0o755);
      this.tree.set(p, 'dir');
    }
    const existing = this.tree.get(rel);
    if (existing === undefined || (keepDir && existing === 'dir')) return;
    if (rel === '') throw layerError('InvalidParameter', LayerCode.UnsafeEntry, `layer tar entry "${name}" would replace the layer root`);
    fs.rmSync(this.full(rel), { recursive: true, force: true });
    this.dirs.delete(rel);
    this.tree.remove(rel);
  }

  private write(entry: TarHeader): BodySink | undefined {
    const name = entry.path;
    const xattrs = entry.xattrs;
    const rel = this.tree.resolve(cleanEntryPath(name), name);
    const base = baseOf(rel);
    if (this.opts.whiteouts && base.startsWith('.wh.')) {
      this.whiteout(rel, name, base);
      return undefined;
    }
    const mode = entry.mode & 0o7777;
    const uid = this.opts.owner?.uid ?? entry.uid;
    const gid = this.opts.owner?.gid ?? entry.gid;
    const mtime = entry.mtime;
    const atime = entry.atime ?? mtime;
    const full = this.full(rel);
    switch (entry.kind) {
      case 'file': {
        this.prepare(rel, name, false);
        // Created with its final mode when the umask keeps it intact, saving an fchmod; a
        // new file is writable through this fd whatever its mode.
        const fd = fs.openSync(full, WRITE_FLAGS, mode & 0o777);
        // Owned by the writer from here: abort() closes it if anything below throws.
        this.openFd = fd;
        this.tree.set(rel, 'file');
        this.size += entry.sparse ? entry.sparse.realSize : entry.size;
        const needChmod = (mode & 0o7000) !== 0 || (mode & UMASK) !== 0;
        // New files already belong to our euid:egid (no setgid directories exist until finish()).
        const needChown = this.opts.chown && (uid !== EUID || gid !== EGID);
        const sparse = entry.sparse ? new SparseWriter(fd, entry.sparse, name) : undefined;
        const hash = this.hashes && !sparse ? createHash('sha256') : undefined;
        this.hashes?.delete(rel);
        return {
          data: (chunk) => {
            try {
              if (sparse) sparse.write(chunk);
              else {
                hash?.update(chunk);
                fs.writeSync(fd, chunk);
              }
            } catch (err) {
              this.closeOpen();
              throw err;
            }
          },
          end: () => {
            // Closed exactly once, here or by abort(), whichever comes first (a second close
            // could hit a descriptor another thread has just been given).
            try {
              sparse?.finish();
              if (needChown) fs.fchownSync(fd, uid, gid);
              if (needChmod) fs.fchmodSync(fd, mode);
              this.applyXattrs(full, name, xattrs);
              fs.futimesSync(fd, atime, mtime);
              if (hash) this.hashes?.set(rel, hash.digest('hex'));
            } finally {
              this.closeOpen();
            }
          },
        };
      }
      case 'dir': {
        this.prepare(rel, name, true);
        if (this.tree.get(rel) !== 'dir') {
          fs.mkdirSync(full, 0o700);
          this.tree.set(rel, 'dir');
        }
        if (this.opts.chown) fs.lchownSync(full, uid, gid);
        this.applyXattrs(full, name, xattrs);
        this.dirs.set(rel, { full, mode, mtime, atime });
        break;
      }
      case 'symlink': {
        this.prepare(rel, name, false);
        fs.symlinkSync(entry.linkpath, full);
        this.tree.set(rel, 'symlink', entry.linkpath);
        if (this.opts.chown) fs.lchownSync(full, uid, gid);
        this.applyXattrs(full, name, xattrs);
        fs.lutimesSync(full, atime, mtime);
        break;
      }
      case 'hardlink': {
        const target = this.tree.resolve(cleanEntryPath(entry.linkpath, 'hardlink target'), entry.linkpath);
        const kind = this.tree.get(target);
        if (kind === undefined || kind === 'dir') {
          throw layerError('InvalidParameter', LayerCode.UnsafeEntry, `layer tar hardlink "${name}" points to "${entry.linkpath}", which is not a file in this layer`);
        }
        this.tree.missingParents(target, entry.linkpath);
        this.prepare(rel, name, false);
        fs.linkSync(this.full(target), full);
        this.tree.set(rel, kind, this.tree.linkOf(target));
        const targetHash = this.hashes?.get(target);
        if (targetHash !== undefined) this.hashes?.set(rel, targetHash);
        else this.hashes?.delete(rel);
        break;
      }
      case 'char': case 'block': case 'fifo': {
        this.prepare(rel, name, false);
        const type: NodeType = entry.kind;
        try {
          this.fsCalls.mknod(full, type, mode, entry.devmajor, entry.devminor);
        } catch (err) {
          // Without CAP_MKNOD (a user namespace) device nodes are skipped, as Docker does.
          if ((err as NodeJS.ErrnoException).code === 'EPERM' && type !== 'fifo') break;
          throw err;
        }
        this.tree.set(rel, 'other');
        if (this.opts.chown) fs.lchownSync(full, uid, gid);
        fs.chmodSync(full, mode);
        this.applyXattrs(full, name, xattrs);
        fs.utimesSync(full, atime, mtime);
        break;
      }
    }
    return undefined;
  }

  private whiteout(rel: string, name: string, base: string): void {
    const dirRel = parentOf(rel);
    if (base === OPAQUE) {
      this.prepare(dirRel, name, true);
      if (this.tree.get(dirRel) !== 'dir') {
        fs.mkdirSync(this.full(dirRel), 0o755);
        this.tree.set(dirRel, 'dir');
      }
      this.fsCalls.lsetxattr(this.full(dirRel), 'trusted.overlay.opaque', Buffer.from('y'));
      return;
    }
    if (base.startsWith('.wh..wh.')) return; // AUFS metadata (.wh..wh.plnk ...): nothing to apply
    const target = dirRel === '' ? base.slice(4) : `${dirRel}/${base.slice(4)}`;
    this.prepare(target, name, false);
    this.fsCalls.mknod(this.full(target), 'char', 0, 0, 0);
    this.tree.set(target, 'other');
  }

  private applyXattrs(full: string, name: string, xattrs: [string, Buffer][]): void {
    for (const [key, value] of xattrs) {
      try {
        this.fsCalls.lsetxattr(full, key, value);
      } catch (err) {
        // Filesystems without user xattrs, or security.* without privilege: keep going, like tar.
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTSUP' || code === 'EPERM' || code === 'EOPNOTSUPP') continue;
        // The kernel refuses a malformed value (a security.capability of the wrong size or
        // version gives EINVAL): refuse the layer naming the file, as Docker does.
        if (code === 'EINVAL' || code === 'ERANGE' || code === 'E2BIG') {
          throw layerError('InvalidParameter', LayerCode.BadXattr, `layer tar entry "${name}" has an invalid ${key} extended attribute (${code})`, err);
        }
        throw err;
      }
    }
  }

  /** Applies directory modes and times last (writing children changed their mtimes). */
  finish(): void {
    for (const d of this.dirs.values()) {
      fs.chmodSync(d.full, d.mode);
      fs.utimesSync(d.full, d.atime, d.mtime);
    }
  }

  /** Closes the file being written, once. */
  private closeOpen(): void {
    const fd = this.openFd;
    this.openFd = undefined;
    if (fd !== undefined) fs.closeSync(fd);
  }

  /** Closes a file left open by a failed stream. */
  abort(): void {
    this.closeOpen();
  }
}
