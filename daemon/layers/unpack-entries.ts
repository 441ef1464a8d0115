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
import { invalid } from '../errors';
import { lsetxattr, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from '../../native/ffi/fsops';
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
  private openFd: number | undefined;
  /** Bytes of regular files, as in the tar headers (Docker's layer Size). */
  size = 0;

  constructor(
    private readonly root: string,
    private readonly chown: boolean,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** A pax header's raw text: remembers its SCHILY.xattr.* records for the next entry. */
  onMeta(meta: string): void {
    this.pendingXattrs.push(...paxXattrs(meta));
  }

  onEntry(entry: TarEntry): void {
    const xattrs = this.pendingXattrs;
    this.pendingXattrs = [];
    try {
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
    if (rel === '') throw invalid(`layer tar entry "${name}" would replace the layer root`);
    fs.rmSync(this.full(rel), { recursive: true, force: true });
    this.dirs.delete(rel);
    this.tree.remove(rel);
  }

  private write(entry: TarEntry, xattrs: [string, string][]): void {
    const name = entry.path;
    const rel = this.tree.resolve(cleanEntryPath(name), name);
    const base = baseOf(rel);
    if (base.startsWith('.wh.')) return this.whiteout(rel, name, base);
    const mode = (entry.mode ?? 0o644) & 0o7777;
    const uid = entry.uid ?? 0;
    const gid = entry.gid ?? 0;
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
        const needChown = this.chown && (uid !== EUID || gid !== EGID);
        this.openFd = fd;
        this.tree.set(rel, 'file');
        this.size += entry.size ?? 0;
        entry.on('data', (chunk) => {
          if (this.openFd === fd) fs.writeSync(fd, chunk);
        });
        entry.on('end', () => {
          if (this.openFd !== fd) return;
          try {
            if (needChown) fs.fchownSync(fd, uid, gid);
            if (needChmod) fs.fchmodSync(fd, mode);
            this.applyXattrs(full, xattrs);
            fs.futimesSync(fd, atime, mtime);
          } catch (err) {
            this.onError(err);
          } finally {
            this.openFd = undefined;
            fs.closeSync(fd);
          }
        });
        return;
      }
      case 'Directory': {
        this.prepare(rel, name, true);
        if (this.tree.get(rel) !== 'dir') {
          fs.mkdirSync(full, 0o700);
          this.tree.set(rel, 'dir');
        }
        if (this.chown) fs.lchownSync(full, uid, gid);
        this.applyXattrs(full, xattrs);
        this.dirs.set(rel, { full, mode, mtime, atime });
        break;
      }
      case 'SymbolicLink': {
        this.prepare(rel, name, false);
        fs.symlinkSync(entry.linkpath ?? '', full);
        this.tree.set(rel, 'symlink', entry.linkpath ?? '');
        if (this.chown) fs.lchownSync(full, uid, gid);
        this.applyXattrs(full, xattrs);
        fs.lutimesSync(full, atime, mtime);
        break;
      }
      case 'Link': {
        const target = this.tree.resolve(cleanEntryPath(entry.linkpath ?? '', 'hardlink target'), entry.linkpath ?? '');
        const kind = this.tree.get(target);
        if (kind === undefined || kind === 'dir') {
          throw invalid(`layer tar hardlink "${name}" points to "${entry.linkpath}", which is not a file in this layer`);
        }
        this.tree.missingParents(target, entry.linkpath ?? '');
        this.prepare(rel, name, false);
        fs.linkSync(this.full(target), full);
        this.tree.set(rel, kind, this.tree.linkOf(target));
        break;
      }
      case 'CharacterDevice': case 'BlockDevice': case 'FIFO': {
        this.prepare(rel, name, false);
        const type = entry.type === 'FIFO' ? S_IFIFO : entry.type === 'BlockDevice' ? S_IFBLK : S_IFCHR;
        try {
          mknod(full, type, mode, entry.header.devmaj ?? 0, entry.header.devmin ?? 0);
        } catch (err) {
          // Without CAP_MKNOD (a user namespace) device nodes are skipped, as Docker does.
          if ((err as NodeJS.ErrnoException).code === 'EPERM' && type !== S_IFIFO) break;
          throw err;
        }
        this.tree.set(rel, 'other');
        if (this.chown) fs.lchownSync(full, uid, gid);
        fs.chmodSync(full, mode);
        this.applyXattrs(full, xattrs);
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
      lsetxattr(this.full(dirRel), 'trusted.overlay.opaque', 'y');
      return;
    }
    if (base.startsWith('.wh..wh.')) return; // AUFS metadata (.wh..wh.plnk ...): nothing to apply
    const target = dirRel === '' ? base.slice(4) : `${dirRel}/${base.slice(4)}`;
    this.prepare(target, name, false);
    mknod(this.full(target), S_IFCHR, 0, 0, 0);
    this.tree.set(target, 'other');
  }

  private applyXattrs(full: string, xattrs: [string, string][]): void {
    for (const [key, value] of xattrs) {
      try {
        lsetxattr(full, key, Buffer.from(value, 'utf8'));
      } catch (err) {
        // Filesystems without user xattrs, or security.* without privilege: keep going, like tar.
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTSUP' && code !== 'EPERM' && code !== 'EOPNOTSUPP') throw err;
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
