/**
 * The create/run flags for restart policies and health checks, turned into Docker's API
 * fields as the docker CLI does: `--restart no|always|unless-stopped|on-failure[:N]` →
 * HostConfig.RestartPolicy; `--health-cmd/-interval/-timeout/-retries/-start-period` and
 * `--no-healthcheck` → Config.Healthcheck (durations in Go's syntax, sent as nanoseconds).
 * The daemon validates the values; this refuses only what cannot be parsed.
 */
import { CliError } from '../http';
import type { Parsed } from '../flags';

export function restartPolicy(v: string | undefined): { Name: string; MaximumRetryCount: number } {
  if (v === undefined || v === '') return { Name: 'no', MaximumRetryCount: 0 };
  const parts = v.split(':');
  const [name = '', count] = parts;
  if (parts.length > 2 || name === '') throw new CliError(`invalid restart policy format: ${v}`);
  if (count === undefined) return { Name: name, MaximumRetryCount: 0 };
  if (!/^\d+$/.test(count)) throw new CliError(`invalid restart policy format: maximum retry count must be an integer: ${v}`);
  return { Name: name, MaximumRetryCount: Number(count) };
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds. */
export function goDurationNs(v: string, flag: string): number {
  const bad = () => new CliError(`invalid argument "${v}" for "--${flag}" flag: time: invalid duration "${v}"`);
  if (v === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let i = 0;
  while (i < v.length) {
    re.lastIndex = i;
    const m = re.exec(v);
    if (!m) throw bad();
    total += Number(m[1]) * (UNIT_NS[m[2] as string] as number);
    i = re.lastIndex;
  }
  if (i === 0) throw bad();
  return Math.round(total);
}

export function healthcheck(p: Parsed): Record<string, unknown> | undefined {
  const dur = (flag: string) => {
    const v = p.strings[flag];
    if (v === undefined) return 0;
    const ns = goDurationNs(v, flag);
    if (ns < 0) throw new CliError(`--${flag} cannot be negative`);
    return ns;
  };
  const cmd = p.strings['health-cmd'];
  const interval = dur('health-interval');
  const timeout = dur('health-timeout');
  const startPeriod = dur('health-start-period');
  const retries = p.ints['health-retries'] ?? 0;
  if (retries < 0) throw new CliError('--health-retries cannot be negative');
  const any = cmd !== undefined || interval || timeout || startPeriod || retries;
  if (p.bools['no-healthcheck']) {
    if (any) throw new CliError('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!any) return undefined;
  return { Test: cmd ? ['CMD-SHELL', cmd] : null, Interval: interval, Timeout: timeout, StartPeriod: startPeriod, Retries: retries };
}
