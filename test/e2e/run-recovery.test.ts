/**
 * Containers through dockerode (`docker.run`, attach/wait/start over the API), and a berthd
 * killed with SIGKILL while a container runs: after the restart the container is still
 * running, its logs and stop work, and no mount of it is left afterwards.
 */
import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mountsUnder, requireRoot, sharedFixtures, startDaemon, type Fixtures, type TestDaemon } from '../support';

describe('e2e: dockerode and crash recovery', function () {
  let d: TestDaemon;
  let f: Fixtures;

  before(async function () {
    requireRoot(this);
    f = await sharedFixtures();
    d = await startDaemon();
    const r = await d.docker(['pull', '-q', f.busybox.ref]);
    if (r.code !== 0) throw new Error(`pull failed: ${r.stderr}`);
  });

  after(async function () {
    await d?.stop();
  });

  it('dockerode run() streams output (demultiplexed) and reports the exit code', async function () {
    const docker = d.dockerode();
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    // The output and the wait result come on two connections: read the output to its end.
    const ended = new Promise((resolve) => out.on('end', resolve));
    const [result, container] = (await docker.run(f.busybox.ref, ['sh', '-c', 'echo from-dockerode; exit 2'], [out, out], { Tty: false })) as [{ StatusCode: number }, { remove(): Promise<unknown> }];
    assert.equal(result.StatusCode, 2);
    await ended;
    assert.equal(Buffer.concat(chunks).toString(), 'from-dockerode\n');
    await container.remove();
  });

  it('a container outlives a SIGKILLed berthd: still running after restart, logs and stop work, no stray mounts', async function () {
    const run = await d.docker(['run', '-d', '--name', 'survivor', f.busybox.ref, 'sh', '-c', 'echo started; sleep 100']);
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    await d.kill();
    await d.restart();
    const ps = await d.docker(['ps', '--format', '{{.Names}} {{.State}}']);
    assert.equal(ps.stdout.trim(), 'survivor running');
    const logs = await d.berth(['logs', 'survivor']);
    assert.equal(logs.stdout, 'started\n');
    const stop = await d.docker(['stop', '-t', '1', 'survivor']);
    assert.equal(stop.code, 0, stop.stderr);
    const state = await d.docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'survivor']);
    assert.equal(state.stdout.trim(), 'exited 137');
    assert.deepEqual(mountsUnder(d.dataRoot).filter((m) => m.includes(id)), []);
    await d.docker(['rm', 'survivor']);
  });

  it('a container that ended while berthd was down shows its real exit code', async function () {
    const run = await d.docker(['run', '-d', '--name', 'quick', f.busybox.ref, 'sh', '-c', 'sleep 1; exit 9']);
    assert.equal(run.code, 0, run.stderr);
    await d.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await d.restart();
    const wait = await d.docker(['wait', 'quick']);
    assert.equal(wait.stdout.trim(), '9');
    assert.equal((await d.docker(['inspect', '-f', '{{.State.Status}}', 'quick'])).stdout.trim(), 'exited');
    assert.deepEqual(mountsUnder(d.dataRoot), []);
  });
});
