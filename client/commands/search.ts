/** `berth search [--limit N] [--filter] [--no-trunc] [--format] TERM`: NAME DESCRIPTION STARS OFFICIAL. */
import { filtersJson, parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { Template } from '../template';

import type { SearchResult } from '../../daemon/wire/types';

const HEADERS = { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL', IsAutomated: 'AUTOMATED' };

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, {
    limit: { type: 'int' },
    filter: { type: 'list', short: 'f' },
    'no-trunc': { type: 'bool' },
    format: { type: 'string' },
  });
  if (p.help) {
    process.stdout.write('Usage:  berth search [OPTIONS] TERM\n\nSearch a registry for images (HOST:PORT/TERM searches that registry\'s catalog)\n\nOptions:\n  -f, --filter filter   Filter output based on conditions provided\n      --format string   Pretty-print search using a Go template\n      --limit int       Max number of search results\n      --no-trunc        Don\'t truncate output\n');
    return;
  }
  requireArgs('berth search', p.args, 1, 1, 'berth search --help');
  const results = await client.json<SearchResult[]>('/images/search', {
    query: { term: p.args[0], limit: p.ints.limit, filters: filtersJson(p.lists.filter) },
    headers: { 'X-Registry-Auth': 'e30=' },
  });
  const rows = results.map((r) => {
    let desc = r.description.replace(/\n/g, ' ');
    if (!p.bools['no-trunc'] && [...desc].length > 45) desc = [...desc].slice(0, 44).join('') + '…';
    return { Name: r.name, Description: desc, StarCount: String(r.star_count), IsOfficial: r.is_official ? '[OK]' : '', IsAutomated: r.is_automated ? '[OK]' : '' };
  });
  const format = !p.strings.format || p.strings.format === 'table' ? 'table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}' : p.strings.format;
  process.stdout.write(new Template(format).renderAll(rows, HEADERS));
}
