/** `berth export [-o FILE] CONTAINER`: the container's filesystem as a tar, to stdout or a file. */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { CliError } from '../http';
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, { output: { type: 'string', short: 'o' } });
  if (p.help) {
    process.stdout.write('Usage:  berth export [OPTIONS] CONTAINER\n\nExport a container\'s filesystem as a tar archive\n\nOptions:\n  -o, --output string   Write to a file, instead of STDOUT\n');
    return;
  }
  requireArgs('berth export', p.args, 1, 1, 'berth export --help');
  if (!p.strings.output && process.stdout.isTTY) throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
  const body = await client.raw(`/containers/${encodeURIComponent(p.args[0] as string)}/export`);
  if ((body.statusCode ?? 0) >= 400) {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    let msg = text;
    try {
      msg = (JSON.parse(text) as { message: string }).message;
    } catch {
      // not JSON
    }
    throw new CliError(msg, body.statusCode);
  }
  await pipeline(body, p.strings.output ? createWriteStream(p.strings.output) : process.stdout);
}
