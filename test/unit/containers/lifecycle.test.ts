import * as assert from 'node:assert/strict';
import type { ContainerRecord, ContainerState } from '../../../daemon/containers/record';
import { ZERO_TIME } from '../../../daemon/containers/record';
import {
  canExec, canKill, canPause, canRemove, canStart, canStop, canUnpause,
  toExited, toPaused, toRemoving, toRunning, toStartFailed,
} from '../../../daemon/containers/lifecycle';

function state(s: Partial<ContainerState>): ContainerState {
  return {
    Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false,
    Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME, ...s,
  };
}

const rec = (s: Partial<ContainerState>) => ({ Id: 'c'.repeat(64), Name: '/web', State: state(s) }) as unknown as ContainerRecord;
const created = () => rec({});
const running = () => rec({ Status: 'running', Running: true, Pid: 42 });
const paused = () => rec({ Status: 'paused', Running: true, Paused: true, Pid: 42 });
const removing = () => rec({ Status: 'removing' });

/** The kind a guard throws, or 'ok'. */
function verdict(fn: () => void): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as { kind: string }).kind;
  }
}

describe('unit: container lifecycle guards and transitions', () => {
  it('start: created ok, running 304, paused and removing 409', () => {
    assert.equal(verdict(() => canStart(created())), 'ok');
    assert.equal(verdict(() => canStart(running())), 'NotModified');
    assert.equal(verdict(() => canStart(paused())), 'Conflict');
    assert.equal(verdict(() => canStart(removing())), 'Conflict');
  });

  it('stop 304 and kill 409 when not running', () => {
    assert.equal(verdict(() => canStop(created())), 'NotModified');
    assert.equal(verdict(() => canStop(running())), 'ok');
    assert.equal(verdict(() => canKill(created(), 'web')), 'Conflict');
    assert.equal(verdict(() => canKill(paused(), 'web')), 'ok');
  });

  it('pause and unpause only from the other state; exec neither paused nor stopped', () => {
    assert.equal(verdict(() => canPause(running())), 'ok');
    assert.equal(verdict(() => canPause(paused())), 'Conflict');
    assert.equal(verdict(() => canPause(created())), 'Conflict');
    assert.equal(verdict(() => canUnpause(paused())), 'ok');
    assert.equal(verdict(() => canUnpause(running())), 'Conflict');
    assert.equal(verdict(() => canExec(paused())), 'Conflict');
    assert.equal(verdict(() => canExec(created())), 'Conflict');
    assert.equal(verdict(() => canExec(running())), 'ok');
  });

  it('rm: running only with force, never while a removal is under way', () => {
    assert.equal(verdict(() => canRemove(running(), false)), 'Conflict');
    assert.equal(verdict(() => canRemove(running(), true)), 'ok');
    assert.equal(verdict(() => canRemove(removing(), true)), 'Conflict');
    assert.equal(verdict(() => canRemove(created(), false)), 'ok');
  });

  it('transitions write the whole state Docker shows', () => {
    const s = state({ ExitCode: 3, Error: 'old', OOMKilled: true });
    toRunning(s, { pid: 7, startedAt: '2026-01-01T00:00:00Z' });
    assert.deepEqual([s.Status, s.Running, s.Pid, s.ExitCode, s.Error, s.OOMKilled], ['running', true, 7, 0, '', false]);
    toPaused(s, true);
    assert.deepEqual([s.Status, s.Paused, s.Running], ['paused', true, true]);
    toExited(s, { exitCode: 137, oomKilled: true, finishedAt: '2026-01-01T00:00:01Z' });
    assert.deepEqual([s.Status, s.Running, s.Paused, s.Pid, s.ExitCode, s.OOMKilled], ['exited', false, false, 0, 137, true]);
    const undo = toRemoving(s);
    assert.equal(s.Status, 'removing');
    undo();
    assert.equal(s.Status, 'exited');
    toStartFailed(s, 127, 'exec: "nope": executable file not found in $PATH');
    assert.deepEqual([s.Status, s.ExitCode], ['exited', 127]);
  });
});
