/**
 * `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`: published ports, from the container's
 * NetworkSettings.Ports (what `-p`/`-P` got at its start).
 */
import { CliError } from '../http';
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, {});
  if (p.help) {
    process.stdout.write('Usage:  berth port CONTAINER [PRIVATE_PORT[/PROTO]]\n\nList port mappings or a specific mapping for the container\n');
    return;
  }
  requireArgs('berth port', p.args, 1, 2, 'berth port --help');
  const c = await client.json<{ NetworkSettings?: { Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> } }>(`/containers/${encodeURIComponent(p.args[0] as string)}/json`);
  const ports = c.NetworkSettings?.Ports ?? {};
  const want = p.args[1] ? (p.args[1].includes('/') ? p.args[1] : `${p.args[1]}/tcp`) : undefined;
  if (want && !ports[want]) throw new CliError(`No public port '${want}' published for ${p.args[0]}`);
  for (const [key, bindings] of Object.entries(ports)) {
    if (want && key !== want) continue;
    for (const b of bindings ?? []) process.stdout.write(want ? `${b.HostIp}:${b.HostPort}\n` : `${key} -> ${b.HostIp}:${b.HostPort}\n`);
  }
}
