/**
 * The helper's error report → StartError (daemon/runtime/helper-error.ts): the kind comes
 * from the step, the exit code and errno from the report, never from the message; and the one
 * errno table names errnos for native/ffi, the helper's reports and Node's errors alike.
 */
import * as assert from 'node:assert/strict';
import { kindOfErrno, wrap } from '../../../daemon/errors';
import { StartError, parseHelperFailure } from '../../../daemon/runtime/helper-error';
import { SpawnError, errnoError, errnoName } from '../../../native/ffi';

describe('runtime: the helper\'s structured errors', () => {
  it('parses {step, errno, exitCode, message} and refuses what is not a report', () => {
    assert.deepEqual(parseHelperFailure({ step: 'exec', errno: 2, exitCode: 127, message: 'exec: "x": executable file not found in $PATH' }), {
      step: 'exec', errno: 2, exitCode: 127, message: 'exec: "x": executable file not found in $PATH',
    });
    assert.deepEqual(parseHelperFailure({ step: '../evil', errno: -1, exitCode: 999, message: 'm' }), { step: 'setup', errno: 0, exitCode: 125, message: 'm' });
    for (const bad of [null, 'x', [], {}, { message: '' }, { error: 'old shape', exitCode: 127 }]) assert.equal(parseHelperFailure(bad), undefined);
  });

  it('takes the kind from the step: the user\'s command, user, cwd, binds and devices are 400s, the rest 500s', () => {
    const e = (step: string, message: string) => new StartError({ step, errno: 2, exitCode: 125, message });
    assert.equal(e('exec', 'x').kind, 'InvalidParameter');
    assert.equal(e('user', 'unable to find user app').kind, 'InvalidParameter');
    assert.equal(e('binds', 'bind mount source').kind, 'InvalidParameter');
    // a message that reads like a user error does not make one
    assert.equal(e('mounts', 'unable to find user: mount /proc failed').kind, 'System');
    assert.equal(e('exec-session', 'x').code, 'HELPER_EXEC_SESSION');
    assert.equal(e('cgroup', 'x').errnoName, 'ENOENT');
  });

  it('names errnos once, for syscall, spawn and Node errors', () => {
    assert.equal(errnoName(2), 'ENOENT');
    assert.equal(errnoName(16), 'EBUSY');
    assert.equal(errnoName(99999), 'errno 99999');
    const s = errnoError('umount2', 16, '/x');
    assert.equal(s.message, 'umount2 /x: resource busy or locked (EBUSY)');
    assert.equal(s.kind, 'Conflict');
    assert.equal(s.code, 'EBUSY');
    assert.equal(kindOfErrno('ENOSPC'), 'System');
    const sp = new SpawnError('/nope', 2);
    assert.equal(sp.message, 'spawn /nope ENOENT');
    assert.equal(sp.code, 'ENOENT');
    assert.equal(sp.kind, 'System');
    const node = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    assert.equal(wrap(node, 'saving').code, 'ENOSPC');
  });
});
