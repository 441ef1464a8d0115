/**
 * Pieces of systemd for tests on machines where PID 1 is not systemd:
 *   listenNotify(path): a datagram socket playing systemd's $NOTIFY_SOCKET (a path, or @name in
 *     the abstract namespace; Python binds it:
 *     Node cannot open AF_UNIX datagram sockets); `messages` holds each datagram's text,
 *     `waitFor(pattern)` resolves with the first one matching, `close()`.
 *   socketActivate(socket, argv, { env, logFile }): `systemd-socket-activate -l SOCKET` running
 *     argv on the first connection with LISTEN_FDS, as berthd.socket would; env entries are
 *     passed with -E (the tool gives the program a minimal environment).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { track, untrack } from './lifecycle';
import { waitFor } from './proc';

const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const LISTENER = `
import socket, sys, json
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
a = sys.argv[1]
s.bind("\\0" + a[1:] if a.startswith("@") else a)
print("listening", flush=True)
while True:
    data = s.recv(65536)
    print(json.dumps(data.decode("utf-8", "replace")), flush=True)
`;

export interface NotifyListener {
  path: string;
  messages: string[];
  waitFor(pattern: RegExp, opts?: { after?: number; timeoutMs?: number }): Promise<string>;
  close(): Promise<void>;
}

export async function listenNotify(path: string): Promise<NotifyListener> {
  const child = spawn(PY, ['-c', LISTENER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: string[] = [];
  let up = false;
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line === 'listening') up = true;
      else messages.push(JSON.parse(line) as string);
    }
  });
  const tracked = { stop: async () => void child.kill(), child: () => child };
  track(tracked);
  await waitFor('the notify listener to bind', async () => {
    if (child.exitCode !== null) throw new Error('the notify listener (python3) exited');
    return up;
  }, { intervalMs: 20 });
  return {
    path,
    messages,
    async waitFor(pattern, opts = {}) {
      let found: string | undefined;
      await waitFor(`a notify message matching ${pattern} (got ${JSON.stringify(messages)})`, async () => {
        found = messages.slice(opts.after ?? 0).find((m) => pattern.test(m));
        return found !== undefined;
      }, { timeoutMs: opts.timeoutMs ?? 30_000, intervalMs: 20 });
      return found as string;
    },
    async close() {
      untrack(tracked);
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill();
        await gone;
      }
    },
  };
}

export interface Activated {
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process ends. */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export function socketActivate(socket: string, argv: readonly string[], opts: { env?: Record<string, string>; logFile: string }): Activated {
  const envArgs = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['-E', `${k}=${v}`]);
  const fd = openSync(opts.logFile, 'a');
  const child = spawn('systemd-socket-activate', ['-l', socket, ...envArgs, ...argv], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const tracked = { stop: async () => void child.kill('SIGKILL'), child: () => child };
  track(tracked);
  return {
    child,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const r = await exited;
      clearTimeout(guard);
      untrack(tracked);
      return r;
    },
  };
}
