/**
 * `berth rmi [-f] [--no-prune] IMAGE...` (also `image rm`): prints the daemon's Untagged: and
 * Deleted: lines per image; goes on after a failure and exits 1 if any image failed, like
 * `docker rmi`.
 */
import { CliError } from '../http';
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import type { DeleteItem } from '../../daemon/wire/types';

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, { force: { type: 'bool', short: 'f' }, 'no-prune': { type: 'bool' } });
  if (p.help) {
    process.stdout.write('Usage:  berth rmi [OPTIONS] IMAGE [IMAGE...]\n\nRemove one or more images\n\nOptions:\n  -f, --force      Force removal of the image\n      --no-prune   Do not delete untagged parents\n');
    return;
  }
  requireArgs('berth rmi', p.args, 1, Infinity, 'berth rmi --help');
  const errors: string[] = [];
  for (const name of p.args) {
    try {
      const items = await client.json<DeleteItem[]>(`/images/${encodeURIComponent(name)}`, {
        method: 'DELETE',
        query: { force: p.bools.force ? '1' : undefined, noprune: p.bools['no-prune'] ? '1' : undefined },
      });
      for (const it of items ?? []) {
        if (it.Untagged) process.stdout.write(`Untagged: ${it.Untagged}\n`);
        if (it.Deleted) process.stdout.write(`Deleted: ${it.Deleted}\n`);
      }
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      errors.push(err.message);
    }
  }
  if (errors.length) throw new CliError(errors.join('\n'));
}
