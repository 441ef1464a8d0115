/** `berth stop [-t SECONDS] [-s SIGNAL] CONTAINER...`: SIGTERM, then SIGKILL after the timeout. */
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { forEachContainer } from './container';

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const p = parseFlags(argv, { time: { type: 'int', short: 't', aliases: ['timeout'] }, signal: { type: 'string', short: 's' } });
  if (p.help) {
    process.stdout.write('Usage:  berth stop [OPTIONS] CONTAINER [CONTAINER...]\n\nStop one or more running containers\n\nOptions:\n  -s, --signal string   Signal to send to the container\n  -t, --time int        Seconds to wait before killing the container\n');
    return;
  }
  requireArgs('berth stop', p.args, 1, Infinity, 'berth stop --help');
  return forEachContainer(p.args, async (name) => {
    await client.request(`/containers/${encodeURIComponent(name)}/stop`, { method: 'POST', query: { t: p.ints.time, signal: p.strings.signal } });
  });
}
