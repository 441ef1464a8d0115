/**
 * How Docker describes a container in words: the `Status` column ("Up 2 minutes",
 * "Exited (0) 4 minutes ago", "Created"), the human durations behind it (go-units
 * HumanDuration), the `Command` of `ps` (args with spaces quoted), the exit code of a failed
 * start. Pure.
 */
import { StartError } from '../runtime/helper-error';
import type { ContainerRecord } from './record';
import { ZERO_TIME } from './record';
import { healthSuffix } from './health';

/** go-units HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3600000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3600000 / 24 / 365)} years`;
}

function since(iso: string, now: number): string {
  return humanDuration(Math.max(0, now - Date.parse(iso)));
}

/** Docker's container State.String(). */
export function statusText(rec: ContainerRecord, now = Date.now()): string {
  const s = rec.State;
  switch (s.Status) {
    case 'running':
      return `Up ${since(s.StartedAt, now)}${healthSuffix(s.Health)}`;
    case 'paused':
      return `Up ${since(s.StartedAt, now)} (Paused)`;
    case 'restarting':
      return `Restarting (${s.ExitCode}) ${since(s.FinishedAt, now)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'exited':
      if (s.FinishedAt === ZERO_TIME) return `Exited (${s.ExitCode})`;
      return `Exited (${s.ExitCode}) ${since(s.FinishedAt, now)} ago`;
    default:
      return 'Created';
  }
}

/** The `Command` of GET /containers/json: path and args, args containing spaces in single quotes. */
export function commandText(rec: Pick<ContainerRecord, 'Path' | 'Args'>): string {
  if (rec.Args.length === 0) return rec.Path;
  return `${rec.Path} ${rec.Args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}

/**
 * The exit code recorded for a start failure: the helper's own for a command that was not
 * found (127) or not executable (126), as Docker records them; 128 for any other failure.
 */
export function exitCodeForStartError(err: unknown): number {
  return err instanceof StartError && (err.exitCode === 126 || err.exitCode === 127) ? err.exitCode : 128;
}
