/** `berth restart [-t SECONDS] CONTAINER...`: stop (if running), then start. */
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { forEachContainer } from './container';

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const p = parseFlags(argv, { time: { type: 'int', short: 't', aliases: ['timeout'] }, signal: { type: 'string', short: 's' } });
  if (p.help) {
    process.stdout.write('Usage:  berth restart [OPTIONS] CONTAINER [CONTAINER...]\n\nRestart one or more containers\n\nOptions:\n  -s, --signal string   Signal to send to the container\n  -t, --time int        Seconds to wait before killing the container\n');
    return;
  }
  requireArgs('berth restart', p.args, 1, Infinity, 'berth restart --help');
  return forEachContainer(p.args, async (name) => {
    await client.request(`/containers/${encodeURIComponent(name)}/restart`, { method: 'POST', query: { t: p.ints.time, signal: p.strings.signal } });
  });
}
