/**
 * `berth image COMMAND`: ls, inspect, rm, tag, history, prune here or in their own modules;
 * pull, push, build, save, load and import forward to those commands' modules when this build
 * has them.
 */
import { CliError } from '../http';
import { filtersJson, parseFlags } from '../flags';
import { humanSize } from '../format';
import type { CommandContext } from '../main';
import { confirm } from '../prompt';
import type { ImagePruneReport } from '../../daemon/wire/types';

type Run = (args: string[], ctx: CommandContext, ...rest: unknown[]) => Promise<number | void>;

const FORWARD: Record<string, string> = {
  ls: 'images', list: 'images', rm: 'rmi', remove: 'rmi', tag: 'tag', history: 'history',
  pull: 'pull', push: 'push', build: 'build', save: 'save', load: 'load', import: 'import',
  explore: 'explore',
};

const USAGE = `Usage:  berth image COMMAND

Manage images

Commands:
  build       Build an image from a Dockerfile
  explore     Show what each layer adds, modifies and removes, and the bytes it wastes
  history     Show the history of an image
  import      Import the contents from a tarball to create a filesystem image
  inspect     Display detailed information on one or more images
  load        Load an image from a tar archive or STDIN
  ls          List images
  prune       Remove unused images
  pull        Download an image from a registry
  push        Upload an image to a registry
  rm          Remove one or more images
  save        Save one or more images to a tar archive
  tag         Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE
`;

function load(moduleName: string, sub: string): Run {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return (require(`./${moduleName}`) as { run: Run }).run;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') throw new CliError(`'image ${sub}' is not available in this build of berth`);
    throw err;
  }
}

export async function run(argv: string[], ctx: CommandContext): Promise<number | void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE);
    return sub ? 0 : 1;
  }
  if (sub === 'inspect') return load('inspect', sub)(rest, ctx, 'image');
  if (sub === 'prune') return prune(rest, ctx);
  const target = FORWARD[sub];
  if (!target) throw new CliError(`'image ${sub}' is not a berth command.\nSee 'berth image --help'`);
  return load(target, sub)(rest, ctx);
}

type PruneReport = ImagePruneReport;

/** `image prune [-a] [-f] [--filter]`, with Docker's prompt and report. */
async function prune(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, { all: { type: 'bool', short: 'a' }, force: { type: 'bool', short: 'f' }, filter: { type: 'list' } });
  if (p.help) {
    process.stdout.write('Usage:  berth image prune [OPTIONS]\n\nRemove unused images\n\nOptions:\n  -a, --all             Remove all unused images, not just dangling ones\n      --filter filter   Provide filter values (e.g. "until=<timestamp>")\n  -f, --force           Do not prompt for confirmation\n');
    return;
  }
  const warning = p.bools.all
    ? 'WARNING! This will remove all images without at least one container associated to them.'
    : 'WARNING! This will remove all dangling images.';
  if (!p.bools.force && !(await confirm(`${warning}\nAre you sure you want to continue?`))) return;
  const filters = [...(p.lists.filter ?? []), `dangling=${p.bools.all ? 'false' : 'true'}`];
  const report = await client.json<PruneReport>('/images/prune', { method: 'POST', query: { filters: filtersJson(filters) } });
  const items = report.ImagesDeleted ?? [];
  if (items.length) {
    process.stdout.write('Deleted Images:\n');
    for (const it of items) {
      if (it.Untagged) process.stdout.write(`untagged: ${it.Untagged}\n`);
      if (it.Deleted) process.stdout.write(`deleted: ${it.Deleted}\n`);
    }
    process.stdout.write('\n');
  }
  process.stdout.write(`Total reclaimed space: ${humanSize(report.SpaceReclaimed)}\n`);
}
