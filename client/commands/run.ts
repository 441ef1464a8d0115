/**
 * `berth run [OPTIONS] IMAGE [COMMAND] [ARG...]`, with the docker CLI's flow: create (404 →
 * pull → create), then — unless -d — attach before start, ask for the wait result (headers
 * come at once), start, follow the terminal size, and exit with the container's code. Errors
 * of the daemon exit 125; a command that cannot be run exits 126 or 127, as with Docker.
 */
import { CliError, DaemonClient } from '../http';
import { requireArgs } from '../flags';
import type { CommandContext } from '../main';
import type * as Tty from '../tty';
import { CREATE_USAGE, createBody, createContainer, parseContainerFlags } from './create';
import type * as Attach from './attach';

/**
 * What runs after the create is required while the daemon creates (bench/RESULTS.md, "CLI
 * start-up"): the create request leaves ~2 ms earlier, and the load costs nothing then.
 */
const attachModule = (): typeof Attach => require('./attach') as typeof Attach;
const ttyModule = (): typeof Tty => require('../tty') as typeof Tty;
const noop = (): void => undefined;

const RUN_FLAGS = {
  detach: { type: 'bool' as const, short: 'd' },
  'detach-keys': { type: 'string' as const },
  'sig-proxy': { type: 'bool' as const },
};

const USAGE = CREATE_USAGE.replace('berth create', 'berth run').replace('Create a new container', 'Create and run a new container from an image').replace(
  'Options:\n',
  'Options:\n  -d, --detach                Run container in background and print container ID\n      --detach-keys string    Override the key sequence for detaching a container\n',
);

/** Docker's exit code for a failed start, from the daemon's message. */
export function startFailureCode(message: string): number {
  if (/executable file not found|no such file or directory|not found in \$PATH/i.test(message)) return 127;
  if (/permission denied/i.test(message)) return 126;
  return 125;
}

function proxySignals(client: DaemonClient, id: string): () => void {
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const).map((sig) => {
    const h = () => void client.request(`/containers/${id}/kill`, { method: 'POST', query: { signal: sig } }).catch(() => undefined);
    process.on(sig, h);
    return () => process.off(sig, h);
  });
  return () => handlers.forEach((off) => off());
}

async function startOrExit(client: DaemonClient, id: string): Promise<void> {
  try {
    await client.request(`/containers/${id}/start`, { method: 'POST' });
  } catch (err) {
    if (err instanceof CliError) throw new CliError(err.message, err.status, startFailureCode(err.message));
    throw err;
  }
}

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const p = parseContainerFlags(argv, RUN_FLAGS);
  if (p.help) {
    process.stdout.write(USAGE);
    return;
  }
  requireArgs('berth run', p.args, 1, Infinity, 'berth run --help');
  const detach = !!p.bools.detach;
  const tty = !!p.bools.tty;
  const stdin = !!p.bools.interactive;
  if (tty && stdin && !process.stdin.isTTY) throw new CliError('the input device is not a TTY', undefined, 1);
  let id: string;
  try {
    const created = createContainer(client, await createBody(p, p.args), p.strings.name, !!p.bools.quiet);
    if (!detach) setImmediate(attachModule);
    id = await created;
  } catch (err) {
    if (err instanceof CliError) throw new CliError(err.message, err.status, 125);
    throw err;
  }
  if (detach) {
    await startOrExit(client, id);
    process.stdout.write(`${id}\n`);
    return 0;
  }
  const detachKeys = p.strings['detach-keys'];
  const { attachContainer, pumpHijacked, requestWait } = attachModule();
  // Attach and the wait request go out together: both must be in place before start, neither
  // needs the other (one round trip less than one after the other). An attach failure still
  // wins over a wait failure, as when they were sequential; the other request is released.
  const attaching = attachContainer(client, id, { stdin, tty, detachKeys });
  const waiting = requestWait(client, id, p.bools.rm ? 'removed' : 'next-exit');
  let attached: Awaited<typeof attaching>;
  try {
    attached = await attaching;
  } catch (err) {
    waiting.then((w) => w.cancel(), noop);
    throw err;
  }
  const { socket, head } = attached;
  let result: Awaited<typeof waiting>;
  try {
    result = await waiting;
  } catch (err) {
    socket.destroy();
    throw err;
  }
  const restore = tty && stdin ? ttyModule().enterRawMode() : () => undefined;
  const output = pumpHijacked(socket, head, { stdin, tty, detachKeys });
  let stopResize = () => undefined as void;
  let stopSignals = () => undefined as void;
  try {
    await startOrExit(client, id);
    if (tty) stopResize = ttyModule().followResize(client, `/containers/${id}/resize`);
    else if (p.bools['sig-proxy'] !== false) stopSignals = proxySignals(client, id);
    // The output ends at exit or when the user typed the detach keys; only the keys mean
    // "detached" (the container may still look running for a moment after it exited).
    if ((await output).detached) return 0;
    return await result.exitCode();
  } finally {
    stopResize();
    stopSignals();
    restore();
    socket.destroy();
    result.cancel();
  }
}
