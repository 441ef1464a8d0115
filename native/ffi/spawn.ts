/**
 * Spawning a child with glibc's posix_spawn through koffi, for the container helper.
 *
 * Why not child_process: libuv 1.46 (Node 20) forks, and fork copies the page tables of the
 * whole daemon, so one spawn cost 9–16 ms at berthd's ~120 MB RSS against 3–5 ms at 43 MB
 * (bench/spawn-cost.js). glibc's posix_spawn uses clone(CLONE_VM|CLONE_VFORK): its cost does
 * not grow with the parent, and it is safe in a multithreaded process. Nothing here changes
 * the daemon's own namespaces or root (DESIGN.md §3).
 *
 * The child gets what libuv would give it: stdio "pipe" is one end of a blocking unix
 * socketpair (the other end is a net.Socket here), "ignore" is /dev/null, every signal is
 * reset to its default and unblocked, the environment is process.env and cwd is ours.
 * Children are reaped on SIGCHLD with waitpid(pid, WNOHANG) per pid (libuv does the same for
 * its own children, so neither steals the other's), never blocking the event loop or the
 * threadpool however long the child lives.
 */
import { BerthError } from '../../daemon/errors';
import { asErrorCode } from '../../daemon/errors/codes';
import { errnoName } from './errno';
import { libcFunctions } from './libc';
import { Socket } from 'node:net';

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const O_RDONLY = 0;
const O_RDWR = 2;
const WNOHANG = 1;
const ECHILD = 10;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
// glibc x86-64: posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336, sigset_t 128;
// the buffers are generously larger.
const FA_SIZE = 256;
const ATTR_SIZE = 1024;
const SIGSET_SIZE = 256;

const bind = libcFunctions({
  spawn: 'int posix_spawn(_Out_ int *pid, const char *path, void *fa, void *attr, const char **argv, const char **envp)',
  faInit: 'int posix_spawn_file_actions_init(void *fa)',
  faDestroy: 'int posix_spawn_file_actions_destroy(void *fa)',
  faDup2: 'int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)',
  faOpen: 'int posix_spawn_file_actions_addopen(void *fa, int fd, const char *path, int oflag, unsigned int mode)',
  attrInit: 'int posix_spawnattr_init(void *attr)',
  attrDestroy: 'int posix_spawnattr_destroy(void *attr)',
  attrFlags: 'int posix_spawnattr_setflags(void *attr, short flags)',
  attrSigDefault: 'int posix_spawnattr_setsigdefault(void *attr, void *set)',
  attrSigMask: 'int posix_spawnattr_setsigmask(void *attr, void *set)',
  sigemptyset: 'int sigemptyset(void *set)',
  socketpair: 'int socketpair(int domain, int type, int protocol, _Out_ int *sv)',
  close: 'int close(int fd)',
  waitpid: 'int waitpid(int pid, _Out_ int *status, int options)',
});
type Bound = ReturnType<typeof bind>;

/** How the child ended, as child_process reports it: code, or the killing signal's number. */
export interface SpawnExit {
  code: number | null;
  signal: number | null;
}

export interface SpawnedChild {
  pid: number;
  /** The parent's end of each "pipe" fd, by child fd number; undefined for "ignore". */
  stdio: (Socket | undefined)[];
  exited: Promise<SpawnExit>;
}

export type StdioKind = 'pipe' | 'ignore';

/**
 * An error like child_process's 'error' event (message `spawn FILE ENOENT`, errno), as a
 * BerthError: System (starting our own helper failed), code the errno's name.
 */
export class SpawnError extends BerthError {
  constructor(readonly file: string, readonly errno: number) {
    super('System', `spawn ${file} ${errnoName(errno)}`, { code: asErrorCode(errnoName(errno)) });
    this.name = 'SpawnError';
  }
}

