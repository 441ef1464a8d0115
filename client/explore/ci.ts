/**
 * `image explore --ci`: dive's three rules over the report, with dive's defaults and
 * semantics, so a pipeline can swap `dive --ci` for `berth image explore --ci`:
 *   lowest-efficiency            fail when efficiency < value            (default 0.9)
 *   highest-wasted-bytes         fail when wasted bytes > value          (default disabled)
 *   highest-user-wasted-percent  fail when wasted / user size > value    (default 0.1, a ratio)
 * A rule whose value is "disabled" is skipped. Sizes read like go-humanize's ParseBytes:
 * 20MB = 20,000,000; 20MiB = 20,971,520; a bare number is bytes.
 */
import { CliError } from '../http';
import type { ExploreReport } from './types';

export interface RuleResult {
  rule: 'lowestEfficiency' | 'highestWastedBytes' | 'highestUserWastedPercent';
  status: 'PASS' | 'FAIL' | 'SKIP';
  message: string;
}

export interface CiRules {
  lowestEfficiency?: string;
  highestWastedBytes?: string;
  highestUserWastedPercent?: string;
}

export const CI_DEFAULTS: Required<CiRules> = { lowestEfficiency: '0.9', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.1' };

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, p: 1e15, pb: 1e15,
  ki: 1024, kib: 1024, mi: 1024 ** 2, mib: 1024 ** 2, gi: 1024 ** 3, gib: 1024 ** 3, ti: 1024 ** 4, tib: 1024 ** 4, pi: 1024 ** 5, pib: 1024 ** 5,
};

/** "20MB" → 20000000. Throws a CliError naming the flag on anything else. */
export function parseBytes(text: string, flag = '--highest-wasted-bytes'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text.replace(/,/g, ''));
  const unit = UNITS[(m?.[2] ?? '').toLowerCase()];
  if (!m || unit === undefined) throw new CliError(`invalid value "${text}" for ${flag}: expected a size such as 20MB, 512KiB or 1000000`);
  return Math.round(Number(m[1]) * unit);
}

function ratio(text: string, flag: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0) throw new CliError(`invalid value "${text}" for ${flag}: expected a number such as 0.9`);
  return v;
}

/** Checks the flag values before anything is fetched. */
export function validateRules(rules: CiRules): void {
  const r = { ...CI_DEFAULTS, ...rules };
  if (r.lowestEfficiency !== 'disabled') ratio(r.lowestEfficiency, '--lowest-efficiency');
  if (r.highestWastedBytes !== 'disabled') parseBytes(r.highestWastedBytes);
  if (r.highestUserWastedPercent !== 'disabled') ratio(r.highestUserWastedPercent, '--highest-user-wasted-percent');
}

export function evaluate(report: ExploreReport, rules: CiRules): RuleResult[] {
  const r = { ...CI_DEFAULTS, ...rules };
  const out: RuleResult[] = [];
  if (r.lowestEfficiency === 'disabled') out.push({ rule: 'lowestEfficiency', status: 'SKIP', message: 'rule disabled' });
  else {
    const min = ratio(r.lowestEfficiency, '--lowest-efficiency');
    out.push(report.Efficiency < min
      ? { rule: 'lowestEfficiency', status: 'FAIL', message: `image efficiency is too low (efficiency=${report.Efficiency} < threshold=${min})` }
      : { rule: 'lowestEfficiency', status: 'PASS', message: '' });
  }
  if (r.highestWastedBytes === 'disabled') out.push({ rule: 'highestWastedBytes', status: 'SKIP', message: 'rule disabled' });
  else {
    const max = parseBytes(r.highestWastedBytes);
    out.push(report.WastedBytes > max
      ? { rule: 'highestWastedBytes', status: 'FAIL', message: `too many bytes wasted (wasted-bytes=${report.WastedBytes} > threshold=${max})` }
      : { rule: 'highestWastedBytes', status: 'PASS', message: '' });
  }
  if (r.highestUserWastedPercent === 'disabled') out.push({ rule: 'highestUserWastedPercent', status: 'SKIP', message: 'rule disabled' });
  else {
    const max = ratio(r.highestUserWastedPercent, '--highest-user-wasted-percent');
    out.push(report.UserWastedPercent > max
      ? { rule: 'highestUserWastedPercent', status: 'FAIL', message: `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${report.UserWastedPercent} > threshold=${max})` }
      : { rule: 'highestUserWastedPercent', status: 'PASS', message: '' });
  }
  return out;
}
