/**
 * Restart policies (`--restart no|on-failure[:N]|always|unless-stopped`) with Docker's rules
 * (moby restartmanager): validation with Docker's messages, the decision after an exit, the
 * back-off (100 ms, doubled at each restart up to 1 min, back to 100 ms once a run lasted
 * 10 s), and the decision when berthd starts again. Pure: the service keeps the timers and
 * the per-container back-off state (`RestartBackoff`) and passes the clock in.
 */
import { invalid } from '../errors';
import type { ContainerRecord, HostConfig } from './record';

export type RestartPolicyName = 'no' | 'always' | 'unless-stopped' | 'on-failure';

export interface RestartPolicy {
  Name: RestartPolicyName;
  MaximumRetryCount: number;
}

const NAMES: readonly RestartPolicyName[] = ['no', 'always', 'on-failure', 'unless-stopped'];
export const FIRST_DELAY_MS = 100;
export const MAX_DELAY_MS = 60_000;
/** A run at least this long resets the back-off (Docker's 10 s). */
export const RESET_AFTER_MS = 10_000;

/** The record's policy; an empty or missing name is "no", as in Docker. */
export function policyOf(hc: Pick<HostConfig, 'RestartPolicy'>): RestartPolicy {
  const p = hc.RestartPolicy;
  const name = (p?.Name || 'no') as RestartPolicyName;
  return { Name: NAMES.includes(name) ? name : 'no', MaximumRetryCount: p?.MaximumRetryCount ?? 0 };
}

/** Create (and update): Docker's checks and messages (400). */
export function validateRestartPolicy(hc: Pick<HostConfig, 'RestartPolicy' | 'AutoRemove'>): void {
  const p = hc.RestartPolicy;
  if (!p) return;
  const name = p.Name ?? '';
  if (name !== '' && !NAMES.includes(name as RestartPolicyName)) {
    throw invalid(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
  const max = p.MaximumRetryCount ?? 0;
  if (max < 0) throw invalid('invalid restart policy: maximum retry count cannot be negative');
  if (max !== 0 && name !== 'on-failure') throw invalid("invalid restart policy: maximum retry count can only be used with 'on-failure'");
  if (hc.AutoRemove && name !== '' && name !== 'no') throw invalid("can't create 'AutoRemove' container with restart policy");
}

/** The per-container back-off, kept in memory like Docker's restart manager. */
export interface RestartBackoff {
  delayMs: number;
}

export interface ExitFacts {
  exitCode: number;
  /** `docker stop` or `docker kill` by a user (HasBeenManuallyStopped). */
  manuallyStopped: boolean;
  /** How long the run lasted. */
  ranMs: number;
  restartCount: number;
}

/**
 * After an exit: whether to restart and after how long. Advances `backoff` as Docker does
 * (the delay grows even when the answer is no, which is harmless: a start resets it).
 */
export function decideRestart(policy: RestartPolicy, facts: ExitFacts, backoff: RestartBackoff): { restart: false } | { restart: true; delayMs: number } {
  if (policy.Name === 'no') return { restart: false };
  if (facts.ranMs >= RESET_AFTER_MS) backoff.delayMs = 0;
  backoff.delayMs = backoff.delayMs === 0 ? FIRST_DELAY_MS : Math.min(backoff.delayMs * 2, MAX_DELAY_MS);
  let restart = false;
  switch (policy.Name) {
    case 'always':
      restart = true;
      break;
    case 'unless-stopped':
      restart = !facts.manuallyStopped;
      break;
    case 'on-failure':
      restart = facts.exitCode !== 0 && (policy.MaximumRetryCount === 0 || facts.restartCount < policy.MaximumRetryCount);
      break;
  }
  return restart ? { restart: true, delayMs: backoff.delayMs } : { restart: false };
}

/**
 * When berthd starts: a stopped container that its policy brings back (Docker restores
 * `always` even after a manual stop; `unless-stopped` and `on-failure` not after one).
 * A container that was waiting out its back-off when berthd went away comes back too.
 */
export function restartsWithDaemon(rec: Pick<ContainerRecord, 'HostConfig' | 'State' | 'RestartCount'> & { ManuallyStopped?: boolean }): boolean {
  if (rec.State.Running || rec.State.Status === 'created' || rec.State.Status === 'removing') return false;
  const policy = policyOf(rec.HostConfig);
  if (policy.Name === 'no') return false;
  if (rec.State.Restarting) return true;
  switch (policy.Name) {
    case 'always':
      return true;
    case 'unless-stopped':
      return !rec.ManuallyStopped;
    case 'on-failure':
      return !rec.ManuallyStopped && rec.State.ExitCode !== 0 && (policy.MaximumRetryCount === 0 || rec.RestartCount < policy.MaximumRetryCount);
  }
}
