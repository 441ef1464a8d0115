/**
 * Reading extended attributes without following symlinks (llistxattr/lgetxattr), which Node's
 * fs lacks. Used to turn overlay upper dirs into layer tars: `trusted.overlay.opaque=y` marks
 * an opaque directory, and other xattrs (security.capability, user.*) travel in the layer.
 * koffi is loaded lazily so modules that only import the types pay nothing.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- koffi function objects are untyped FFI glue */

import { loadLibc } from './libc';

interface XattrFns {
  llistxattr: (path: string, buf: Buffer, size: number) => number;
  lgetxattr: (path: string, name: string, buf: Buffer, size: number) => number;
  errno: () => number;
}

let fns: XattrFns | undefined;

function load(): XattrFns {
  if (fns) return fns;
  const { libc, errno } = loadLibc();
  fns = {
    llistxattr: libc.func('intptr_t llistxattr(const char *path, _Out_ uint8_t *list, size_t size)'),
    lgetxattr: libc.func('intptr_t lgetxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)'),
    errno,
  };
  return fns;
}

const ERANGE = 34;
const ENODATA = 61;
const ENOTSUP = 95;

/** Names of a path's xattrs; empty when the filesystem has none or does not support them. */
export function listXattrs(path: string): string[] {
  const f = load();
  let size = 256;
  for (;;) {
    const buf = Buffer.alloc(size);
    const n = f.llistxattr(path, buf, size);
    if (n >= 0) return buf.subarray(0, n).toString('latin1').split('\0').filter(Boolean);
    const e = f.errno();
    if (e === ERANGE && size < 1 << 20) size *= 4;
    else if (e === ENOTSUP || e === ENODATA) return [];
    else throw Object.assign(new Error(`llistxattr ${path}: errno ${e}`), { errno: e });
  }
}

/** One xattr's value, or undefined when absent. */
export function getXattr(path: string, name: string): Buffer | undefined {
  const f = load();
  let size = 256;
  for (;;) {
    const buf = Buffer.alloc(size);
    const n = f.lgetxattr(path, name, buf, size);
    if (n >= 0) return buf.subarray(0, n);
    const e = f.errno();
    if (e === ERANGE && size < 1 << 20) size *= 4;
    else if (e === ENODATA || e === ENOTSUP) return undefined;
    else throw Object.assign(new Error(`lgetxattr ${path} ${name}: errno ${e}`), { errno: e });
  }
}