const pending = new Map<number, (e: SpawnExit) => void>();
let listening = false;
/**
 * Ref'd while any child is unreaped: like libuv's process handles it keeps the loop alive
 * (Node's signal handles are unref'd), and it re-checks in case a SIGCHLD was coalesced away.
 */
let sweep: NodeJS.Timeout | undefined;

function reap(): void {
  const b = bind();
  for (const [pid, resolve] of pending) {
    const status = [0];
    const r = b.waitpid(pid, status, WNOHANG) as number;
    if (r === 0) continue;
    if (r < 0 && b.errno() !== ECHILD) continue;
    pending.delete(pid);
    const st = status[0] ?? 0;
    // WIFSIGNALED: low 7 bits are the signal; otherwise WEXITSTATUS is bits 8..15
    const sig = st & 0x7f;
    resolve(r < 0 ? { code: null, signal: null } : sig === 0 ? { code: (st >> 8) & 0xff, signal: null } : { code: null, signal: sig });
  }
  if (pending.size === 0 && sweep) {
    clearInterval(sweep);
    sweep = undefined;
  }
}

function socketpair(b: Bound): [number, number] {
  const sv = [-1, -1];
  if ((b.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) as number) < 0) throw new SpawnError('socketpair', b.errno());
  return [sv[0]!, sv[1]!];
}

/**
 * Starts FILE with ARGS (argv[0] is FILE, as child_process does). Throws SpawnError when the
 * file cannot be executed (glibc reports the child's exec errno and reaps it).
 */
export function posixSpawn(file: string, args: string[], stdio: StdioKind[]): SpawnedChild {
  const b = bind();
  if (!listening) {
    // Unref'd by Node: it never keeps the daemon alive. Registered before the first spawn so
    // no exit can be missed; reap() also runs right after each spawn.
    process.on('SIGCHLD', reap);
    listening = true;
  }
  const pairs: ([number, number] | undefined)[] = [];
  const fa = Buffer.alloc(FA_SIZE);
  const attr = Buffer.alloc(ATTR_SIZE);
  const all = Buffer.alloc(SIGSET_SIZE);
  const none = Buffer.alloc(SIGSET_SIZE);
  b.faInit(fa);
  b.attrInit(attr);
  let pid = 0;
  try {
    stdio.forEach((kind, fd) => {
      if (kind === 'ignore') {
        b.faOpen(fa, fd, '/dev/null', fd === 0 ? O_RDONLY : O_RDWR, 0);
        pairs.push(undefined);
        return;
      }
      const pair = socketpair(b);
      pairs.push(pair);
      // dup2 clears CLOEXEC on the child's copy; both originals are CLOEXEC.
      b.faDup2(fa, pair[1], fd);
    });
    // Every signal 1..64 back to default, as libuv does. Not sigfillset: it leaves out glibc's
    // internal signals 32 and 33, which glibc's spawn child then sets to SIG_IGN, and an
    // ignored disposition survives exec (and the helper's own reset cannot undo it).
    all.fill(0xff, 0, 8);
    b.sigemptyset(none);
    b.attrSigDefault(attr, all);
    b.attrSigMask(attr, none);
    b.attrFlags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    const env: (string | null)[] = Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ''}`);
    env.push(null);
    const out = [0];
    const r = b.spawn(out, file, fa, attr, [file, ...args, null], env) as number;
    if (r !== 0) throw new SpawnError(file, r);
    pid = out[0]!;
  } catch (err) {
    for (const p of pairs) if (p) (b.close(p[0]), b.close(p[1]));
    throw err;
  } finally {
    b.faDestroy(fa);
    b.attrDestroy(attr);
  }
  const sockets = pairs.map((p, fd) => {
    if (!p) return undefined;
    b.close(p[1]);
    return new Socket({ fd: p[0], readable: fd !== 0, writable: fd === 0 || fd > 2 });
  });
  const exited = new Promise<SpawnExit>((resolve) => pending.set(pid, resolve));
  sweep ??= setInterval(reap, 250);
  reap();
  return { pid, stdio: sockets, exited };
}
