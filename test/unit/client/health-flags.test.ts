// berth create/run: --restart and --health-* flags become Docker's API fields as the docker CLI sends them.
import { strict as assert } from 'node:assert';
import { goDurationNs, healthcheck, restartPolicy } from '../../../client/commands/health-flags';
import type { Parsed } from '../../../client/flags';

const parsed = (strings: Record<string, string>, o: { ints?: Record<string, number>; bools?: Record<string, boolean> } = {}): Parsed =>
  ({ strings, ints: o.ints ?? {}, bools: o.bools ?? {}, lists: {}, args: [] }) as unknown as Parsed;

describe('client: --restart and --health-* flags', () => {
  it('parses --restart as the docker CLI', () => {
    assert.deepEqual(restartPolicy(undefined), { Name: 'no', MaximumRetryCount: 0 });
    assert.deepEqual(restartPolicy('on-failure:3'), { Name: 'on-failure', MaximumRetryCount: 3 });
    assert.deepEqual(restartPolicy('always'), { Name: 'always', MaximumRetryCount: 0 });
    assert.throws(() => restartPolicy('on-failure:x'), /maximum retry count must be an integer/);
    assert.throws(() => restartPolicy(':3'), /invalid restart policy format/);
  });

  it('parses Go durations and builds the Healthcheck', () => {
    assert.equal(goDurationNs('500ms', 'x'), 5e8);
    assert.equal(goDurationNs('1m30s', 'x'), 90e9);
    assert.equal(goDurationNs('1.5s', 'x'), 1.5e9);
    assert.throws(() => goDurationNs('10', 'health-interval'), /invalid duration "10"/);
    assert.equal(healthcheck(parsed({})), undefined);
    assert.deepEqual(healthcheck(parsed({ 'health-cmd': 'curl -f x', 'health-interval': '2s' }, { ints: { 'health-retries': 4 } })), { Test: ['CMD-SHELL', 'curl -f x'], Interval: 2e9, Timeout: 0, StartPeriod: 0, Retries: 4 });
    assert.deepEqual(healthcheck(parsed({}, { bools: { 'no-healthcheck': true } })), { Test: ['NONE'] });
    assert.throws(() => healthcheck(parsed({ 'health-cmd': 'true' }, { bools: { 'no-healthcheck': true } })), /conflicts with --health-\* options/);
  });
});
