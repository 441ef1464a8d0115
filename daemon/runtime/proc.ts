/**
 * Process identity from /proc: a pid plus its start time (field 22 of /proc/<pid>/stat,
 * clock ticks since boot) names one process for good, so a recycled pid is never mistaken
 * for a container's init or monitor.
 */
import { promises as fs } from 'node:fs';

/** The start time of pid, or undefined when no such process exists. */
export async function readStartTime(pid: number): Promise<number | undefined> {
  let stat: string;
  try {
    stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return parseStartTime(stat);
}

/** Parses field 22 of a /proc/<pid>/stat line; comm (field 2) may contain spaces and ')'. */
export function parseStartTime(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 is fields[19]
  const v = Number(fields[19]);
  return Number.isFinite(v) ? v : undefined;
}

/** True when pid is alive (zombies count as gone) and still the process that started at startTime. */
export async function isSameProcess(pid: number, startTime: number): Promise<boolean> {
  let stat: string;
  try {
    stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const close = stat.lastIndexOf(')');
  if (stat.charAt(close + 2) === 'Z') return false;
  return parseStartTime(stat) === startTime;
}
