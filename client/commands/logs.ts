/**
 * `berth logs [-f] [--tail N] [-t] [--since T] [--until T] CONTAINER`: the container's output
 * from its json-file log; stdcopy frames are split back into stdout and stderr unless the
 * container has a tty.
 */
import { CliError, readAll } from '../http';
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { Demux, inspectContainer } from './attach';

/** Docker's --since/--until: RFC 3339, unix seconds, or a duration ago ("10m", "1h30m"). */
export function timestampParam(v: string | undefined, now = Date.now()): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return v;
  const dur = /^((\d+(?:\.\d+)?)h)?((\d+(?:\.\d+)?)m)?((\d+(?:\.\d+)?)s)?$/.exec(v);
  if (dur && (dur[1] || dur[3] || dur[5])) {
    const secs = Number(dur[2] ?? 0) * 3600 + Number(dur[4] ?? 0) * 60 + Number(dur[6] ?? 0);
    return ((now / 1000) - secs).toFixed(9);
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new CliError(`invalid value for "since": "${v}" is not a valid timestamp`);
  return (t / 1000).toFixed(9);
}

const USAGE = `Usage:  berth logs [OPTIONS] CONTAINER

Fetch the logs of a container

Options:
  -f, --follow         Follow log output
      --since string   Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)
  -n, --tail string    Number of lines to show from the end of the logs (default "all")
  -t, --timestamps     Show timestamps
      --until string   Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)
`;

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, {
    follow: { type: 'bool', short: 'f' }, tail: { type: 'string', short: 'n' }, timestamps: { type: 'bool', short: 't' },
    since: { type: 'string' }, until: { type: 'string' }, details: { type: 'bool' },
  });
  if (p.help) {
    process.stdout.write(USAGE);
    return;
  }
  requireArgs('berth logs', p.args, 1, 1, 'berth logs --help');
  const c = await inspectContainer(client, p.args[0] as string);
  const res = await client.raw(`/containers/${c.Id}/logs`, {
    query: {
      stdout: 1, stderr: 1, follow: p.bools.follow ? 1 : undefined, timestamps: p.bools.timestamps ? 1 : undefined,
      tail: p.strings.tail, since: timestampParam(p.strings.since), until: timestampParam(p.strings.until),
    },
  });
  if ((res.statusCode ?? 0) >= 400) {
    const body = (await readAll(res)).toString();
    let msg = body;
    try {
      msg = (JSON.parse(body) as { message: string }).message;
    } catch {
      // not JSON
    }
    throw new CliError(msg, res.statusCode);
  }
  const demux = new Demux();
  for await (const chunk of res) {
    if (c.Config.Tty) process.stdout.write(chunk as Buffer);
    else demux.push(chunk as Buffer);
  }
}
