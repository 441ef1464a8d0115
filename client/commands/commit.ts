/** `berth commit [-a AUTHOR] [-m MSG] [-c CHANGE] [--pause] CONTAINER [REPO[:TAG]]`, like `docker commit`. */
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';

const USAGE = `Usage:  berth commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]

Create a new image from a container's changes

Options:
  -a, --author string    Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")
  -c, --change list      Apply Dockerfile instruction to the created image
  -m, --message string   Commit message
  -p, --pause            Pause container during commit (default true)
`;

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, { author: { type: 'string', short: 'a' }, change: { type: 'list', short: 'c' }, message: { type: 'string', short: 'm' }, pause: { type: 'bool', short: 'p' } });
  if (p.help) {
    process.stdout.write(USAGE);
    return;
  }
  requireArgs('berth commit', p.args, 1, 2, 'berth commit --help');
  let repo: string | undefined;
  let tag: string | undefined;
  if (p.args[1]) {
    const s = p.args[1];
    const colon = s.lastIndexOf(':');
    if (colon > s.lastIndexOf('/') && !s.includes('@')) {
      repo = s.slice(0, colon);
      tag = s.slice(colon + 1);
    } else repo = s;
  }
  const res = await client.json<{ Id: string }>('/commit', {
    method: 'POST',
    query: { container: p.args[0], repo, tag, comment: p.strings.message, author: p.strings.author, changes: p.lists.change, pause: p.bools.pause === false ? '0' : '1' },
    body: {},
  });
  process.stdout.write(`${res.Id}\n`);
}
