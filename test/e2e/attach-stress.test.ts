/**
 * Attach robustness through the real docker CLI: a fast-exiting container's output is never
 * lost (repeated `echo hi | docker run -i --rm busybox cat`), big binary output arrives byte
 * for byte, `run --rm` answers only once the container is removed, and a slow reader makes the
 * container wait instead of the daemon's memory grow (back-pressure end to end).
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { requireCommands, requireRoot, run, sharedFixtures, sleep, startDaemon, type TestDaemon } from '../support';

function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

describe('e2e: attach under stress (docker CLI)', function () {
  this.timeout(240000);
  let d: TestDaemon;
  let image: string;

  before(async function () {
    requireRoot(this);
    requireCommands(this, 'docker');
    image = (await sharedFixtures()).busybox.ref;
    d = await startDaemon();
    const pull = await d.docker(['pull', image]);
    assert.equal(pull.code, 0, pull.stderr);
  });

  after(async function () {
    await d?.stop();
  });

  it('prints the output of a fast-exiting container every time (30 runs of echo hi | docker run -i --rm cat)', async function () {
    const failures: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await d.docker(['run', '-i', '--rm', image, 'cat'], { input: 'hi\n' });
      if (r.code !== 0 || r.stdout !== 'hi\n') failures.push(`run ${i}: code ${r.code} stdout ${JSON.stringify(r.stdout)} stderr ${r.stderr.trim()}`);
    }
    assert.deepEqual(failures, []);
  });

  it('delivers several MiB of binary output byte for byte', async function () {
    const env = d.env();
    // the checksum computed inside the container, where no attach is involved
    const want = await run('docker', ['run', '--rm', image, 'sh', '-c', 'cat /bin/busybox /bin/busybox | md5sum'], { env });
    assert.equal(want.code, 0, want.stderr);
    const sum = want.stdout.trim().split(/\s+/)[0];
    for (let i = 0; i < 10; i++) {
      const got = await run('bash', ['-c', `set -o pipefail; docker run --rm ${image} cat /bin/busybox /bin/busybox | md5sum`], { env });
      assert.equal(got.code, 0, got.stderr);
      assert.equal(got.stdout.trim().split(/\s+/)[0], sum, `run ${i}: the output differs from the file`);
    }
  });

  it('answers docker run --rm only once the container is removed', async function () {
    for (let i = 0; i < 20; i++) {
      const r = await d.docker(['run', '--rm', image, 'true']);
      assert.equal(r.code, 0, r.stderr);
      const ps = await d.docker(['ps', '-aq']);
      assert.equal(ps.stdout.trim(), '', `run ${i}: containers left after run --rm`);
    }
  });

  it('keeps the daemon\'s memory flat while an attached reader is stalled', async function () {
    const pid = d.pid;
    if (pid === undefined) throw new Error('daemon not running');
    const total = 200 * 1000 * 1000;
    // 1000-byte lines of text: cheap to log, and far more than any socket or queue holds
    const script = `x=$(printf '%01000d' 0); yes "$x" | head -c ${total}`;
    const before = rssKiB(pid);
    const child = spawn('docker', ['run', '--rm', image, 'sh', '-c', script], { env: d.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 128)));
    // Do not read stdout for a while: the pipe to us fills, then the CLI, the daemon and the
    // monitor stop in turn. Without back-pressure the daemon buffers all of it.
    let peak = before;
    for (let i = 0; i < 16; i++) {
      await sleep(500);
      peak = Math.max(peak, rssKiB(pid));
    }
    let bytes = 0;
    child.stdout.on('data', (b: Buffer) => (bytes += b.length));
    child.stderr.resume();
    assert.equal(await exited, 0);
    assert.equal(bytes, total, 'the reader did not get every byte');
    const growthMiB = (peak - before) / 1024;
    assert.ok(growthMiB < 100, `berthd's RSS grew by ${growthMiB.toFixed(0)} MiB while the reader was stalled`);
  });
});
