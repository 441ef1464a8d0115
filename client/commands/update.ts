/** `berth update [OPTIONS] CONTAINER...`: changes limits and the restart policy, running or not. */
import { CliError } from '../http';
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { forEachContainer } from './container';
import { restartPolicy } from './health-flags';
import { RESOURCE_FLAGS, RESOURCE_HELP, resourcesFromFlags } from './resource-flags';

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const p = parseFlags(argv, { ...RESOURCE_FLAGS, restart: { type: 'string' } });
  if (p.help) {
    process.stdout.write(`Usage:  berth update [OPTIONS] CONTAINER [CONTAINER...]\n\nUpdate configuration of one or more containers\n\nOptions:\n${RESOURCE_HELP}      --restart string          Restart policy to apply when a container exits\n`);
    return;
  }
  requireArgs('berth update', p.args, 1, Infinity, 'berth update --help');
  const body: Record<string, unknown> = resourcesFromFlags(p);
  const restart = p.strings.restart;
  if (restart !== undefined) body.RestartPolicy = restartPolicy(restart);
  if (Object.keys(body).length === 0) throw new CliError('you must provide one or more flags when using this command');
  return forEachContainer(p.args, async (name) => {
    const r = await client.json<{ Warnings?: string[] | null }>(`/containers/${encodeURIComponent(name)}/update`, { method: 'POST', body });
    for (const w of r.Warnings ?? []) process.stderr.write(`WARNING: ${w}\n`);
  });
}
