/** `berth save [-o FILE] IMAGE...`: a tar of the images (docker-archive + OCI layout), like `docker save`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseFlags, requireArgs } from '../flags';
import { CliError, readAll } from '../http';
import type { CommandContext } from '../main';

const USAGE = `Usage:  berth save [OPTIONS] IMAGE [IMAGE...]

Save one or more images to a tar archive (streamed to STDOUT by default)

Options:
  -o, --output string   Write to a file, instead of STDOUT
`;

/** The docker CLI's ValidateOutputPath: a missing directory is named before anything is sent. */
export function validateOutputPath(output: string): void {
  const dir = path.dirname(path.normalize(output));
  if (dir !== '.' && !fs.existsSync(dir)) throw new CliError(`failed to save image: invalid output path: directory "${dir}" does not exist`);
}

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, { output: { type: 'string', short: 'o' } });
  if (p.help) {
    process.stdout.write(USAGE);
    return;
  }
  requireArgs('berth save', p.args, 1, Infinity, 'berth save --help');
  const output = p.strings.output;
  if (output) validateOutputPath(output);
  if (!output && process.stdout.isTTY) throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
  const res = await client.raw('/images/get', { query: { names: p.args } });
  if ((res.statusCode ?? 0) >= 400) {
    const body = (await readAll(res)).toString('utf8');
    let msg = body;
    try {
      msg = (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      // plain text
    }
    throw new CliError(msg, res.statusCode);
  }
  if (output) {
    const tmp = `${output}.tmp-${process.pid}`;
    try {
      await pipeline(res, fs.createWriteStream(tmp));
      fs.renameSync(tmp, output);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
  } else {
    await pipeline(res, process.stdout);
  }
}
