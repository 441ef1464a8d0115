/**
 * `berth exec [-d] [-i] [-t] [-e K=V] [-u USER] [-w DIR] CONTAINER COMMAND [ARG...]`: creates
 * an exec instance, starts it over a hijacked connection (or detached), follows the terminal
 * size, and exits with the command's exit code (from GET /exec/{id}/json).
 */
import { CliError } from '../http';
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { enterRawMode, followResize, terminalSize } from '../tty';
import { pumpHijacked } from './attach';

const USAGE = `Usage:  berth exec [OPTIONS] CONTAINER COMMAND [ARG...]

Execute a command in a running container

Options:
  -d, --detach               Detached mode: run command in the background
      --detach-keys string   Override the key sequence for detaching a container
  -e, --env list             Set environment variables
  -i, --interactive          Keep STDIN open even if not attached
      --privileged           Give extended privileges to the command
  -t, --tty                  Allocate a pseudo-TTY
  -u, --user string          Username or UID (format: "<name|uid>[:<group|gid>]")
  -w, --workdir string       Working directory inside the container
`;

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const p = parseFlags(argv, {
    detach: { type: 'bool', short: 'd' }, 'detach-keys': { type: 'string' }, env: { type: 'list', short: 'e' },
    interactive: { type: 'bool', short: 'i' }, privileged: { type: 'bool' }, tty: { type: 'bool', short: 't' },
    user: { type: 'string', short: 'u' }, workdir: { type: 'string', short: 'w' },
  }, { interspersed: false });
  if (p.help) {
    process.stdout.write(USAGE);
    return;
  }
  requireArgs('berth exec', p.args, 2, Infinity, 'berth exec --help');
  const [container, ...cmd] = p.args as [string, ...string[]];
  const tty = !!p.bools.tty;
  const stdin = !!p.bools.interactive;
  const detach = !!p.bools.detach;
  if (tty && stdin && !process.stdin.isTTY) throw new CliError('the input device is not a TTY');
  const { Id } = await client.json<{ Id: string }>(`/containers/${encodeURIComponent(container)}/exec`, {
    method: 'POST',
    body: {
      User: p.strings.user ?? '', Privileged: !!p.bools.privileged, Tty: tty, AttachStdin: stdin && !detach,
      AttachStderr: !detach, AttachStdout: !detach, Detach: detach, DetachKeys: p.strings['detach-keys'] ?? '',
      Env: p.lists.env ?? null, WorkingDir: p.strings.workdir ?? '', Cmd: cmd, ConsoleSize: tty ? terminalSize() ?? null : null,
    },
  });
  if (detach) {
    await client.request(`/exec/${Id}/start`, { method: 'POST', body: { Detach: true, Tty: tty } });
    return 0;
  }
  const { socket, head } = await client.upgrade(`/exec/${Id}/start`, { body: { Detach: false, Tty: tty } });
  const restore = tty && stdin ? enterRawMode() : () => undefined;
  const stopResize = tty ? followResize(client, `/exec/${Id}/resize`) : () => undefined;
  try {
    if ((await pumpHijacked(socket, head, { stdin, tty, detachKeys: p.strings['detach-keys'] })).detached) return 0;
  } finally {
    stopResize();
    restore();
    socket.destroy();
  }
  const r = await client.json<{ ExitCode: number | null; Running: boolean }>(`/exec/${Id}/json`);
  return r.ExitCode ?? 0;
}
