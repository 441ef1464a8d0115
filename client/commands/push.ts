/** `berth push [-q] NAME[:TAG]`, like `docker push` (no tag: `latest`, as docker 28 does). */
import { registryAuthHeader } from '../auth-config';
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { ProgressRenderer } from '../progress';

const USAGE = `Usage:  berth push [OPTIONS] NAME[:TAG]

Upload an image to a registry

Options:
  -a, --all-tags   Push all tags of an image to the repository
  -q, --quiet      Suppress verbose output
`;

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, { quiet: { type: 'bool', short: 'q' }, 'all-tags': { type: 'bool', short: 'a' } });
  if (p.help) {
    process.stdout.write(USAGE);
    return;
  }
  requireArgs('berth push', p.args, 1, 1, 'berth push --help');
  const image = p.args[0] as string;
  const colon = image.lastIndexOf(':');
  const hasTag = colon > image.lastIndexOf('/');
  const name = hasTag ? image.slice(0, colon) : image;
  let tag = hasTag ? image.slice(colon + 1) : undefined;
  const quiet = !!p.bools.quiet;
  if (!tag && !p.bools['all-tags']) {
    if (!quiet) process.stdout.write('Using default tag: latest\n');
    tag = 'latest';
  }
  const renderer = new ProgressRenderer(process.stdout);
  try {
    await client.stream(
      `/images/${encodeURIComponent(name)}/push`,
      { method: 'POST', query: { tag }, headers: { 'X-Registry-Auth': registryAuthHeader(name) } },
      (m) => {
        if (!quiet && m.aux === undefined) renderer.render(m);
      },
    );
  } finally {
    if (!quiet) renderer.finish();
  }
  if (quiet) process.stdout.write(`${image}\n`);
}
