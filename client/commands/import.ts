/** `berth import [-c CHANGE] [-m MSG] FILE|URL|- [REPO[:TAG]]`: a filesystem tarball as an image. */
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { parseFlags, requireArgs } from '../flags';
import { CliError } from '../http';
import type { CommandContext } from '../main';

const USAGE = `Usage:  berth import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]

Import the contents from a tarball to create a filesystem image

Options:
  -c, --change list       Apply Dockerfile instruction to the created image
  -m, --message string    Set commit message for imported image
      --platform string   Set platform if server is multi-platform capable
`;

function splitRepoTag(s: string): { repo: string; tag?: string } {
  const at = s.indexOf('@');
  if (at >= 0) return { repo: s };
  const colon = s.lastIndexOf(':');
  if (colon > s.lastIndexOf('/')) return { repo: s.slice(0, colon), tag: s.slice(colon + 1) };
  return { repo: s };
}

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, { change: { type: 'list', short: 'c' }, message: { type: 'string', short: 'm' }, platform: { type: 'string' } });
  if (p.help) {
    process.stdout.write(USAGE);
    return;
  }
  requireArgs('berth import', p.args, 1, 2, 'berth import --help');
  const src = p.args[0] as string;
  const target = p.args[1] ? splitRepoTag(p.args[1]) : undefined;
  let fromSrc = src;
  let body: Readable | undefined;
  if (src === '-') body = process.stdin;
  else if (!/^https?:\/\//i.test(src)) {
    if (!fs.existsSync(src)) throw new CliError(`open ${src}: no such file or directory`);
    body = fs.createReadStream(src);
    fromSrc = '-';
  }
  let id = '';
  await client.stream(
    '/images/create',
    {
      method: 'POST',
      query: { fromSrc, repo: target?.repo, tag: target?.tag, changes: p.lists.change, message: p.strings.message, platform: p.strings.platform },
      headers: { 'Content-Type': 'application/x-tar' },
      bodyStream: body ?? Readable.from([]),
    },
    (m) => {
      if (typeof m.status === 'string') id = m.status;
    },
  );
  process.stdout.write(`${id}\n`);
}
