/**
 * `berth attach [--no-stdin] [--detach-keys K] CONTAINER`, and the hijacked-stream plumbing
 * that run, start -a and exec share: stdin goes to the socket (its EOF half-closes the
 * socket, so the container sees EOF and the output keeps coming), output is written raw with
 * a tty or demultiplexed from stdcopy frames to stdout/stderr without one.
 */
import type { Duplex } from 'node:stream';
import { CliError, DaemonClient } from '../http';
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { enterRawMode, followResize } from '../tty';

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
}

/** Pumps a hijacked socket to/from the terminal; resolves when the daemon ends the output. */
export function pumpHijacked(socket: Duplex, head: Buffer, o: StreamOptions): Promise<void> {
  return new Promise((resolve) => {
    const demux = new Demux();
    const onOut = (b: Buffer) => (o.tty ? process.stdout.write(b) : demux.push(b));
    if (head.length) onOut(head);
    socket.on('data', onOut);
    const onIn = (b: Buffer) => {
      if (socket.writable) socket.write(b);
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
    const finish = () => {
      if (done) return;
      done = true;
      process.stdin.off('data', onIn);
      process.stdin.off('end', onInEnd);
      process.stdin.pause();
      resolve();
    };
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
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
  State: { Running: boolean; Paused: boolean; ExitCode: number; Status: string };
}

export function inspectContainer(client: DaemonClient, id: string): Promise<Inspect> {
  return client.json<Inspect>(`/containers/${encodeURIComponent(id)}/json`);
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
  const { socket, head } = await attachContainer(client, c.Id, { stdin, tty: c.Config.Tty, detachKeys: p.strings['detach-keys'] });
  const restore = c.Config.Tty && stdin ? enterRawMode() : () => undefined;
  const stopResize = c.Config.Tty ? followResize(client, `/containers/${c.Id}/resize`) : () => undefined;
  try {
    await pumpHijacked(socket, head, { stdin, tty: c.Config.Tty });
  } finally {
    stopResize();
    restore();
  }
  const after = await inspectContainer(client, c.Id).catch(() => undefined);
  if (after?.State.Running) return 0; // detached
  return after?.State.ExitCode ?? 0;
}
