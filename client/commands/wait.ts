/** `berth wait CONTAINER...`: blocks until each container stops, printing its exit code. */
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { forEachContainer } from './container';

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const p = parseFlags(argv, {});
  if (p.help) {
    process.stdout.write('Usage:  berth wait CONTAINER [CONTAINER...]\n\nBlock until one or more containers stop, then print their exit codes\n');
    return;
  }
  requireArgs('berth wait', p.args, 1, Infinity, 'berth wait --help');
  return forEachContainer(p.args, async (name) => {
    const r = await client.json<{ StatusCode: number }>(`/containers/${encodeURIComponent(name)}/wait`, { method: 'POST' });
    process.stdout.write(`${r.StatusCode}\n`);
  }, false);
}
