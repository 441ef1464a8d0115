/** `berth rm [-f] [-v] CONTAINER...`: a running container needs -f. */
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { forEachContainer } from './container';

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const p = parseFlags(argv, { force: { type: 'bool', short: 'f' }, volumes: { type: 'bool', short: 'v' }, link: { type: 'bool', short: 'l' } });
  if (p.help) {
    process.stdout.write('Usage:  berth rm [OPTIONS] CONTAINER [CONTAINER...]\n\nRemove one or more containers\n\nOptions:\n  -f, --force     Force the removal of a running container (uses SIGKILL)\n  -v, --volumes   Remove anonymous volumes associated with the container\n');
    return;
  }
  requireArgs('berth rm', p.args, 1, Infinity, 'berth rm --help');
  return forEachContainer(p.args, async (name) => {
    await client.request(`/containers/${encodeURIComponent(name)}`, { method: 'DELETE', query: { force: p.bools.force ? 1 : undefined, v: p.bools.volumes ? 1 : undefined } });
  });
}
