/**
 * `berth volume COMMAND`: create, ls, inspect, rm, prune, with the docker CLI's flags, output
 * and prompts (the daemon does the work: daemon/volumes).
 */
import { CliError } from '../http';
import { filtersJson, parseFlags } from '../flags';
import { humanSize, prettyJson, tabwrite } from '../format';
import type { CommandContext } from '../main';
import { confirm } from '../prompt';

const USAGE = `Usage:  berth volume COMMAND

Manage volumes

Commands:
  create      Create a volume
  inspect     Display detailed information on one or more volumes
  ls          List volumes
  prune       Remove unused local volumes
  rm          Remove one or more volumes
`;

interface Volume { Name: string; Driver: string; Mountpoint: string }

function keyValues(list: readonly string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0 && what === 'opt') throw new CliError(`invalid argument "${kv}" for "-o, --opt" flag: bad format`);
    if (i < 0) out[kv] = '';
    else out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE);
    return sub ? 0 : 1;
  }
  switch (sub) {
    case 'create': {
      const p = parseFlags(rest, { driver: { type: 'string', short: 'd' }, label: { type: 'list' }, opt: { type: 'list', short: 'o' }, name: { type: 'string' } });
      if (p.help) return void process.stdout.write('Usage:  berth volume create [OPTIONS] [VOLUME]\n\nCreate a volume\n\nOptions:\n  -d, --driver string   Specify volume driver name (default "local")\n      --label list      Set metadata for a volume\n  -o, --opt map         Set driver specific options\n');
      const v = await client.json<Volume>('/volumes/create', {
        method: 'POST',
        body: { Name: p.args[0] ?? p.strings.name ?? '', Driver: p.strings.driver ?? 'local', Labels: keyValues(p.lists.label, 'label'), DriverOpts: keyValues(p.lists.opt, 'opt') },
      });
      process.stdout.write(`${v.Name}\n`);
      return;
    }
    case 'ls': case 'list': {
      const p = parseFlags(rest, { quiet: { type: 'bool', short: 'q' }, filter: { type: 'list', short: 'f' } });
      if (p.help) return void process.stdout.write('Usage:  berth volume ls [OPTIONS]\n\nList volumes\n\nOptions:\n  -f, --filter filter   Provide filter values (e.g. "dangling=true")\n  -q, --quiet           Only display volume names\n');
      const r = await client.json<{ Volumes: Volume[] | null }>('/volumes', { query: { filters: filtersJson(p.lists.filter) } });
      const vols = r.Volumes ?? [];
      if (p.bools.quiet) process.stdout.write(vols.map((v) => `${v.Name}\n`).join(''));
      else process.stdout.write(tabwrite(['DRIVER\tVOLUME NAME', ...vols.map((v) => `${v.Driver}\t${v.Name}`)]));
      return;
    }
    case 'inspect': {
      const p = parseFlags(rest, {});
      if (p.args.length === 0) throw new CliError('"berth volume inspect" requires at least 1 argument.');
      const out: unknown[] = [];
      let failed = false;
      for (const name of p.args) {
        try {
          out.push(await client.json(`/volumes/${encodeURIComponent(name)}`));
        } catch (err) {
          failed = true;
          process.stderr.write(`Error: ${(err as Error).message}\n`);
        }
      }
      process.stdout.write(prettyJson(out) + '\n');
      return failed ? 1 : 0;
    }
    case 'rm': case 'remove': {
      const p = parseFlags(rest, { force: { type: 'bool', short: 'f' } });
      if (p.args.length === 0) throw new CliError('"berth volume rm" requires at least 1 argument.');
      let failed = false;
      for (const name of p.args) {
        try {
          await client.request(`/volumes/${encodeURIComponent(name)}`, { method: 'DELETE', query: { force: p.bools.force ? '1' : undefined } });
          process.stdout.write(`${name}\n`);
        } catch (err) {
          failed = true;
          process.stderr.write(`Error response from daemon: ${(err as Error).message}\n`);
        }
      }
      return failed ? 1 : 0;
    }
    case 'prune': {
      const p = parseFlags(rest, { all: { type: 'bool', short: 'a' }, force: { type: 'bool', short: 'f' }, filter: { type: 'list' } });
      // without this, --help fell through to the confirmation prompt (and hung `berth completion`)
      if (p.help) return void process.stdout.write('Usage:  berth volume prune [OPTIONS]\n\nRemove unused local volumes\n\nOptions:\n  -a, --all             Remove all unused volumes, not just anonymous ones\n      --filter filter   Provide filter values (e.g. "label=<label>")\n  -f, --force           Do not prompt for confirmation\n');
      const warning = p.bools.all ? 'WARNING! This will remove all local volumes not used by at least one container.' : 'WARNING! This will remove anonymous local volumes not used by at least one container.';
      if (!p.bools.force && !(await confirm(`${warning}\nAre you sure you want to continue?`))) return;
      const filters = [...(p.lists.filter ?? []), ...(p.bools.all ? ['all=true'] : [])];
      const r = await client.json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>('/volumes/prune', { method: 'POST', query: { filters: filtersJson(filters) } });
      if (r.VolumesDeleted?.length) process.stdout.write(`Deleted Volumes:\n${r.VolumesDeleted.map((n) => `${n}\n`).join('')}\n`);
      process.stdout.write(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
      return;
    }
    default:
      throw new CliError(`'volume ${sub}' is not a berth command.\nSee 'berth volume --help'`);
  }
}
