/**
 * native/ffi/sd-notify: one datagram through koffi's socket/sendto reaches a unix datagram
 * socket bound by another program, at a path or in the abstract namespace (@name), and a send
 * to nowhere is a SyscallError naming the socket.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { sendDatagram } from '../../native/ffi/sd-notify';
import { listenNotify, makeTempDir, removeTree } from '../support';

describe('integration: sd_notify datagrams (koffi)', function () {
  let dir = '';
  before(async function () {
    dir = await makeTempDir('sd-notify');
  });
  after(async function () {
    await removeTree(dir);
  });

  for (const kind of ['path', 'abstract'] as const) {
    it(`delivers to ${kind === 'path' ? 'a path' : 'an abstract'} socket`, async function () {
      const name = kind === 'path' ? path.join(dir, 'notify.sock') : `@berth-test-notify-${process.pid}`;
      const l = await listenNotify(name);
      try {
        sendDatagram(name, 'READY=1\nSTATUS=ünïcode ok');
        assert.equal(await l.waitFor(/^READY=1/), 'READY=1\nSTATUS=ünïcode ok');
      } finally {
        await l.close();
      }
    });
  }

  it('fails clearly when nothing listens', function () {
    assert.throws(() => sendDatagram(path.join(dir, 'nobody.sock'), 'READY=1'), /sendto .*nobody\.sock: no such file or directory \(ENOENT\)/);
  });
});
