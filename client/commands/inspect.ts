/**
 * `berth inspect [--type container|image] [-f FORMAT] [-s] NAME...` (also `image inspect`):
 * a container first, then an image (like `docker inspect`), printed as a JSON array with
 * 4-space indent, or each object through the --format template. Names not found are
 * reported after the others are printed; the exit status is then 1.
 */
import { CliError } from '../http';
import { parseFlags, requireArgs } from '../flags';
import { prettyJson } from '../format';
import type { CommandContext } from '../main';
import { Template } from '../template';

type Kind = 'container' | 'image';

export async function inspectOne(ctx: CommandContext, name: string, types: Kind[], size: boolean): Promise<unknown | undefined> {
  for (const t of types) {
    const res = await ctx.client.raw(t === 'container' ? `/containers/${encodeURIComponent(name)}/json` : `/images/${encodeURIComponent(name)}/json`, {
      query: t === 'container' && size ? { size: '1' } : undefined,
    });
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    if (status === 404) continue;
    if (status >= 400) {
      let message = body.trim();
      try {
        message = (JSON.parse(body) as { message?: string }).message ?? message;
      } catch {
        // not JSON: keep the text
      }
      throw new CliError(message, status);
    }
    return JSON.parse(body) as unknown;
  }
  return undefined;
}

export async function run(argv: string[], ctx: CommandContext, forcedType?: Kind): Promise<void> {
  const p = parseFlags(argv, { type: { type: 'string' }, format: { type: 'string', short: 'f' }, size: { type: 'bool', short: 's' } });
  if (p.help) {
    process.stdout.write('Usage:  berth inspect [OPTIONS] NAME|ID [NAME|ID...]\n\nReturn low-level information on containers or images\n\nOptions:\n  -f, --format string   Format output using a Go template\n  -s, --size            Display total file sizes if the type is container\n      --type string     Return JSON for specified type\n');
    return;
  }
  requireArgs('berth inspect', p.args, 1, Infinity, 'berth inspect --help');
  const type = forcedType ?? (p.strings.type as Kind | undefined);
  if (type !== undefined && type !== 'container' && type !== 'image') throw new CliError(`"${type}" is not a valid value for --type`);
  const types: Kind[] = type ? [type] : ['container', 'image'];
  const found: unknown[] = [];
  const missing: string[] = [];
  for (const name of p.args) {
    const obj = await inspectOne(ctx, name, types, !!p.bools.size);
    if (obj === undefined) missing.push(type ? `No such ${type}: ${name}` : `No such object: ${name}`);
    else found.push(obj);
  }
  writeInspected(found, p.strings.format, missing);
}

/**
 * What every inspect prints: the objects found as a JSON array, or each through --format; then
 * one error naming every object not found (after the ones found are printed, as Docker does).
 */
export function writeInspected(found: unknown[], format: string | undefined, missing: string[]): void {
  if (format && format !== 'json') {
    const t = new Template(format);
    for (const obj of found) process.stdout.write(t.execute(obj) + '\n');
  } else {
    process.stdout.write(prettyJson(found) + '\n');
  }
  if (missing.length) throw new CliError(missing.join('\n'));
}
