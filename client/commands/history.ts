/** `berth history [-H] [--no-trunc] [-q] [--format] IMAGE` (also `image history`). */
import { parseFlags, requireArgs } from '../flags';
import { goTime, humanSizeWithPrecision, shortId, timeAgo } from '../format';
import type { CommandContext } from '../main';
import { Template } from '../template';
import type { HistoryItem } from '../../daemon/wire/types';

const HEADERS = { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' };

/** Docker truncates CREATED BY to 45 characters with an ellipsis unless --no-trunc. */
function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, {
    human: { type: 'bool', short: 'H' },
    'no-trunc': { type: 'bool' },
    quiet: { type: 'bool', short: 'q' },
    format: { type: 'string' },
  });
  if (p.help) {
    process.stdout.write('Usage:  berth history [OPTIONS] IMAGE\n\nShow the history of an image\n\nOptions:\n      --format string   Format output using a Go template\n  -H, --human           Print sizes and dates in human readable format (default true)\n      --no-trunc        Don\'t truncate output\n  -q, --quiet           Only show image IDs\n');
    return;
  }
  requireArgs('berth history', p.args, 1, 1, 'berth history --help');
  const human = p.bools.human ?? true;
  const noTrunc = !!p.bools['no-trunc'];
  const items = await client.json<HistoryItem[]>(`/images/${encodeURIComponent(p.args[0] as string)}/history`);
  const rows = items.map((h) => ({
    Comment: h.Comment,
    CreatedAt: human ? goTime(h.Created) : new Date(h.Created * 1000).toISOString().replace('.000Z', 'Z'),
    CreatedBy: noTrunc ? h.CreatedBy : ellipsis(h.CreatedBy.replace(/\t/g, ' '), 45),
    CreatedSince: human ? timeAgo(h.Created) : new Date(h.Created * 1000).toISOString().replace('.000Z', 'Z'),
    ID: h.Id === '<missing>' || noTrunc ? h.Id : shortId(h.Id),
    Size: human ? humanSizeWithPrecision(h.Size, 3) : String(h.Size),
  }));
  let format = p.strings.format;
  if (p.bools.quiet) format = '{{.ID}}';
  if (!format || format === 'table') format = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
  process.stdout.write(new Template(format).renderAll(rows, HEADERS));
}
