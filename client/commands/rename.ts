/** `berth rename CONTAINER NEW_NAME`. */
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, {});
  if (p.help) {
    process.stdout.write('Usage:  berth rename CONTAINER NEW_NAME\n\nRename a container\n');
    return;
  }
  requireArgs('berth rename', p.args, 2, 2, 'berth rename --help');
  await client.request(`/containers/${encodeURIComponent(p.args[0] as string)}/rename`, { method: 'POST', query: { name: p.args[1] } });
}
