/**
 * `docker top`: the container's processes as `ps -ef` shows them (UID PID PPID C STIME TTY
 * TIME CMD), read from /proc for the pids the runtime reports.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';

export const TOP_TITLES = ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'];

const CLK_TCK = 100;

async function userNames(): Promise<Map<number, string>> {
  const m = new Map<number, string>();
  const text = await fs.readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name && uid && !m.has(Number(uid))) m.set(Number(uid), name);
  }
  return m;
}

function hms(seconds: number): string {
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = Math.floor(seconds % 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

function ttyName(ttyNr: number): string {
  if (ttyNr === 0) return '?';
  const major = (ttyNr >> 8) & 0xfff, minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major === 136) return `pts/${minor}`;
  if (major === 4) return `tty${minor}`;
  return '?';
}

async function bootTimeMs(): Promise<number> {
  const stat = await fs.readFile('/proc/stat', 'utf8').catch(() => '');
  const m = /^btime (\d+)/m.exec(stat);
  return m ? Number(m[1]) * 1000 : Date.now() - os.uptime() * 1000;
}

/** One row per pid still alive. */
export async function topRows(pids: number[]): Promise<string[][]> {
  const users = await userNames();
  const boot = await bootTimeMs();
  const now = Date.now();
  const rows: string[][] = [];
  for (const pid of pids) {
    try {
      const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
      const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
      const cmdline = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean).join(' ');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      const ppid = Number(f[1]);
      const ttyNr = Number(f[4]);
      const cpuSecs = (Number(f[11]) + Number(f[12])) / CLK_TCK;
      const startMs = boot + (Number(f[19]) / CLK_TCK) * 1000;
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const elapsed = Math.max(1, (now - startMs) / 1000);
      const c = Math.floor((cpuSecs / elapsed) * 100);
      const start = new Date(startMs);
      const stime = now - startMs < 24 * 3600 * 1000
        ? `${String(start.getHours()).padStart(2, '0')}:${String(start.getMinutes()).padStart(2, '0')}`
        : start.toLocaleString('en-US', { month: 'short', day: '2-digit' }).replace(' ', '');
      rows.push([users.get(uid) ?? String(uid), String(pid), String(ppid), String(c), stime, ttyName(ttyNr), hms(cpuSecs), cmdline || `[${comm}]`]);
    } catch {
      // The process ended between listing and reading: skip it, as ps does.
    }
  }
  return rows;
}
