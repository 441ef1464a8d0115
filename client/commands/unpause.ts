/** `berth unpause CONTAINER...`: thaws a paused container. */
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { forEachContainer } from './container';

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const p = parseFlags(argv, {});
  if (p.help) {
    process.stdout.write('Usage:  berth unpause CONTAINER [CONTAINER...]\n\nUnpause all processes within one or more containers\n');
    return;
  }
  requireArgs('berth unpause', p.args, 1, Infinity, 'berth unpause --help');
  return forEachContainer(p.args, async (name) => {
    await client.request(`/containers/${encodeURIComponent(name)}/unpause`, { method: 'POST' });
  });
}
