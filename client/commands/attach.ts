/**
 * `berth attach [--no-stdin] [--detach-keys K] CONTAINER`, and the hijacked-stream plumbing
 * that run, start -a and exec share: stdin goes to the socket (its EOF half-closes the
 * socket, so the container sees EOF and the output keeps coming), output is written raw with
 * a tty or demultiplexed from stdcopy frames to stdout/stderr without one.
 */
import type { Duplex } from 'node:stream';
import { CliError, DaemonClient, readAll } from '../http';
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { enterRawMode, followResize } from '../tty';
import { DEFAULT_DETACH_KEYS, DetachWatcher, detachKeyBytes } from '../detach-keys';
import type { WaitResult } from '../../daemon/wire/types';

/** Decodes stdcopy frames ([stream,0,0,0,len BE32] + data) into stdout and stderr. */
export class Demux {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      const data = this.buf.subarray(8, 8 + size);
      (this.buf[0] === 2 ? process.stderr : process.stdout).write(data);
      this.buf = this.buf.subarray(8 + size);
    }
  }
}

export interface StreamOptions {
  stdin: boolean;
  tty: boolean;
  /** --detach-keys; the docker CLI's default (ctrl-p ctrl-q) when unset or invalid. */
  detachKeys?: string;
}

/** How a hijacked stream ended: `detached` when the user typed the detach keys. */
export interface StreamEnd {
  detached: boolean;
}

/**
 * Pumps a hijacked socket to/from the terminal; resolves when the daemon ends the output, or
 * at once when the user types the detach keys (a tty with stdin only, as the docker CLI). The
 * keys are not sent on, and the socket is destroyed rather than half-closed: a half-close
 * would close the container's stdin (StdinOnce) and end a shell the user meant to leave running.
 */
export function pumpHijacked(socket: Duplex, head: Buffer, o: StreamOptions): Promise<StreamEnd> {
  return new Promise((resolve) => {
    const demux = new Demux();
    const onOut = (b: Buffer) => (o.tty ? process.stdout.write(b) : demux.push(b));
    if (head.length) onOut(head);
    socket.on('data', onOut);
    const watcher = o.tty && o.stdin ? new DetachWatcher(detachKeyBytes(o.detachKeys ?? '') ?? (detachKeyBytes(DEFAULT_DETACH_KEYS) as Buffer)) : undefined;
    const onIn = (b: Buffer) => {
      if (done) return;
      if (!watcher) {
        if (socket.writable) socket.write(b);
        return;
      }
      const { forward, detached } = watcher.push(b);
      if (forward.length && socket.writable) socket.write(forward);
      if (detached) {
        finish(true);
        socket.destroy();
      }
    };
    const onInEnd = () => {
      if (socket.writable) socket.end();
    };
    if (o.stdin) {
      process.stdin.on('data', onIn);
      process.stdin.once('end', onInEnd);
      process.stdin.resume();
    }
    let done = false;
    const finish = (detached: boolean) => {
      if (done) return;
      done = true;
      process.stdin.off('data', onIn);
      process.stdin.off('end', onInEnd);
      process.stdin.pause();
      resolve({ detached });
    };
    socket.on('end', () => finish(false));
    socket.on('close', () => finish(false));
    socket.on('error', () => finish(false));
  });
}

/** Opens POST /containers/{id}/attach with an upgrade. */
export async function attachContainer(client: DaemonClient, id: string, o: StreamOptions & { detachKeys?: string }): Promise<{ socket: Duplex; head: Buffer }> {
  const { socket, head } = await client.upgrade(`/containers/${encodeURIComponent(id)}/attach`, {
    query: { stream: 1, stdin: o.stdin ? 1 : undefined, stdout: 1, stderr: 1, detachKeys: o.detachKeys },
  });
  return { socket, head };
}

interface Inspect {
  Id: string;
  Config: { Tty: boolean; OpenStdin: boolean };
  HostConfig?: { AutoRemove?: boolean };
  State: { Running: boolean; Paused: boolean; ExitCode: number; Status: string };
}

export function inspectContainer(client: DaemonClient, id: string): Promise<Inspect> {
  return client.json<Inspect>(`/containers/${encodeURIComponent(id)}/json`);
}

type WaitBody = WaitResult;

export interface WaitHandle {
  /** The container's exit code; rejects with a CliError when the daemon reports an error. */
  exitCode(): Promise<number>;
  cancel(): void;
}

/**
 * POST /containers/{id}/wait, asked *before* start or attach as the docker CLI does, so no
 * exit can slip by: resolves once the headers are in (the daemon flushes them at once); the
 * exit code comes with the body. `condition`: next-exit, removed (for --rm) or not-running.
 */
export async function requestWait(client: DaemonClient, id: string, condition: string): Promise<WaitHandle> {
  const res = await client.raw(`/containers/${encodeURIComponent(id)}/wait`, { method: 'POST', query: { condition } });
  if ((res.statusCode ?? 0) >= 400) throw new CliError(errorText(await readAll(res)), res.statusCode, 125);
  const body = readAll(res).then((b) => JSON.parse(b.toString('utf8')) as WaitBody);
  body.catch(() => undefined);
  return {
    exitCode: async () => {
      const status = await body.catch(() => {
        throw new CliError('the connection to the daemon ended before the container exited', undefined, 125);
      });
      if (status.Error?.Message) throw new CliError(status.Error.Message, undefined, 125);
      return status.StatusCode;
    },
    cancel: () => res.destroy(),
  };
}

function errorText(body: Buffer): string {
  try {
    const m = (JSON.parse(body.toString('utf8')) as { message?: unknown }).message;
    if (typeof m === 'string') return m;
  } catch {
    // not JSON
  }
  return body.toString('utf8').trim();
}

const USAGE = `Usage:  berth attach [OPTIONS] CONTAINER

Attach local standard input, output, and error streams to a running container

Options:
      --detach-keys string   Override the key sequence for detaching a container
      --no-stdin             Do not attach STDIN
`;

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const p = parseFlags(argv, { 'no-stdin': { type: 'bool' }, 'detach-keys': { type: 'string' }, 'sig-proxy': { type: 'bool' } });
  if (p.help) {
    process.stdout.write(USAGE);
    return;
  }
  requireArgs('berth attach', p.args, 1, 1, 'berth attach --help');
  const name = p.args[0] as string;
  const c = await inspectContainer(client, name);
  if (!c.State.Running) throw new CliError('You cannot attach to a stopped container, start it first');
  if (c.State.Paused) throw new CliError('You cannot attach to a paused container, unpause it first');
  const stdin = !p.bools['no-stdin'] && c.Config.OpenStdin;
  if (stdin && c.Config.Tty && !process.stdin.isTTY) throw new CliError('the input device is not a TTY');
  const detachKeys = p.strings['detach-keys'];
  const wait = await requestWait(client, c.Id, 'not-running');
  const { socket, head } = await attachContainer(client, c.Id, { stdin, tty: c.Config.Tty, detachKeys });
  const restore = c.Config.Tty && stdin ? enterRawMode() : () => undefined;
  const stopResize = c.Config.Tty ? followResize(client, `/containers/${c.Id}/resize`) : () => undefined;
  try {
    const end = await pumpHijacked(socket, head, { stdin, tty: c.Config.Tty, detachKeys });
    if (end.detached) return 0;
    return await wait.exitCode();
  } finally {
    stopResize();
    restore();
    socket.destroy();
    wait.cancel();
  }
}
