/**
 * One daemon per set of roots. A pid file in each root names the daemon that owns it; a second
 * berthd finds a live owner and refuses to start with a clear message. A pid file left by a
 * crashed daemon (its pid is gone, or is not a berthd) is taken over.
 */
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BerthError } from './errors';

const LOCK_NAME = 'berthd.pid';

function ownerOf(file: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('berthd') || cmdline.includes('daemon/main') ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function acquireRootLocks(roots: readonly string[]): Promise<() => Promise<void>> {
  const files: string[] = [];
  for (const root of roots) {
    await fs.mkdir(root, { recursive: true, mode: 0o711 });
    const file = path.join(root, LOCK_NAME);
    const owner = ownerOf(file);
    if (owner !== undefined) {
      throw new BerthError('Conflict', `another berthd (pid ${owner}) is already running on ${root}; stop it first or choose other --data-root/--exec-root`);
    }
    await fs.writeFile(file, `${process.pid}\n`);
    files.push(file);
  }
  return async () => {
    for (const f of files) await fs.rm(f, { force: true });
  };
}
