/**
 * `berth start [-a] [-i] CONTAINER...`: starts containers; with -a, attaches first (like the
 * docker CLI) and exits with the container's exit code.
 */
import { CliError } from '../http';
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { enterRawMode, followResize } from '../tty';
import { attachContainer, inspectContainer, pumpHijacked, requestWait } from './attach';
import { forEachContainer } from './container';
import { startFailureCode } from './run';

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const p = parseFlags(argv, { attach: { type: 'bool', short: 'a' }, interactive: { type: 'bool', short: 'i' }, 'detach-keys': { type: 'string' } });
  if (p.help) {
    process.stdout.write('Usage:  berth start [OPTIONS] CONTAINER [CONTAINER...]\n\nStart one or more stopped containers\n\nOptions:\n  -a, --attach               Attach STDOUT/STDERR and forward signals\n      --detach-keys string   Override the key sequence for detaching a container\n  -i, --interactive          Attach container\'s STDIN\n');
    return;
  }
  requireArgs('berth start', p.args, 1, Infinity, 'berth start --help');
  if (!p.bools.attach && !p.bools.interactive) {
    return forEachContainer(p.args, async (name) => {
      await client.request(`/containers/${encodeURIComponent(name)}/start`, { method: 'POST' });
    });
  }
  if (p.args.length > 1) throw new CliError('you cannot start and attach multiple containers at once');
  const c = await inspectContainer(client, p.args[0] as string);
  const tty = c.Config.Tty;
  const stdin = !!p.bools.interactive && c.Config.OpenStdin;
  if (stdin && tty && !process.stdin.isTTY) throw new CliError('the input device is not a TTY');
  const detachKeys = p.strings['detach-keys'];
  const { socket, head } = await attachContainer(client, c.Id, { stdin, tty, detachKeys });
  const wait = await requestWait(client, c.Id, c.HostConfig?.AutoRemove ? 'removed' : 'next-exit');
  const restore = tty && stdin ? enterRawMode() : () => undefined;
  const output = pumpHijacked(socket, head, { stdin, tty, detachKeys });
  let stopResize = () => undefined as void;
  try {
    try {
      await client.request(`/containers/${c.Id}/start`, { method: 'POST' });
    } catch (err) {
      if (err instanceof CliError) throw new CliError(err.message, err.status, startFailureCode(err.message));
      throw err;
    }
    if (tty) stopResize = followResize(client, `/containers/${c.Id}/resize`);
    if ((await output).detached) return 0;
    return await wait.exitCode();
  } finally {
    stopResize();
    restore();
    socket.destroy();
    wait.cancel();
  }
}
