/**
 * Health checks, the pure part (moby daemon/health.go's rules): which probe a container has
 * (its Healthcheck, merged with the image's at create; `NONE` or no test means none), Docker's
 * defaults (interval 30 s, timeout 30 s, retries 3, no start period; within a start period a
 * still-starting container is probed every StartInterval, 5 s), create's validation
 * messages, and how a probe's result moves `State.Health`: a success makes it healthy and
 * clears the failing streak; a failure counts unless the container is still starting within its
 * start period, and `Retries` failures in a row make it unhealthy. The log keeps the last 5
 * results with at most 4 KiB of output each. These functions are the only writers of
 * `State.Health`; the monitor (health-monitor.ts) runs the probes.
 */
import { invalid } from '../errors';
import type { ContainerConfig } from '../oci/types';

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  Log: HealthLogEntry[];
}

/** A probe ready to run, durations in ms. */
export interface Probe {
  /** argv run in the container (CMD-SHELL becomes /bin/sh -c). */
  args: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  /** Between probes while starting within the start period (API 1.44 StartInterval; 5 s). */
  startIntervalMs: number;
  retries: number;
}

const NS_PER_MS = 1e6;
export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_START_INTERVAL_MS = 5_000;
export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT_BYTES = 4096;

type HealthConfig = NonNullable<ContainerConfig['Healthcheck']> & { StartInterval?: number };

/** create: Docker's checks on the durations (nanoseconds on the wire) and retries. */
export function validateHealthcheck(hc: HealthConfig | null | undefined): void {
  if (!hc) return;
  // docker-py sends null for each duration it was not given
  const min = (v: number | null | undefined, name: string) => {
    if (typeof v === 'number' && v !== 0 && v < NS_PER_MS) throw invalid(`${name} in Healthcheck cannot be less than 1ms`);
  };
  min(hc.Interval, 'Interval');
  min(hc.Timeout, 'Timeout');
  min(hc.StartPeriod, 'StartPeriod');
  min(hc.StartInterval, 'StartInterval');
  if (typeof hc.Retries === 'number' && hc.Retries < 0) throw invalid('Retries in Healthcheck cannot be negative');
  const kind = hc.Test?.[0];
  if (kind !== undefined && !['NONE', 'CMD', 'CMD-SHELL'].includes(kind)) {
    throw invalid(`Unknown Healthcheck type '${kind}' (expected NONE, CMD or CMD-SHELL)`);
  }
}

/** Docker's merge: the user's fields win, each one missing (empty, 0) comes from the image's. */
export function mergeHealthcheck(user: HealthConfig | undefined, image: HealthConfig | undefined): HealthConfig | undefined {
  if (!user) return image;
  if (!image) return user;
  const out: HealthConfig = { ...user };
  if (!out.Test || out.Test.length === 0) out.Test = image.Test;
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
    if (!out[k] && image[k]) out[k] = image[k];
  }
  return out;
}

/** The container's probe, or undefined when it has none (no test, `NONE`, --no-healthcheck). */
export function probeOf(config: Pick<ContainerConfig, 'Healthcheck'>): Probe | undefined {
  const hc = config.Healthcheck;
  const test = hc?.Test ?? [];
  const [kind, ...rest] = test;
  let args: string[];
  if (kind === 'CMD' && rest.length > 0) args = rest;
  else if (kind === 'CMD-SHELL' && rest.length > 0) args = ['/bin/sh', '-c', rest.join(' ')];
  else return undefined;
  const ms = (ns: number | undefined, def: number) => (ns && ns > 0 ? Math.max(1, Math.round(ns / NS_PER_MS)) : def);
  return {
    args,
    intervalMs: ms(hc?.Interval, DEFAULT_INTERVAL_MS),
    timeoutMs: ms(hc?.Timeout, DEFAULT_TIMEOUT_MS),
    startPeriodMs: ms(hc?.StartPeriod, 0),
    startIntervalMs: ms((hc as HealthConfig | undefined)?.StartInterval, DEFAULT_START_INTERVAL_MS),
    retries: hc?.Retries && hc.Retries > 0 ? hc.Retries : DEFAULT_RETRIES,
  };
}

/** At each start: the check begins again as "starting" with no failures (the log is kept). */
export function toHealthStarting(state: { Health?: HealthState }): void {
  state.Health = { Status: 'starting', FailingStreak: 0, Log: state.Health?.Log ?? [] };
}

/** At exit: a stopped container is not healthy. */
export function toHealthStopped(state: { Health?: HealthState }): void {
  if (state.Health) state.Health.Status = 'unhealthy';
}

/** The wait before the next probe: StartInterval while starting within the start period (moby's getInterval). */
export function nextInterval(probe: Probe, status: HealthStatus | undefined, startedAt: string, now = Date.now()): number {
  if (now - Date.parse(startedAt) >= probe.startPeriodMs) return probe.intervalMs;
  return status === 'starting' ? probe.startIntervalMs : probe.intervalMs;
}

/** Output as Docker keeps it: at most 4 KiB. */
export function clipOutput(out: Buffer): string {
  return out.subarray(0, MAX_OUTPUT_BYTES).toString('utf8');
}

/**
 * Records one probe's result; returns the new status when it changed (for the
 * `health_status: ...` event), else undefined.
 */
export function applyProbeResult(health: HealthState, entry: HealthLogEntry, probe: Probe, startedAt: string): HealthStatus | undefined {
  const before = health.Status;
  health.Log.push(entry);
  if (health.Log.length > MAX_LOG_ENTRIES) health.Log.splice(0, health.Log.length - MAX_LOG_ENTRIES);
  if (entry.ExitCode === 0) {
    health.FailingStreak = 0;
    health.Status = 'healthy';
  } else {
    const inStartPeriod = before === 'starting' && Date.parse(entry.Start) - Date.parse(startedAt) < probe.startPeriodMs;
    if (!inStartPeriod) {
      health.FailingStreak++;
      if (health.FailingStreak >= probe.retries) health.Status = 'unhealthy';
    }
  }
  return health.Status !== before ? health.Status : undefined;
}

/** ps's Status suffix: "(healthy)", "(unhealthy)", "(health: starting)". */
export function healthSuffix(health: HealthState | undefined): string {
  if (!health) return '';
  return health.Status === 'starting' ? ' (health: starting)' : ` (${health.Status})`;
}

/** The `health` filter of ps: "none" for a container without a check. */
export function healthFilterValue(health: HealthState | undefined): string {
  return health ? health.Status : 'none';
}
