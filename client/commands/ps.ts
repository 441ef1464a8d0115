/**
 * `berth ps` (also `container ls`): CONTAINER ID, IMAGE, COMMAND, CREATED, STATUS, PORTS,
 * NAMES like `docker ps`, with -a, -q, -n, -l, -s, --no-trunc, --filter and --format
 * (fields of docker/cli's container formatter).
 */
import { filtersJson, parseFlags } from '../flags';
import type * as Format from '../format';
import type { CommandContext } from '../main';
import type * as Tmpl from '../template';

/**
 * The table's modules are required when the table is made (and warmed while the daemon
 * answers): `ps -q` never loads them (bench/RESULTS.md, "CLI start-up").
 */
const fmt = (): typeof Format => require('../format') as typeof Format;
const template = (): typeof Tmpl => require('../template') as typeof Tmpl;

interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
  Labels: Record<string, string> | null;
  State: string;
  Status: string;
  SizeRw?: number;
  SizeRootFs?: number;
  Mounts?: { Name?: string; Source?: string }[];
  NetworkSettings?: { Networks?: Record<string, unknown> };
}

export const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS',
  State: 'STATE', Status: 'STATUS', Size: 'SIZE', Names: 'NAMES', Labels: 'LABELS', Mounts: 'MOUNTS', Networks: 'NETWORKS',
  LocalVolumes: 'LOCAL VOLUMES',
};

/** docker/cli's Ellipsis: at most `max` characters, the last one "…" when cut. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

function ports(c: ContainerSummary): string {
  return c.Ports.map((p) => (p.PublicPort ? `${p.IP ?? ''}:${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`)).join(', ');
}

/** The `--format` view of one container (docker/cli formatter/container.go). */
export function psRow(c: ContainerSummary, trunc: boolean, now = Date.now()): Record<string, unknown> {
  const names = c.Names.map((n) => n.replace(/^\//, '')).filter((n) => !trunc || !n.includes('/'));
  const { goTime, humanDuration, humanSizeWithPrecision } = fmt();
  const srw = humanSizeWithPrecision(c.SizeRw ?? 0, 3);
  const labels = Object.entries(c.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  // Keys in the order Go's JSON encoder writes them (sorted), for `--format '{{json .}}'`.
  return {
    Command: JSON.stringify(trunc ? ellipsis(c.Command, 20) : c.Command),
    CreatedAt: goTime(c.Created),
    ID: trunc ? c.Id.slice(0, 12) : c.Id,
    Image: trunc && c.Image.startsWith('sha256:') ? c.Image.slice(7, 19) : c.Image,
    Labels: labels,
    LocalVolumes: '0',
    Mounts: (c.Mounts ?? []).map((m) => m.Name || m.Source || '').map((n) => (trunc ? ellipsis(n, 15) : n)).join(','),
    Names: names.join(','),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).join(','),
    Platform: null,
    Ports: ports(c),
    RunningFor: `${humanDuration(now - c.Created * 1000)} ago`,
    Size: c.SizeRootFs ? `${srw} (virtual ${humanSizeWithPrecision(c.SizeRootFs, 3)})` : srw,
    State: c.State,
    Status: c.Status,
  };
}

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, {
    all: { type: 'bool', short: 'a' }, quiet: { type: 'bool', short: 'q' }, last: { type: 'int', short: 'n' },
    latest: { type: 'bool', short: 'l' }, size: { type: 'bool', short: 's' }, 'no-trunc': { type: 'bool' },
    filter: { type: 'list', short: 'f' }, format: { type: 'string' },
  });
  if (p.help) {
    process.stdout.write('Usage:  berth ps [OPTIONS]\n\nList containers\n\nOptions:\n  -a, --all             Show all containers (default shows just running)\n  -f, --filter filter   Filter output based on conditions provided\n      --format string   Format output using a custom template\n  -n, --last int        Show n last created containers (includes all states) (default -1)\n  -l, --latest          Show the latest created container (includes all states)\n      --no-trunc        Don\'t truncate output\n  -q, --quiet           Only display container IDs\n  -s, --size            Display total file sizes\n');
    return;
  }
  const limit = p.bools.latest ? 1 : p.ints.last !== undefined && p.ints.last > 0 ? p.ints.last : undefined;
  const format = p.strings.format;
  const wantsSize = !!p.bools.size || (format !== undefined && (format.includes('.Size') || format.includes('json .')));
  const listed = client.json<ContainerSummary[]>('/containers/json', {
    query: { all: p.bools.all ? 1 : undefined, limit, size: wantsSize ? 1 : undefined, filters: filtersJson(p.lists.filter) },
  });
  if (!p.bools.quiet) setImmediate(() => (fmt(), template()));
  const list = await listed;
  const trunc = !p.bools['no-trunc'];
  if (p.bools.quiet) {
    for (const c of list) process.stdout.write(`${trunc ? c.Id.slice(0, 12) : c.Id}\n`);
    return;
  }
  const tmpl = format && format !== 'table'
    ? format
    : `table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}${p.bools.size ? '\t{{.Size}}' : ''}`;
  const rows = list.map((c) => psRow(c, trunc));
  process.stdout.write(new (template().Template)(tmpl).renderAll(rows, PS_HEADERS));
}
