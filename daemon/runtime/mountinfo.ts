/**
 * /proc/self/mountinfo parsing: which paths are mount points, so rootfs unmounts are
 * idempotent and stale mounts can be found after a daemon crash.
 */
import { promises as fs } from 'node:fs';

export interface MountEntry {
  mountPoint: string;
  fstype: string;
  source: string;
}

/** Mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 0 || fields.length < sep + 3) continue;
    out.push({ mountPoint: unescape(fields[4] ?? ''), fstype: fields[sep + 1] ?? '', source: unescape(fields[sep + 2] ?? '') });
  }
  return out;
}

export async function readMountinfo(file = '/proc/self/mountinfo'): Promise<MountEntry[]> {
  return parseMountinfo(await fs.readFile(file, 'utf8'));
}

export async function isMountPoint(p: string): Promise<boolean> {
  return (await readMountinfo()).some((m) => m.mountPoint === p);
}
