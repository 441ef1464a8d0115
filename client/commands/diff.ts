/** `berth diff CONTAINER`: files changed in the container's writable layer (A, C, D). */
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';

const KIND = ['C', 'A', 'D'];

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, {});
  if (p.help) {
    process.stdout.write('Usage:  berth diff CONTAINER\n\nInspect changes to files or directories on a container\'s filesystem\n');
    return;
  }
  requireArgs('berth diff', p.args, 1, 1, 'berth diff --help');
  const changes = await client.json<{ Path: string; Kind: number }[] | null>(`/containers/${encodeURIComponent(p.args[0] as string)}/changes`);
  for (const c of changes ?? []) process.stdout.write(`${KIND[c.Kind] ?? '?'} ${c.Path}\n`);
}
