/**
 * Live sandboxes: for each running container on bridge networks, its namespace file and the
 * exact netavark input that set it up, kept in memory and in `<exec-root>/netns/<id>.json`
 * (written before the setup, so a crash at any point leaves enough to undo it). Teardown
 * uses the same input; recovery at start re-reads the files.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { atomicWriteJson, readJsonIfExists } from '../store/atomic';
import type { NetavarkInput } from './netavark';

export interface Sandbox {
  containerId: string;
  netns: string;
  input: NetavarkInput;
}

export class SandboxFiles {
  constructor(readonly dir: string) {}

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  async save(sb: Sandbox): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await atomicWriteJson(this.file(sb.containerId), sb);
  }

  async remove(id: string): Promise<void> {
    await fs.rm(this.file(id), { force: true });
  }

  async loadAll(): Promise<Sandbox[]> {
    const out: Sandbox[] = [];
    for (const n of await fs.readdir(this.dir).catch(() => [] as string[])) {
      const m = /^([a-f0-9]{64})\.json$/.exec(n);
      if (!m) continue;
      const v = (await readJsonIfExists(path.join(this.dir, n)).catch(() => undefined)) as Partial<Sandbox> | undefined;
      if (v && v.containerId === m[1] && typeof v.netns === 'string' && v.input && Array.isArray(v.input.attachments)) out.push(v as Sandbox);
      else await fs.rm(path.join(this.dir, n), { force: true });
    }
    return out;
  }
}
