/** The client's detach-key parser and watcher (client/detach-keys.ts). */
import * as assert from 'node:assert/strict';
import { DetachWatcher, detachKeyBytes } from '../../../client/detach-keys';

describe('client detach keys', function () {
  it('parses Docker\'s syntax and refuses what Docker refuses', function () {
    assert.deepEqual(detachKeyBytes('ctrl-p,ctrl-q'), Buffer.from([0x10, 0x11]));
    assert.deepEqual(detachKeyBytes('a,ctrl-@,ctrl-\\,ctrl-_'), Buffer.from([0x61, 0x00, 0x1c, 0x1f]));
    for (const bad of ['', 'ctrl-', 'ctrl-1', 'shift-a', 'ab', 'ctrl-p,,ctrl-q']) assert.equal(detachKeyBytes(bad), undefined, bad);
  });

  it('holds back a partial match, releases it when the sequence breaks, detaches on the whole', function () {
    const w = new DetachWatcher(Buffer.from([0x10, 0x11]));
    assert.deepEqual(w.push(Buffer.from('ab\x10')), { forward: Buffer.from('ab'), detached: false });
    assert.deepEqual(w.push(Buffer.from('c')), { forward: Buffer.from('\x10c'), detached: false });
    assert.deepEqual(w.push(Buffer.from('\x10\x10')), { forward: Buffer.from('\x10'), detached: false });
    assert.deepEqual(w.push(Buffer.from('\x11rest')), { forward: Buffer.alloc(0), detached: true });
  });
});
