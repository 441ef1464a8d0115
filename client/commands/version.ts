/** `berth version`: client and server versions, like `docker version`. */
import type { CommandContext } from '../main';

export async function run(_args: string[], { client }: CommandContext): Promise<void> {
  const { BERTH_VERSION } = await import('../../daemon/version-info');
  process.stdout.write(`Client:\n Version:           ${BERTH_VERSION}\n API version:       1.47\n Node version:      ${process.version}\n OS/Arch:           linux/${process.arch === 'x64' ? 'amd64' : process.arch}\n\n`);
  const v = await client.json<Record<string, string>>('/version');
  process.stdout.write(`Server: berth\n Engine:\n  Version:          ${v.Version}\n  API version:      ${v.ApiVersion} (minimum version ${v.MinAPIVersion})\n  Node version:     ${v.GoVersion}\n  OS/Arch:          ${v.Os}/${v.Arch}\n  Kernel version:   ${v.KernelVersion}\n`);
}
