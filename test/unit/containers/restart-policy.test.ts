// Restart policies: Docker's validation messages, the decision after an exit with its
// back-off (100 ms doubling to 1 min, reset by a 10 s run), and what comes back with berthd.
import { strict as assert } from 'node:assert';
import { decideRestart, policyOf, restartsWithDaemon, validateRestartPolicy, type RestartBackoff } from '../../../daemon/containers/restart-policy';
import { initialState, type ContainerState } from '../../../daemon/containers/record';

describe('containers: restart policy', () => {
  it('validates as Docker does', () => {
    validateRestartPolicy({});
    validateRestartPolicy({ RestartPolicy: { Name: '' } });
    validateRestartPolicy({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } });
    assert.throws(() => validateRestartPolicy({ RestartPolicy: { Name: 'sometimes' } }), /unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'/);
    assert.throws(() => validateRestartPolicy({ RestartPolicy: { Name: 'always', MaximumRetryCount: 2 } }), /can only be used with 'on-failure'/);
    assert.throws(() => validateRestartPolicy({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: -1 } }), /cannot be negative/);
    assert.throws(() => validateRestartPolicy({ AutoRemove: true, RestartPolicy: { Name: 'unless-stopped' } }), /AutoRemove/);
    validateRestartPolicy({ AutoRemove: true, RestartPolicy: { Name: 'no' } });
    assert.deepEqual(policyOf({}), { Name: 'no', MaximumRetryCount: 0 });
  });

  it('backs off 100 ms doubling up to a minute, and back to 100 ms after a 10 s run', () => {
    const b: RestartBackoff = { delayMs: 0 };
    const always = policyOf({ RestartPolicy: { Name: 'always' } });
    const facts = { exitCode: 1, manuallyStopped: false, ranMs: 50, restartCount: 0 };
    const delays = Array.from({ length: 12 }, () => {
      const d = decideRestart(always, facts, b);
      return d.restart ? d.delayMs : -1;
    });
    assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
    const d = decideRestart(always, { ...facts, ranMs: 10_000 }, b);
    assert.deepEqual(d, { restart: true, delayMs: 100 });
  });

  it('decides per policy: on-failure counts, unless-stopped respects a manual stop, no never', () => {
    const b = () => ({ delayMs: 0 });
    const f = (o: Partial<{ exitCode: number; manuallyStopped: boolean; restartCount: number }>) => ({ exitCode: 1, manuallyStopped: false, ranMs: 0, restartCount: 0, ...o });
    const onf = policyOf({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } });
    assert.equal(decideRestart(onf, f({ restartCount: 1 }), b()).restart, true);
    assert.equal(decideRestart(onf, f({ restartCount: 2 }), b()).restart, false);
    assert.equal(decideRestart(onf, f({ exitCode: 0 }), b()).restart, false);
    assert.equal(decideRestart(policyOf({ RestartPolicy: { Name: 'on-failure' } }), f({ restartCount: 99 }), b()).restart, true);
    const us = policyOf({ RestartPolicy: { Name: 'unless-stopped' } });
    assert.equal(decideRestart(us, f({ exitCode: 0 }), b()).restart, true);
    assert.equal(decideRestart(us, f({ manuallyStopped: true }), b()).restart, false);
    assert.equal(decideRestart(policyOf({ RestartPolicy: { Name: 'always' } }), f({ manuallyStopped: true, exitCode: 137 }), b()).restart, true);
    assert.equal(decideRestart(policyOf({}), f({}), b()).restart, false);
  });

  it('brings back with berthd: always even after a stop, unless-stopped only if not stopped, a pending restart', () => {
    const exited: ContainerState = { ...initialState(), Status: 'exited', ExitCode: 137 };
    const rec = (name: string, o: { ManuallyStopped?: boolean; State?: typeof exited; RestartCount?: number; max?: number } = {}) => ({
      HostConfig: { RestartPolicy: { Name: name, MaximumRetryCount: o.max ?? 0 } }, State: o.State ?? exited, RestartCount: o.RestartCount ?? 0, ManuallyStopped: o.ManuallyStopped,
    });
    assert.equal(restartsWithDaemon(rec('always', { ManuallyStopped: true })), true);
    assert.equal(restartsWithDaemon(rec('unless-stopped', { ManuallyStopped: true })), false);
    assert.equal(restartsWithDaemon(rec('unless-stopped')), true);
    assert.equal(restartsWithDaemon(rec('on-failure', { RestartCount: 3, max: 3 })), false);
    assert.equal(restartsWithDaemon(rec('on-failure', { State: { ...exited, ExitCode: 0 } })), false);
    assert.equal(restartsWithDaemon(rec('no')), false);
    assert.equal(restartsWithDaemon(rec('always', { State: { ...initialState() } })), false, 'never started');
    assert.equal(restartsWithDaemon(rec('on-failure', { State: { ...exited, ExitCode: 0, Status: 'restarting', Restarting: true } })), true);
  });
});
