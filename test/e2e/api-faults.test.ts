/**
 * API faults found by a hostile-input pass (issue 9 items 10 and 11): what a client sends is
 * parsed, never trusted. Attach drops the request body instead of feeding it to the
 * container's stdin; create refuses wrongly typed fields with Docker's 400; oversized bodies
 * get 413; stalled connections are closed; binds Docker refuses are refused.
 */
import * as assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { type TestDaemon, useDockerDaemon } from '../support';

/** Reads a non-tty attach stream to its end and returns the stdout payload of its frames. */
function stdoutOf(stream: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    stream.on('data', (c: Buffer) => (buf = Buffer.concat([buf, c])));
    stream.on('error', reject);
    stream.on('end', () => {
      let out = '';
      while (buf.length >= 8) {
        const size = buf.readUInt32BE(4);
        if (buf[0] === 1) out += buf.subarray(8, 8 + size).toString();
        buf = buf.subarray(8 + size);
      }
      resolve(out);
    });
  });
}

describe('e2e: API faults (hostile input)', function () {
  this.timeout(60_000);
  let d: TestDaemon;
  let image: string;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (image = fx.busybox.ref)));

  it('dockerode attach({stream, stdin, hijack}): the container reads exactly what was written, not the request body', async function () {
    const api = d.dockerode();
    const c = await api.createContainer({ Image: image, Cmd: ['cat'], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true });
    try {
      const stream = (await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
      const out = stdoutOf(stream);
      await c.start();
      stream.end('hello');
      assert.equal(await out, 'hello');
      assert.equal((await c.wait()).StatusCode, 0);
    } finally {
      await c.remove({ force: true });
    }
  });
});
