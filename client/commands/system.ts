/**
 * `berth system df [-v] [--format]`, `system info`, `system prune [-a] [-f] [--filter]`.
 * df prints Docker's TYPE TOTAL ACTIVE SIZE RECLAIMABLE table (and the per-object tables
 * with -v); prune removes stopped containers (when the daemon has them) then unused images.
 */
import { CliError } from '../http';
import { filtersJson, parseFlags } from '../flags';
import { humanSize, shortId, tabwrite, timeAgo } from '../format';
import type { CommandContext } from '../main';
import { confirm } from '../prompt';
import { Template } from '../template';
import { IMAGE_HEADERS, ImageSummary, imageRows } from './images';

interface DiskUsage {
  LayersSize: number;
  Images: ImageSummary[] | null;
  Containers: Record<string, unknown>[] | null;
}

const pct = (part: number, total: number) => (total > 0 ? `${humanSize(part)} (${Math.trunc((part * 100) / total)}%)` : humanSize(part));

export function dfSummary(du: DiskUsage): Record<string, string>[] {
  const images = du.Images ?? [];
  const containers = du.Containers ?? [];
  let used = 0;
  for (const i of images) if (i.Containers > 0 && i.Size >= 0 && i.SharedSize >= 0) used += i.Size - i.SharedSize;
  const cSize = containers.reduce((n, c) => n + Number(c.SizeRw ?? 0), 0);
  const cReclaim = containers.filter((c) => c.State !== 'running').reduce((n, c) => n + Number(c.SizeRw ?? 0), 0);
  return [
    { Type: 'Images', TotalCount: String(images.length), Active: String(images.filter((i) => i.Containers > 0).length), Size: humanSize(du.LayersSize), Reclaimable: pct(du.LayersSize - used, du.LayersSize) },
    { Type: 'Containers', TotalCount: String(containers.length), Active: String(containers.filter((c) => c.State === 'running').length), Size: humanSize(cSize), Reclaimable: pct(cReclaim, cSize) },
    { Type: 'Local Volumes', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
    { Type: 'Build Cache', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
  ];
}

async function df(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, { verbose: { type: 'bool', short: 'v' }, format: { type: 'string' } });
  const du = await client.json<DiskUsage>('/system/df');
  if (!p.bools.verbose) {
    const format = p.strings.format && p.strings.format !== 'table' ? (p.strings.format === 'json' ? '{{json .}}' : p.strings.format) : 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
    process.stdout.write(new Template(format).renderAll(dfSummary(du), { TotalCount: 'TOTAL', Reclaimable: 'RECLAIMABLE' }));
    return;
  }
  process.stdout.write('Images space usage:\n\n');
  const rows = (du.Images ?? []).flatMap((i) => imageRows(i, { digests: false, noTrunc: false }));
  process.stdout.write(new Template('table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}').renderAll(rows, IMAGE_HEADERS));
  process.stdout.write('\nContainers space usage:\n\n');
  const lines = ['CONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES'];
  for (const c of du.Containers ?? []) {
    const names = ((c.Names as string[] | undefined) ?? []).map((n) => n.replace(/^\//, '')).join(',');
    const cmd = String(c.Command ?? '');
    lines.push([shortId(String(c.Id ?? '')), String(c.Image ?? ''), `"${cmd.length > 20 ? cmd.slice(0, 19) + '…' : cmd}"`, '0', humanSize(Number(c.SizeRw ?? 0)), timeAgo(Number(c.Created ?? 0)), String(c.Status ?? ''), names].join('\t'));
  }
  process.stdout.write(tabwrite(lines));
  process.stdout.write('\nLocal Volumes space usage:\n\n' + tabwrite(['VOLUME NAME\tLINKS\tSIZE']) + '\nBuild cache usage: 0B\n\n' + tabwrite(['CACHE ID\tCACHE TYPE\tSIZE\tCREATED\tLAST USED\tUSAGE\tSHARED']));
}

async function prune(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, { all: { type: 'bool', short: 'a' }, force: { type: 'bool', short: 'f' }, filter: { type: 'list' }, volumes: { type: 'bool' } });
  const images = p.bools.all ? 'all images without at least one container associated to them' : 'all dangling images';
  const question = `WARNING! This will remove:\n  - all stopped containers\n  - ${images}\n  - unused build cache\n\nAre you sure you want to continue?`;
  if (!p.bools.force && !(await confirm(question))) return;
  let reclaimed = 0;
  const res = await client.raw('/containers/prune', { method: 'POST', query: { filters: filtersJson(p.lists.filter) } });
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  if (res.statusCode === 200) {
    const r = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ContainersDeleted?: string[] | null; SpaceReclaimed?: number };
    if (r.ContainersDeleted?.length) process.stdout.write(`Deleted Containers:\n${r.ContainersDeleted.join('\n')}\n\n`);
    reclaimed += r.SpaceReclaimed ?? 0;
  } else if (res.statusCode !== 404) throw new CliError(`pruning containers failed: HTTP ${res.statusCode}`);
  const filters = [...(p.lists.filter ?? []), `dangling=${p.bools.all ? 'false' : 'true'}`];
  const r = await client.json<{ ImagesDeleted: { Untagged?: string; Deleted?: string }[] | null; SpaceReclaimed: number }>('/images/prune', { method: 'POST', query: { filters: filtersJson(filters) } });
  if (r.ImagesDeleted?.length) {
    process.stdout.write('Deleted Images:\n');
    for (const it of r.ImagesDeleted) process.stdout.write(it.Untagged ? `untagged: ${it.Untagged}\n` : `deleted: ${it.Deleted}\n`);
    process.stdout.write('\n');
  }
  reclaimed += r.SpaceReclaimed;
  process.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
}

const USAGE = 'Usage:  berth system COMMAND\n\nManage berth\n\nCommands:\n  check       Verify the image store and find leftovers (--repair fixes them)\n  df          Show disk usage\n  info        Display system-wide information\n  prune       Remove unused data\n';

export async function run(argv: string[], ctx: CommandContext): Promise<number | void> {
  const [sub, ...rest] = argv;
  if (sub === 'df') return df(rest, ctx);
  if (sub === 'prune') return prune(rest, ctx);
  if (sub === 'info') return (await import('./info')).run(rest, ctx);
  if (sub === 'check') return (await import('./system-check')).run(rest, ctx);
  if (!sub || sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE);
    return sub ? 0 : 1;
  }
  throw new CliError(`'system ${sub}' is not a berth command.\nSee 'berth system --help'`);
}
