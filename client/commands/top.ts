/** `berth top CONTAINER`: the container's processes (UID PID PPID C STIME TTY TIME CMD). */
import { parseFlags, requireArgs } from '../flags';
import { tabwrite } from '../format';
import type { CommandContext } from '../main';

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, {}, { interspersed: false });
  if (p.help) {
    process.stdout.write('Usage:  berth top CONTAINER [ps OPTIONS]\n\nDisplay the running processes of a container\n');
    return;
  }
  requireArgs('berth top', p.args, 1, Infinity, 'berth top --help');
  const [name, ...psArgs] = p.args;
  const r = await client.json<{ Titles: string[]; Processes: string[][] }>(`/containers/${encodeURIComponent(name as string)}/top`, {
    query: { ps_args: psArgs.length ? psArgs.join(' ') : undefined },
  });
  process.stdout.write(tabwrite([r.Titles.join('\t'), ...r.Processes.map((row) => row.join('\t'))], 20, 1));
}
