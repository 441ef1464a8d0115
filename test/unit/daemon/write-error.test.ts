import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { BerthError } from '../../../daemon/errors';
import { markUpgraded, writeError } from '../../../daemon/api/write-error';
import { FrameDecoder } from '../../../daemon/stdcopy';

/** Everything written to a fake socket, once it ended. */
function capture(): { socket: PassThrough; text: Promise<Buffer> } {
  const socket = new PassThrough();
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  return { socket, text: new Promise((resolve) => socket.on('end', () => resolve(Buffer.concat(chunks)))) };
}

describe('unit: writeError on hijacked sockets', () => {
  const err = new BerthError('NotFound', 'No such container: web');

  it('a socket never upgraded gets an HTTP response with the kind\'s status and Docker\'s body', async () => {
    const { socket, text } = capture();
    writeError(socket, err, {});
    const out = (await text).toString();
    assert.match(out, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.match(out, /\r\nContent-Type: application\/json\r\n/);
    assert.ok(out.endsWith('\r\n\r\n{"message":"No such container: web"}'));
  });

  it('after 101 the message goes in-band: one raw line with a tty, a stdout frame without', async () => {
    const raw = capture();
    markUpgraded(raw.socket, false);
    writeError(raw.socket, err, {});
    assert.equal((await raw.text).toString(), 'No such container: web\r\n');
    const framed = capture();
    markUpgraded(framed.socket, true);
    writeError(framed.socket, err, {});
    const frames = new FrameDecoder().push(await framed.text);
    assert.deepEqual(frames.map((f) => [f.type, f.payload.toString()]), [[1, 'No such container: web\r\n']]);
  });
});
