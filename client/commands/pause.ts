/** `berth pause CONTAINER...`: freezes every process of the container. */
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { forEachContainer } from './container';

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const p = parseFlags(argv, {});
  if (p.help) {
    process.stdout.write('Usage:  berth pause CONTAINER [CONTAINER...]\n\nPause all processes within one or more containers\n');
    return;
  }
  requireArgs('berth pause', p.args, 1, Infinity, 'berth pause --help');
  return forEachContainer(p.args, async (name) => {
    await client.request(`/containers/${encodeURIComponent(name)}/pause`, { method: 'POST' });
  });
}
