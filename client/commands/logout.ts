/** `berth logout [SERVER]`, like `docker logout`: forgets the server's credentials in config.json. */
import { DOCKER_HUB_KEY, removeCredentials, serverKey } from '../auth-config';
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';

export async function run(argv: string[], _ctx: CommandContext): Promise<void> {
  const p = parseFlags(argv, {});
  if (p.help) {
    process.stdout.write('Usage:  berth logout [SERVER]\n\nLog out from a registry (Docker Hub when SERVER is omitted)\n');
    return;
  }
  requireArgs('berth logout', p.args, 0, 1, 'berth logout --help');
  const server = p.args[0] ?? DOCKER_HUB_KEY;
  const key = serverKey(server);
  if (!removeCredentials(server)) {
    process.stdout.write(`Not logged in to ${key}\n`);
    return;
  }
  process.stdout.write(`Removing login credentials for ${key}\n`);
}
