/**
 * The monitor's attach socket at a container's exit and with big output, on the real kernel:
 * a client that connected before the exit but sends its hello only after it still gets the
 * output and the exit frame; an attach awaited from before start (await_attach) gets more
 * than the replay buffer (1 MiB) byte for byte, with no gap between replay and live output;
 * a client that writes stdin after the exit (as berthd does with input queued before start)
 * still reads everything, also with a tty.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as net from 'node:net';
import { connectMonitor } from '../../daemon/runtime/attach';
import { ATTACH, FRAME, FrameDecoder, frame } from '../../daemon/runtime/frames';
import { RuntimeFixture, useRuntimeFixture } from './runtime-fixture';

/** Every frame the monitor sends until it closes the connection. */
function readFrames(sock: net.Socket): Promise<{ type: number; payload: Buffer }[]> {
  return new Promise((resolve) => {
    const dec = new FrameDecoder();
    const frames: { type: number; payload: Buffer }[] = [];
    sock.on('data', (d: Buffer) => frames.push(...dec.push(d).map((f) => ({ type: f.type, payload: Buffer.from(f.payload) }))));
    sock.on('close', () => resolve(frames));
    sock.on('error', () => undefined);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runtime attach at exit and under load (integration)', function () {
  this.timeout(60000);
  let fx: RuntimeFixture;
  useRuntimeFixture((f) => (fx = f));

  it('serves a client whose hello arrives after the container exited', async () => {
    // The container waits for a file on a bind mount, so the client is surely connected first.
    const gate = fs.mkdtempSync(path.join(fx.root, 'gate-'));
    const spec = fx.spec(['sh', '-c', 'while [ ! -e /gate/go ]; do sleep 0.05; done; echo late hello'], {
      mounts: [{ type: 'bind', source: gate, destination: '/gate', readonly: true }],
    });
    const { pid } = await fx.runtime.start(spec);
    const sock = await connectMonitor(fx.paths.containerRunDir(spec.id), spec.id);
    const frames = readFrames(sock);
    fs.writeFileSync(path.join(gate, 'go'), '');
    while (alive(pid)) await sleep(20); // reaped by the monitor: the container is gone
    sock.write(frame(FRAME.hello, Buffer.from([ATTACH.stdout | ATTACH.stderr | ATTACH.replay])));
    const got = await frames;
    const out = Buffer.concat(got.filter((f) => f.type === FRAME.stdout).map((f) => f.payload)).toString();
    assert.equal(out, 'late hello\n');
    const exit = got.find((f) => f.type === FRAME.exit);
    assert.ok(exit, 'no exit frame');
    assert.equal(exit.payload.toString(), '0');
    assert.equal((await fx.runtime.waitExit(spec.id)).exitCode, 0);
    await fx.runtime.cleanup(spec.id, spec.rootfs);
  });

  it('joins replay and live output without a gap for an attach awaited from before start', async () => {
    const spec = fx.spec(['sh', '-c', 'cat /bin/busybox /bin/busybox'], { awaitAttach: true });
    const expected = Buffer.concat([fs.readFileSync('/bin/busybox'), fs.readFileSync('/bin/busybox')]);
    await fx.runtime.start(spec);
    // Attach late: once the replay buffer is (nearly) full, and a while after. Before the fix
    // the monitor kept reading, so the output between 1 MiB and the attach was lost.
    const logSize = () => fs.statSync(spec.logPath, { throwIfNoEntry: false })?.size ?? 0;
    while (logSize() < 900 * 1024) await sleep(20);
    await sleep(500);
    const conn = await fx.runtime.attach(spec.id, { stdout: true, stderr: true, replay: true });
    const chunks: Buffer[] = [];
    const dec = new FrameDecoder();
    await new Promise<void>((resolve) => {
      conn.output.on('data', (d: Buffer) => dec.push(d).forEach((f) => chunks.push(Buffer.from(f.payload))));
      conn.output.on('end', () => resolve());
    });
    const got = Buffer.concat(chunks);
    assert.equal(got.length, expected.length);
    assert.ok(got.equals(expected), 'attach output differs from the file');
    assert.equal((await fx.runtime.waitExit(spec.id)).exitCode, 0);
    await fx.runtime.cleanup(spec.id, spec.rootfs);
  });

  it('delivers a tty container\'s output to a client that writes stdin after the exit', async () => {
    for (let i = 0; i < 10; i++) {
      const spec = fx.spec(['sh', '-c', 'echo hi; exit 3'], { awaitAttach: true, tty: true, openStdin: true });
      await fx.runtime.start(spec);
      assert.equal((await fx.runtime.waitExit(spec.id)).exitCode, 3);
      const conn = await fx.runtime.attach(spec.id, { stdin: true, stdout: true, stderr: true, replay: true });
      conn.writeStdin(Buffer.from('input queued before start\n'));
      const parts: Buffer[] = [];
      conn.output.on('data', (d: Buffer) => parts.push(d));
      await new Promise((resolve) => conn.output.on('end', resolve));
      assert.equal(Buffer.concat(parts).toString(), 'hi\r\n', `run ${i}`);
      await fx.runtime.cleanup(spec.id, spec.rootfs);
    }
  });
});
