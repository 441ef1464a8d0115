/**
 * Writing one layer tar's entries into a fresh directory (synchronous syscalls: each is short,
 * and avoiding the thread pool per call is what makes 20,000-file layers fast). Owns:
 * - safety: names cleaned, symlinked parents resolved inside the layer and parents checked
 *   against the Tree (unpack-path.ts); files opened
 *   with O_EXCL|O_NOFOLLOW; hardlink targets must be files this layer created;
 * - OCI whiteouts → overlay: `.wh.NAME` → char device 0/0 `NAME`, `.wh..wh..opq` →
 *   `trusted.overlay.opaque=y` on the directory;
 * - metadata: owners (when root), modes, mtimes, xattrs (pax SCHILY.xattr.*), device nodes;
 *   directory modes and times are applied at the end, after their children are written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { layerError, LayerCode } from './errors';
import type { FsCalls, NodeType } from './fs-calls';
import { baseOf, cleanEntryPath, parentOf, Tree } from './unpack-path';
import { paxXattrs } from './unpack-pax';

/** The fields of tar's ReadEntry that the writer uses. */
export interface TarEntry {
  type: string;
  path: string;
  linkpath?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: Date;
  atime?: Date;
  header: { devmaj?: number; devmin?: number };
  on(ev: 'data', fn: (chunk: Buffer) => void): unknown;
  on(ev: 'end', fn: () => void): unknown;
  resume(): unknown;
}

export interface WriterOptions {
  /** Set owners (root only). */
  chown: boolean;
  /** Every entry's owner, instead of the tar's. */
  owner?: { uid: number; gid: number };
  /** `.wh.` names are OCI whiteouts (layers), or plain files (an ADDed archive). */
  whiteouts: boolean;
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
  private pendingXattrs: [string, string][] = [];
  /** The next entry is a PAX-format sparse file (GNU.sparse.* records). */
  private pendingSparse = false;
  private openFd: number | undefined;
  /** Bytes of regular files, as in the tar headers (Docker's layer Size). */
  size = 0;

  constructor(
    private readonly root: string,
    private readonly opts: WriterOptions,
    private readonly onError: (err: unknown) => void,
    private readonly fsCalls: FsCalls,
  ) {}

  /** A pax header's raw text: remembers its SCHILY.xattr.* records for the next entry. */
  onMeta(meta: string): void {
    this.pendingXattrs.push(...paxXattrs(meta));
    if (meta.includes(' GNU.sparse.')) this.pendingSparse = true;
  }

  /** An entry the tar parser skips (types it does not extract): refused like Docker does. */
  onIgnored(entry: TarEntry): void {
    const sparse = entry.type === 'SparseFile';
    this.pendingXattrs = [];
    this.pendingSparse = false;
    this.onError(
      layerError(
        'InvalidParameter',
        LayerCode.Unsupported,
        sparse
          ? `layer tar entry "${entry.path}" is a sparse file (GNU sparse format), which berth cannot extract`
          : `layer tar entry "${entry.path}" has the tar type "${entry.type}", which berth does not extract`,
      ),
    );
  }

