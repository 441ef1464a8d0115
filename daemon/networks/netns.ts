/**
 * Persistent network namespaces: `<exec-root>/netns/<container id>`, an nsfs bind mount made
 * by util-linux `unshare --net=FILE` (the daemon itself must never unshare: see
 * research/ffi.md). The namespace exists before the container's process, so its veth and
 * address are set up from the host side before the start (no race with the user's process),
 * it is what NetworkSettings.SandboxKey names, and it outlives a berthd crash: reconcile()
 * at start removes the ones no running container uses.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { systemError } from '../errors';
import type { RunTool } from './exec';

export class NetnsDir {
  constructor(readonly dir: string, private readonly run: RunTool) {}

  pathOf(id: string): string {
    return path.join(this.dir, id);
  }

  /** Makes a new namespace bound at pathOf(id). Idempotent: an existing one is kept. */
  async create(id: string): Promise<string> {
    const file = this.pathOf(id);
    if (await this.isBound(file)) return file;
    await fs.mkdir(this.dir, { recursive: true });
    await fs.writeFile(file, '', { mode: 0o444 });
    const r = await this.run('unshare', [`--net=${file}`, 'true']);
    if (r.code !== 0) {
      await fs.rm(file, { force: true });
      throw systemError(`creating the network namespace for ${id.slice(0, 12)} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
    }
    return file;
  }

  /** Unmounts and deletes it; idempotent. */
  async remove(id: string): Promise<void> {
    const file = this.pathOf(id);
    if (await this.isBound(file)) {
      const r = await this.run('umount', [file]);
      if (r.code !== 0 && (await this.isBound(file))) throw systemError(`unmounting the network namespace ${file} failed: ${r.stderr.trim()}`);
    }
    await fs.rm(file, { force: true });
  }

  /** Ids with a namespace file (bound or a leftover). */
  async list(): Promise<string[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => /^[a-f0-9]{64}$/.test(n));
  }

  private async isBound(file: string): Promise<boolean> {
    const info = await fs.readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
    return info.split('\n').some((l) => l.split(' ')[4] === file);
  }
}
