/** `berth kill [-s SIGNAL] CONTAINER...` (default SIGKILL). */
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { forEachContainer } from './container';

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const p = parseFlags(argv, { signal: { type: 'string', short: 's' } });
  if (p.help) {
    process.stdout.write('Usage:  berth kill [OPTIONS] CONTAINER [CONTAINER...]\n\nKill one or more running containers\n\nOptions:\n  -s, --signal string   Signal to send to the container\n');
    return;
  }
  requireArgs('berth kill', p.args, 1, Infinity, 'berth kill --help');
  return forEachContainer(p.args, async (name) => {
    await client.request(`/containers/${encodeURIComponent(name)}/kill`, { method: 'POST', query: { signal: p.strings.signal } });
  });
}
