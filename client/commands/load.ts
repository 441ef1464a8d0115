/** `berth load [-i FILE] [-q]`: images from a tar archive (docker-archive or OCI layout), like `docker load`. */
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { parseFlags, requireArgs } from '../flags';
import { CliError } from '../http';
import type { CommandContext } from '../main';

const USAGE = `Usage:  berth load [OPTIONS]

Load an image from a tar archive or STDIN

Options:
  -i, --input string   Read from tar archive file, instead of STDIN
  -q, --quiet          Suppress the load output
`;

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, { input: { type: 'string', short: 'i' }, quiet: { type: 'bool', short: 'q' } });
  if (p.help) {
    process.stdout.write(USAGE);
    return;
  }
  requireArgs('berth load', p.args, 0, 0, 'berth load --help');
  let body: Readable;
  if (p.strings.input) {
    if (!fs.existsSync(p.strings.input)) throw new CliError(`open ${p.strings.input}: no such file or directory`);
    body = fs.createReadStream(p.strings.input);
  } else {
    if (process.stdin.isTTY) throw new CliError('requested load from stdin, but stdin is empty');
    body = process.stdin;
  }
  await client.stream(
    '/images/load',
    { method: 'POST', query: { quiet: p.bools.quiet || !process.stdout.isTTY ? '1' : '0' }, headers: { 'Content-Type': 'application/x-tar' }, bodyStream: body },
    (m) => {
      if (typeof m.stream === 'string') process.stdout.write(m.stream);
    },
  );
}
