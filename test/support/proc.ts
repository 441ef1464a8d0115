/**
 * Running external programs from tests: collect exit code and output, feed stdin, bound the
 * wait (a guard against hangs, never an assertion), plus small helpers the other support
 * modules share (free ports, repo root, polling, temp dirs that unmount before removal).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RunResult {
  code: number;
  /** Set when the process died of a signal (including the timeout guard's SIGKILL). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the process after this many ms (default 120 s); a guard against hangs. */
  timeoutMs?: number;
}

/** Runs `cmd args` to completion. Never rejects for a non-zero exit; rejects if it cannot start. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => undefined); // the program may exit without reading its input
    child.stdin.end(opts.input ?? '');
  });
}

/** Like run() but rejects with the command, its exit status and stderr unless it exits 0. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.signal ?? r.code}: ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  }
  return r;
}

/** Quotes words for sh: 'it'\''s'. */
export function shellQuote(words: readonly string[]): string {
  return words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
}

/**
 * Runs `cmd args` with a pseudo-terminal as its stdin/stdout/stderr (util-linux `script`), for
 * `-t`/`-it` tests. Output arrives on stdout with CRLF line ends and echoes of the input.
 */
export function runInPty(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run('script', ['-qefc', shellQuote([cmd, ...args]), '/dev/null'], opts);
}

/** True when `name` is an executable on PATH. */
export function haveCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The repository root (the directory holding berth's package.json), from src or dist. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"berth"/.test(readFileSync(pkg, 'utf8'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find berth's package.json above ${__dirname}`);
    dir = up;
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `probe` every `intervalMs` until it returns true; rejects after `timeoutMs` with
 * `what` in the message. `abort` may throw to stop early (e.g. the process died).
 */
export async function waitFor(what: string, probe: () => Promise<boolean>, opts: { timeoutMs?: number; intervalMs?: number; abort?: () => void } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    opts.abort?.();
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(opts.intervalMs ?? 50);
  }
}

/** A new private temp dir: /tmp/berth-test-<prefix>-XXXXXX. */
export function makeTempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `berth-test-${prefix}-`));
}

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(dir: string): string[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const root = path.resolve(dir);
  const found = new Set<string>();
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    // mountinfo escapes space, tab, newline and backslash as octal
    const mp = field.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === root || mp.startsWith(root + '/')) found.add(mp);
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** Unmounts anything left below `dir` (root only), then removes it. Never throws. */
export async function removeTree(dir: string): Promise<void> {
  if (isRoot()) {
    for (const mp of mountsUnder(dir)) {
      const r = spawnSync('umount', ['-R', mp], { stdio: 'ignore' });
      if (r.status !== 0) spawnSync('umount', ['-l', mp], { stdio: 'ignore' });
    }
  }
  await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
}