  onEntry(entry: TarEntry): void {
    const xattrs = this.pendingXattrs;
    const sparse = this.pendingSparse;
    this.pendingXattrs = [];
    this.pendingSparse = false;
    try {
      // A sparse file's body is only its data segments: written as is, the file would be
      // wrong (and an old-GNU one would hide under its type). Refuse rather than drop it.
      if (sparse) {
        throw layerError('InvalidParameter', LayerCode.Unsupported, `layer tar entry "${entry.path}" is a sparse file (GNU sparse format), which berth cannot extract`);
      }
      this.write(entry, xattrs);
    } catch (err) {
      this.onError(err);
    }
    // The parser moves on only once an entry's body is consumed, even an empty one.
    entry.resume();
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

  private write(entry: TarEntry, xattrs: [string, string][]): void {
    const name = entry.path;
    const rel = this.tree.resolve(cleanEntryPath(name), name);
    const base = baseOf(rel);
    if (this.opts.whiteouts && base.startsWith('.wh.')) return this.whiteout(rel, name, base);
    const mode = (entry.mode ?? 0o644) & 0o7777;
    const uid = this.opts.owner?.uid ?? entry.uid ?? 0;
    const gid = this.opts.owner?.gid ?? entry.gid ?? 0;
    const mtime = entry.mtime ?? new Date(0);
    const atime = entry.atime ?? mtime;
    const full = this.full(rel);
    switch (entry.type) {
      case 'File': case 'OldFile': case 'ContiguousFile': {
        this.prepare(rel, name, false);
        // Created with its final mode when the umask keeps it intact, saving an fchmod; a
        // new file is writable through this fd whatever its mode.
        const fd = fs.openSync(full, WRITE_FLAGS, mode & 0o777);
        const needChmod = (mode & 0o7000) !== 0 || (mode & UMASK) !== 0;
        // New files already belong to our euid:egid (no setgid directories exist until finish()).
        const needChown = this.opts.chown && (uid !== EUID || gid !== EGID);
        this.openFd = fd;
        this.tree.set(rel, 'file');
        this.size += entry.size ?? 0;
        entry.on('data', (chunk) => {
          if (this.openFd !== fd) return;
          try {
            fs.writeSync(fd, chunk);
          } catch (err) {
            // ENOSPC, EIO ...: close once here and stop; the error names the disk, not the tar.
            this.openFd = undefined;
            fs.closeSync(fd);
            this.onError(err);
          }
        });
        entry.on('end', () => {
          if (this.openFd !== fd) return;
          // This handler owns the fd from here: it is closed exactly once, below, and abort()
          // no longer sees it (a second close could hit a descriptor another thread just got).
          this.openFd = undefined;
          let failure: unknown;
          try {
            if (needChown) fs.fchownSync(fd, uid, gid);
            if (needChmod) fs.fchmodSync(fd, mode);
            this.applyXattrs(full, name, xattrs);
            fs.futimesSync(fd, atime, mtime);
          } catch (err) {
            failure = err;
          } finally {
            fs.closeSync(fd);
          }
          if (failure !== undefined) this.onError(failure);
        });
        return;
      }
      case 'Directory': {
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
      case 'SymbolicLink': {
        this.prepare(rel, name, false);
        fs.symlinkSync(entry.linkpath ?? '', full);
        this.tree.set(rel, 'symlink', entry.linkpath ?? '');
        if (this.opts.chown) fs.lchownSync(full, uid, gid);
        this.applyXattrs(full, name, xattrs);
        fs.lutimesSync(full, atime, mtime);
        break;
      }
      case 'Link': {
        const target = this.tree.resolve(cleanEntryPath(entry.linkpath ?? '', 'hardlink target'), entry.linkpath ?? '');
        const kind = this.tree.get(target);
        if (kind === undefined || kind === 'dir') {
          throw layerError('InvalidParameter', LayerCode.UnsafeEntry, `layer tar hardlink "${name}" points to "${entry.linkpath}", which is not a file in this layer`);
        }
        this.tree.missingParents(target, entry.linkpath ?? '');
        this.prepare(rel, name, false);
        fs.linkSync(this.full(target), full);
        this.tree.set(rel, kind, this.tree.linkOf(target));
        break;
      }
      case 'CharacterDevice': case 'BlockDevice': case 'FIFO': {
        this.prepare(rel, name, false);
        const type: NodeType = entry.type === 'FIFO' ? 'fifo' : entry.type === 'BlockDevice' ? 'block' : 'char';
        try {
          this.fsCalls.mknod(full, type, mode, entry.header.devmaj ?? 0, entry.header.devmin ?? 0);
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
      default:
        // Other types (sockets, GNU extensions) carry nothing to extract.
        break;
    }
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

  private applyXattrs(full: string, name: string, xattrs: [string, string][]): void {
    for (const [key, value] of xattrs) {
      try {
        this.fsCalls.lsetxattr(full, key, Buffer.from(value, 'utf8'));
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

  /** Closes a file left open by a failed stream. */
  abort(): void {
    if (this.openFd !== undefined) {
      const fd = this.openFd;
      this.openFd = undefined;
      fs.closeSync(fd);
    }
  }
}
