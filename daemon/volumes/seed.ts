/**
 * Seeding a volume from the image, as Docker does when an empty volume is mounted over a
 * path the image has content at: the content is copied into the volume with owners, modes,
 * timestamps and xattrs (`cp -a`, run on the host over the mounted rootfs), and the volume's
 * top directory takes the owner and mode of the image's directory. A volume that already has
 * anything in it is never touched (data wins over the image). The image path is resolved
 * inside the rootfs (layers/in-root.ts), so a symlink in the image cannot point the copy at
 * the host.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { resolveInRoot } from '../layers/in-root';
import { systemError } from '../errors';

const run = promisify(execFile);

export async function seedVolumes(rootfs: string, mounts: readonly { source: string; destination: string }[]): Promise<void> {
  for (const m of mounts) {
    const entries = await fs.readdir(m.source).catch(() => undefined);
    if (!entries || entries.length > 0) continue;
    const { host } = await resolveInRoot({ root: rootfs }, m.destination);
    const st = await fs.lstat(host).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    if ((await fs.readdir(host)).length > 0) {
      try {
        await run('cp', ['-a', '--', `${host}/.`, `${m.source}/`], { maxBuffer: 1 << 20 });
      } catch (err) {
        throw systemError(`copying the image's content at ${m.destination} into its volume failed: ${String((err as { stderr?: string }).stderr ?? err).trim()}`, err);
      }
    }
    await fs.chown(m.source, st.uid, st.gid);
    await fs.chmod(m.source, st.mode & 0o7777);
  }
}
