/**
 * A recording FsCalls for unit tests that run without root: every call is appended to
 * `calls`; mknod leaves an empty regular file at the path (so the tree on disk still shows the
 * node and later chmod/utimes work) and remembers what it was meant to be in `nodes`; xattrs
 * live in memory by path. `failNext(op, code)` makes the next matching call throw an errno
 * error, as the kernel would (e.g. EINVAL for a malformed security.capability).
 */
import * as fs from 'node:fs';
import type { FsCalls, NodeType } from './fs-calls';

export type FsCall =
  | { op: 'mknod'; path: string; type: NodeType; perm: number; major: number; minor: number }
  | { op: 'lsetxattr'; path: string; name: string; value: Buffer }
  | { op: 'lgetxattr'; path: string; name: string }
  | { op: 'llistxattr'; path: string };

export class RecordingFsCalls implements FsCalls {
  readonly calls: FsCall[] = [];
  readonly nodes = new Map<string, { type: NodeType; major: number; minor: number }>();
  readonly xattrs = new Map<string, Map<string, Buffer>>();
  private failures: { op: FsCall['op']; code: string; name?: string }[] = [];

  /** The next call of `op` (for xattrs: with attribute `name`, when given) throws `code`. */
  failNext(op: FsCall['op'], code: string, name?: string): void {
    this.failures.push({ op, code, name });
  }

  private record(call: FsCall): void {
    this.calls.push(call);
    const i = this.failures.findIndex((f) => f.op === call.op && (f.name === undefined || ('name' in call && call.name === f.name)));
    if (i < 0) return;
    const [f] = this.failures.splice(i, 1);
    throw Object.assign(new Error(`${call.op} ${call.path}: ${f!.code}`), { code: f!.code, syscall: call.op, path: call.path });
  }

  mknod(path: string, type: NodeType, perm: number, major: number, minor: number): void {
    this.record({ op: 'mknod', path, type, perm, major, minor });
    fs.writeFileSync(path, '', { flag: 'wx', mode: perm & 0o777 });
    this.nodes.set(path, { type, major, minor });
  }

  lsetxattr(path: string, name: string, value: Buffer): void {
    this.record({ op: 'lsetxattr', path, name, value: Buffer.from(value) });
    fs.lstatSync(path); // ENOENT as the kernel would
    let attrs = this.xattrs.get(path);
    if (!attrs) this.xattrs.set(path, (attrs = new Map()));
    attrs.set(name, Buffer.from(value));
  }

  lgetxattr(path: string, name: string): Buffer | undefined {
    this.record({ op: 'lgetxattr', path, name });
    return this.xattrs.get(path)?.get(name);
  }

  llistxattr(path: string): string[] {
    this.record({ op: 'llistxattr', path });
    return [...(this.xattrs.get(path)?.keys() ?? [])];
  }

  /** True when mknod made a whiteout (char 0/0) at `path`. */
  isWhiteout(path: string): boolean {
    const n = this.nodes.get(path);
    return n !== undefined && n.type === 'char' && n.major === 0 && n.minor === 0;
  }
}
