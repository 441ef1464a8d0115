/**
 * `berth container SUBCOMMAND` (ls, run, create, start, stop, ... prune, inspect), forwarding
 * to the top-level commands as the docker CLI does, plus the helper the many-container
 * commands share: act on each name, print it on success, report each failure and exit 1.
 */
import { CliError } from '../http';
import { filtersJson, parseFlags } from '../flags';
import type { CommandContext, CommandFn } from '../main';
import { confirm } from '../prompt';
import { humanSize } from '../format';

/** Runs `act` for every container name; Docker prints each name done and each error. */
export async function forEachContainer(names: readonly string[], act: (name: string) => Promise<void>, print = true): Promise<number> {
  let failed = 0;
  for (const name of names) {
    try {
      await act(name);
      if (print) process.stdout.write(`${name}\n`);
    } catch (err) {
      failed++;
      process.stderr.write(`Error response from daemon: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed ? 1 : 0;
}

const SUBCOMMANDS: Record<string, string> = {
  ls: 'ps', list: 'ps', ps: 'ps', run: 'run', create: 'create', start: 'start', stop: 'stop', restart: 'restart',
  kill: 'kill', wait: 'wait', rm: 'rm', remove: 'rm', logs: 'logs', attach: 'attach', rename: 'rename', top: 'top',
  port: 'port', export: 'export', diff: 'diff', pause: 'pause', unpause: 'unpause', exec: 'exec', inspect: 'inspect',
  stats: 'stats', update: 'update',
};

async function prune(argv: string[], { client }: CommandContext): Promise<number> {
  const p = parseFlags(argv, { force: { type: 'bool', short: 'f' }, filter: { type: 'list' } });
  if (p.help) {
    process.stdout.write('Usage:  berth container prune [OPTIONS]\n\nRemove all stopped containers\n\nOptions:\n      --filter filter   Provide filter values (e.g. "until=<timestamp>")\n  -f, --force           Do not prompt for confirmation\n');
    return 0;
  }
  if (!p.bools.force && !(await confirm('WARNING! This will remove all stopped containers.\nAre you sure you want to continue?'))) return 0;
  const r = await client.json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>('/containers/prune', { method: 'POST', query: { filters: filtersJson(p.lists.filter) } });
  if (r.ContainersDeleted?.length) process.stdout.write(`Deleted Containers:\n${r.ContainersDeleted.join('\n')}\n\n`);
  process.stdout.write(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
  return 0;
}

export async function run(argv: string[], ctx: CommandContext): Promise<number | void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    process.stdout.write(`Usage:  berth container COMMAND\n\nManage containers\n\nCommands:\n  ${[...Object.keys(SUBCOMMANDS), 'prune'].sort().join('\n  ')}\n`);
    return sub ? 0 : 1;
  }
  if (sub === 'prune') return prune(rest, ctx);
  if (sub === 'inspect') {
    const inspect = require('./inspect') as { run(a: string[], c: CommandContext, t: 'container'): Promise<void> };
    return inspect.run(rest, ctx, 'container');
  }
  const mod = SUBCOMMANDS[sub];
  if (!mod) throw new CliError(`unknown command "${sub}" for "berth container"`);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { run: fn } = require(`./${mod}`) as { run: CommandFn };
  return fn(rest, ctx);
}
