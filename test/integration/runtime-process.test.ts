/**
 * Runtime process control on the real kernel: pid-1 signal semantics with and without
 * --init, tty through the attach socket, exec into a running container, pause/unpause,
 * and finding a container again from a fresh Runtime (a daemon restart).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { createRuntime } from '../../daemon/runtime';
import type { AttachConnection } from '../../daemon/runtime/types';
import { HELPER, RuntimeFixture, useRuntimeFixture } from './runtime-fixture';

function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (d: Buffer) => parts.push(d));
    stream.on('end', () => resolve(Buffer.concat(parts)));
    stream.on('error', reject);
  });
}

/** Splits stdcopy frames into stdout and stderr text. */
function demux(buf: Buffer): { out: string; err: string } {
  let out = '';
  let err = '';
  for (let off = 0; off + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(off + 4);
    const data = buf.subarray(off + 8, off + 8 + len).toString();
    if (buf[off] === 1) out += data;
    else err += data;
    off += 8 + len;
  }
  return { out, err };
}

/** Resolves once `text` appeared in the attach output. */
function waitFor(conn: AttachConnection, text: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    const on = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        conn.output.removeListener('data', on);
        resolve();
      }
    };
    conn.output.on('data', on);
  });
}

function pendingSignals(pid: number): string {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return status.split('\n').filter((l) => /^(SigPnd|ShdPnd):/.test(l)).join(' ');
}

describe('runtime process control (integration)', function () {
  let fx: RuntimeFixture;
  useRuntimeFixture((f) => (fx = f));

  it('a plain sleep as pid 1 ignores SIGTERM, so stop must escalate to SIGKILL', async () => {
    const spec = fx.spec(['sleep', '1000']);
    const { pid } = await fx.runtime.start(spec);
    await fx.runtime.signal(spec.id, 'SIGTERM');
    // the kernel drops a signal pid 1 has no handler for at send time: nothing is pending
    assert.ok(await fx.runtime.isRunning(spec.id));
    assert.match(pendingSignals(pid), /SigPnd:\s+0+\s+ShdPnd:\s+0+$/);
    await fx.runtime.signal(spec.id, 'KILL');
    assert.equal((await fx.runtime.waitExit(spec.id)).exitCode, 137);
    await fx.runtime.cleanup(spec.id, spec.rootfs);
  });

  it('--init forwards SIGTERM to the command and reaps', async () => {
    const spec = fx.spec(['sleep', '1000'], { init: true });
    await fx.runtime.start(spec);
    await fx.runtime.signal(spec.id, 'TERM');
    assert.equal((await fx.runtime.waitExit(spec.id)).exitCode, 143);
    await fx.runtime.cleanup(spec.id, spec.rootfs);
  });

  it('runs a tty container through the attach socket', async () => {
    const spec = fx.spec(['sh'], { tty: true, openStdin: true, awaitAttach: true, consoleSize: [30, 100] });
    await fx.runtime.start(spec);
    const conn = await fx.runtime.attach(spec.id, { stdin: true, stdout: true, stderr: true, replay: true });
    const all = collect(conn.output);
    conn.writeStdin(Buffer.from('tty; stty size; echo $((6*7))\n'));
    await waitFor(conn, '42');
    await fx.runtime.resize(spec.id, 40, 120);
    conn.writeStdin(Buffer.from('stty size; exit 5\n'));
    const text = (await all).toString();
    assert.match(text, /\/dev\/pts\/0/);
    assert.match(text, /30 100/);
    assert.match(text, /40 120/);
    assert.equal((await fx.runtime.waitExit(spec.id)).exitCode, 5);
    await fx.runtime.cleanup(spec.id, spec.rootfs);
  });

  it('pipes stdin through attach and half-closes it', async () => {
    const spec = fx.spec(['sh', '-c', 'cat; echo done >&2'], { openStdin: true, awaitAttach: true });
    await fx.runtime.start(spec);
    const conn = await fx.runtime.attach(spec.id, { stdin: true, stdout: true, stderr: true, replay: true });
    const all = collect(conn.output);
    conn.writeStdin(Buffer.from('hello\n'));
    conn.closeStdin();
    const { out, err } = demux(await all);
    assert.equal(out, 'hello\n');
    assert.equal(err, 'done\n');
    assert.equal((await fx.runtime.waitExit(spec.id)).exitCode, 0);
    await fx.runtime.cleanup(spec.id, spec.rootfs);
  });

  it('replays the output of a short-lived container to an attach that comes after start', async () => {
    const spec = fx.spec(['echo', 'early bird'], { awaitAttach: true });
    await fx.runtime.start(spec);
    assert.equal((await fx.runtime.waitExit(spec.id)).exitCode, 0);
    const conn = await fx.runtime.attach(spec.id, { stdout: true, stderr: true, replay: true });
    assert.equal(demux(await collect(conn.output)).out, 'early bird\n');
    await fx.runtime.cleanup(spec.id, spec.rootfs);
  });

  it('execs into a running container, in its pid namespace', async () => {
    const spec = fx.spec(['sleep', '1000']);
    await fx.runtime.start(spec);
    const p = await fx.runtime.exec(spec.id, { args: ['sh', '-c', 'echo $$; ps -o pid,args; hostname; exit 4'], env: [], cwd: '/', user: '', tty: false, stdin: false });
    const { out } = demux(await collect(p.stream));
    assert.equal(await p.exited, 4);
    const lines = out.trim().split('\n');
    assert.notEqual(lines[0], '1');
    assert.ok(lines.some((l) => /^\s*1\s+sleep 1000/.test(l)), out);
    assert.equal(lines[lines.length - 1], spec.hostname);

    const t = await fx.runtime.exec(spec.id, { args: ['tty'], env: [], cwd: '/', user: 'nobody', tty: true, stdin: false });
    assert.match((await collect(t.stream)).toString(), /^\/dev\/pts\/\d+/);
    assert.equal(await t.exited, 0);

    await assert.rejects(fx.runtime.exec(spec.id, { args: ['nosuch'], env: [], cwd: '/', user: '', tty: false, stdin: false }), /executable file not found in \$PATH/);
    await fx.runtime.signal(spec.id, 9);
    await fx.runtime.waitExit(spec.id);
    await fx.runtime.cleanup(spec.id, spec.rootfs);
  });

  it('pauses and unpauses through the freezer, lists pids, and is found again by a new Runtime', async () => {
    const spec = fx.spec(['sleep', '1000']);
    const { pid } = await fx.runtime.start(spec);
    assert.deepEqual(await fx.runtime.pids(spec.id), [pid]);
    await fx.runtime.pause(spec.id);
    await fx.runtime.unpause(spec.id);
    const again = createRuntime({ paths: fx.paths, helperPath: HELPER });
    assert.equal(await again.isRunning(spec.id), true);
    const waiting = again.waitExit(spec.id);
    await again.signal(spec.id, 'KILL');
    assert.equal((await waiting).exitCode, 137);
    assert.equal(await again.isRunning(spec.id), false);
    await again.cleanup(spec.id, spec.rootfs);
  });
});
