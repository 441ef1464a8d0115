/**
 * Filesystem calls Node lacks, through koffi on the process's own libc: mknod (overlay
 * whiteouts, device nodes, FIFOs), the l*xattr family (opaque-dir markers, layer xattrs),
 * never following a final symlink, and syncfs (a new layer made durable in one call). The one binding of these calls; daemon/layers/ reaches them
 * through its FsCalls interface (layers/fs-calls.ts).
 * Synchronous on purpose (all but syncfs, which can take a while and runs on the libuv thread
 * pool): each is one short syscall on a path the layer unpacker just created,
 * cheaper than a thread-pool round trip. Failures throw an Error carrying Node's usual `code`
 * (EPERM, ENOENT ...), `errno` and `syscall`, so callers handle them like fs errors.
 * koffi is loaded lazily, so modules that only import the types pay nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { errnoName } from './errno';
import { libcFunctions } from './libc';

const load = libcFunctions({
  mknod: 'int mknod(const char *path, uint32_t mode, uint64_t dev)',
  lsetxattr: 'int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)',
  lgetxattr: 'intptr_t lgetxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)',
  llistxattr: 'intptr_t llistxattr(const char *path, _Out_ uint8_t *list, size_t size)',
  syncfs: 'int syncfs(int fd)',
});

function fail(syscall: string, path: string, errno: number): never {
  const name = errnoName(errno);
  const err = new Error(`${syscall} ${path}: ${name}`) as NodeJS.ErrnoException;
  err.code = name;
  err.errno = errno;
  err.syscall = syscall;
  err.path = path;
  throw err;
}

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

const { ERANGE, ENODATA, ENOTSUP } = os.constants.errno;

/** glibc's makedev(): the 64-bit dev_t of a major/minor pair. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major >>> 0);
  const mi = BigInt(minor >>> 0);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

/** mknod(2): `type` is S_IFCHR, S_IFBLK or S_IFIFO; `perm` the permission bits. */
export function mknod(path: string, type: number, perm: number, major = 0, minor = 0): void {
  const l = load();
  if (l.mknod(path, (type | (perm & 0o7777)) >>> 0, makedev(major, minor)) !== 0) fail('mknod', path, l.errno());
}

/** lsetxattr(2): sets an extended attribute without following a final symlink. */
export function lsetxattr(path: string, name: string, value: Buffer | string): void {
  const l = load();
  const buf = typeof value === 'string' ? Buffer.from(value) : value;
  if (l.lsetxattr(path, name, buf, buf.length, 0) !== 0) fail('lsetxattr', path, l.errno());
}

/** lgetxattr(2): the value, or undefined when the attribute is not set or not supported. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const l = load();
  for (let size = 256; ; size *= 4) {
    const buf = Buffer.alloc(size);
    const n = l.lgetxattr(path, name, buf, size);
    if (n >= 0) return buf.subarray(0, n);
    const e = l.errno();
    if (e === ENODATA || e === ENOTSUP) return undefined;
    if (e !== ERANGE || size >= 1 << 20) fail('lgetxattr', path, e);
  }
}

/** llistxattr(2): the names of a path's extended attributes; empty when unsupported. */
export function llistxattr(path: string): string[] {
  const l = load();
  for (let size = 256; ; size *= 4) {
    const buf = Buffer.alloc(size);
    const n = l.llistxattr(path, buf, size);
    if (n >= 0) return buf.subarray(0, n).toString('latin1').split('\0').filter(Boolean);
    const e = l.errno();
    if (e === ENOTSUP || e === ENODATA) return [];
    if (e !== ERANGE || size >= 1 << 20) fail('llistxattr', path, e);
  }
}

/**
 * syncfs(2) of the filesystem holding `path`: every dirty page and inode of it reaches the disk
 * before this resolves. One call instead of an fsync per file: what containerd's sync_fs and
 * containers/storage's sync=filesystem do for a freshly unpacked layer. Runs on the thread pool
 * (it waits for the disk); rejects with an errno error.
 */
export async function syncfs(path: string): Promise<void> {
  const l = load();
  const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    await new Promise<void>((resolve, reject) => {
      l.syncfs.async(fd, (err: unknown, r: number) => {
        if (err) return reject(err);
        if (r !== 0) {
          try {
            fail('syncfs', path, l.errno());
          } catch (e) {
            reject(e);
          }
          return;
        }
        resolve();
      });
    });
  } finally {
    fs.closeSync(fd);
  }
}
