// Health checks, the pure rules: the probe a config gives (defaults, CMD-SHELL, NONE), Docker's
// merge with the image's, create's validation, and how results move State.Health.
import { strict as assert } from 'node:assert';
import { applyProbeResult, nextInterval, healthFilterValue, healthSuffix, mergeHealthcheck, probeOf, validateHealthcheck, type HealthState } from '../../../daemon/containers/health';
import { goDuration } from '../../../daemon/containers/health-monitor';

describe('containers: health checks', () => {
  it('turns a config into a probe with Docker\'s defaults; NONE and no test mean none', () => {
    assert.deepEqual(probeOf({ Healthcheck: { Test: ['CMD-SHELL', 'curl -f http://x/'] } }), { args: ['/bin/sh', '-c', 'curl -f http://x/'], intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, startIntervalMs: 5000, retries: 3 });
    assert.deepEqual(probeOf({ Healthcheck: { Test: ['CMD', 'true'], Interval: 5e8, Timeout: 2e9, StartPeriod: 1e9, Retries: 1 } }), { args: ['true'], intervalMs: 500, timeoutMs: 2000, startPeriodMs: 1000, startIntervalMs: 5000, retries: 1 });
    assert.equal(probeOf({ Healthcheck: { Test: ['NONE'] } }), undefined);
    assert.equal(probeOf({}), undefined);
  });

  it('merges with the image\'s field by field and validates as Docker', () => {
    assert.deepEqual(mergeHealthcheck({ Interval: 1e9 }, { Test: ['CMD', 'true'], Interval: 5e9, Retries: 2 }), { Test: ['CMD', 'true'], Interval: 1e9, Retries: 2 });
    assert.deepEqual(mergeHealthcheck({ Test: ['NONE'] }, { Test: ['CMD', 'true'] }), { Test: ['NONE'] });
    assert.throws(() => validateHealthcheck({ Test: ['CMD', 'true'], Interval: 10 }), /Interval in Healthcheck cannot be less than 1ms/);
    assert.throws(() => validateHealthcheck({ Retries: -1 }), /Retries in Healthcheck cannot be negative/);
    validateHealthcheck({ Test: ['CMD', 'true'], Timeout: null as unknown as number });
  });

  it('moves starting -> healthy -> unhealthy after Retries failures; the start period does not count; 5 log entries', () => {
    const probe = { args: ['true'], intervalMs: 1000, timeoutMs: 1000, startPeriodMs: 5000, startIntervalMs: 200, retries: 2 };
    assert.equal(nextInterval(probe, 'starting', '2026-01-01T00:00:00.000Z', Date.parse('2026-01-01T00:00:01.000Z')), 200, 'starting, within the start period');
    assert.equal(nextInterval(probe, 'healthy', '2026-01-01T00:00:00.000Z', Date.parse('2026-01-01T00:00:01.000Z')), 1000);
    assert.equal(nextInterval(probe, 'starting', '2026-01-01T00:00:00.000Z', Date.parse('2026-01-01T00:00:06.000Z')), 1000, 'after the start period');
    const h: HealthState = { Status: 'starting', FailingStreak: 0, Log: [] };
    const startedAt = '2026-01-01T00:00:00.000Z';
    const at = (s: number, code: number) => ({ Start: new Date(Date.parse(startedAt) + s * 1000).toISOString(), End: '', ExitCode: code, Output: '' });
    assert.equal(applyProbeResult(h, at(1, 1), probe, startedAt), undefined);
    assert.equal(h.FailingStreak, 0, 'within the start period');
    assert.equal(applyProbeResult(h, at(6, 1), probe, startedAt), undefined);
    assert.equal(h.FailingStreak, 1);
    assert.equal(applyProbeResult(h, at(7, 0), probe, startedAt), 'healthy');
    assert.equal(h.FailingStreak, 0);
    assert.equal(applyProbeResult(h, at(8, 1), probe, startedAt), undefined);
    assert.equal(applyProbeResult(h, at(9, -1), probe, startedAt), 'unhealthy');
    assert.equal(applyProbeResult(h, at(10, 1), probe, startedAt), undefined);
    assert.equal(h.Log.length, 5);
    assert.equal(h.FailingStreak, 3);
    assert.equal(healthSuffix(h), ' (unhealthy)');
    assert.equal(healthSuffix({ ...h, Status: 'starting' }), ' (health: starting)');
    assert.equal(healthFilterValue(undefined), 'none');
  });

  it('prints timeouts as Go durations', () => {
    assert.equal(goDuration(400), '400ms');
    assert.equal(goDuration(30_000), '30s');
    assert.equal(goDuration(1500), '1.5s');
    assert.equal(goDuration(90_000), '1m30s');
  });
});
