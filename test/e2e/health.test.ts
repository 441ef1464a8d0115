/**
 * Health checks through the docker CLI, the berth CLI, dockerode and docker-py: --health-cmd and friends move
 * State.Health from starting to healthy to unhealthy (FailingStreak, a log of at most 5),
 * `ps` shows "(health: starting)" / "(healthy)" / "(unhealthy)" and filters on health=,
 * `docker events` carries `health_status: ...`, a hanging probe is killed at its timeout (no
 * process left in the container), the image's HEALTHCHECK runs and --no-healthcheck turns it
 * off.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type Fixtures, makeTempDir, removeTree, type TestDaemon, useDockerDaemon, waitFor } from '../support';

interface Health { Status: string; FailingStreak: number; Log: { ExitCode: number; Output: string; Start: string; End: string }[] }

describe('e2e: health checks (HEALTHCHECK, --health-*)', function () {
  let d: TestDaemon;
  let f: Fixtures;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (f = fx)));

  const health = async (ref: string): Promise<Health | null> => {
    const r = await d.docker(['inspect', '-f', '{{json .State.Health}}', ref]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Health | null;
  };
  const waitHealth = (ref: string, status: string) =>
    waitFor(`${ref} to be ${status}`, async () => (await health(ref))?.Status === status, { timeoutMs: 30_000, intervalMs: 100 });
  const psNames = async (filter: string) => (await d.docker(['ps', '--filter', filter, '--format', '{{.Names}}'])).stdout.trim().split('\n').filter(Boolean).sort();

  it('starting -> healthy -> unhealthy, with ps, ps --filter health= and events', async function () {
    const since = Math.floor(Date.now() / 1000) - 1;
    const run = await d.docker(['run', '-d', '--name', 'hc', '--health-cmd', 'test ! -e /tmp/bad && echo fine', '--health-interval', '500ms', '--health-retries', '2', '--health-start-period', '1ms', f.busybox.ref, 'sleep', '300']);
    assert.equal(run.code, 0, run.stderr);
    const first = await health('hc');
    assert.equal(first?.Status, 'starting');
    assert.match((await d.docker(['ps', '--format', '{{.Status}}', '--filter', 'name=hc'])).stdout, /^Up .* \(health: starting\)$/m);
    assert.deepEqual(await psNames('health=starting'), ['hc']);

    await waitHealth('hc', 'healthy');
    const h = await health('hc') as Health;
    assert.equal(h.FailingStreak, 0);
    assert.equal(h.Log[0]?.ExitCode, 0);
    assert.equal(h.Log[0]?.Output, 'fine\n');
    assert.match((await d.docker(['ps', '--format', '{{.Status}}', '--filter', 'name=hc'])).stdout, /^Up .* \(healthy\)$/m);
    assert.deepEqual(await psNames('health=healthy'), ['hc']);

    assert.equal((await d.docker(['exec', 'hc', 'touch', '/tmp/bad'])).code, 0);
    await waitHealth('hc', 'unhealthy');
    const u = await health('hc') as Health;
    assert.ok(u.FailingStreak >= 2, `FailingStreak ${u.FailingStreak}`);
    assert.equal(u.Log[u.Log.length - 1]?.ExitCode, 1);
    assert.match((await d.docker(['ps', '--format', '{{.Status}}', '--filter', 'name=hc'])).stdout, /^Up .* \(unhealthy\)$/m);
    assert.deepEqual(await psNames('health=unhealthy'), ['hc']);
    assert.deepEqual(await psNames('health=healthy'), []);
    await waitFor('five log entries', async () => ((await health('hc'))?.Log.length ?? 0) >= 5, { timeoutMs: 30_000, intervalMs: 200 });
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal((await health('hc'))?.Log.length, 5, 'the log keeps the last 5 results');

    const until = Math.ceil(Date.now() / 1000) + 1;
    const ev = await d.docker(['events', '--since', String(since), '--until', String(until), '--filter', 'container=hc', '--format', '{{.Action}}']);
    assert.equal(ev.code, 0, ev.stderr);
    const actions = ev.stdout.trim().split('\n');
    assert.ok(actions.includes('health_status: healthy'), actions.join(', '));
    assert.ok(actions.includes('health_status: unhealthy'), actions.join(', '));
    assert.ok(actions.indexOf('health_status: healthy') < actions.indexOf('health_status: unhealthy'));
    await d.docker(['rm', '-f', 'hc']);
  });

  it('probes every --health-start-interval while starting within the start period', async function () {
    // With a 1 h interval, only the start interval can make it healthy within the wait.
    const run = await d.docker(['run', '-d', '--name', 'si', '--health-cmd', 'true', '--health-interval', '1h', '--health-start-period', '1h', '--health-start-interval', '300ms', f.busybox.ref, 'sleep', '300']);
    assert.equal(run.code, 0, run.stderr);
    await waitHealth('si', 'healthy');
    await d.docker(['rm', '-f', 'si']);
  });

  it('kills a hanging probe and the processes it started at its timeout, and counts it as a failure', async function () {
    // the shell forks both sleeps: killing only the shell would leave them behind
    const run = await d.docker(['run', '-d', '--name', 'hang', '--health-cmd', 'sleep 1000 & sleep 1001; echo never', '--health-timeout', '400ms', '--health-interval', '300ms', '--health-retries', '1', f.busybox.ref, 'sleep', '300']);
    assert.equal(run.code, 0, run.stderr);
    await waitHealth('hang', 'unhealthy');
    const h = await health('hang') as Health;
    assert.equal(h.Log[0]?.ExitCode, -1);
    assert.equal(h.Log[0]?.Output, 'Health check exceeded timeout (400ms)');
    const took = Date.parse(h.Log[0]?.End as string) - Date.parse(h.Log[0]?.Start as string);
    assert.ok(took < 30_000, `the probe ran ${took} ms`);
    // at most the probe under way may be running: each timed-out one was killed
    await waitFor('three timed-out probes', async () => ((await health('hang'))?.Log.length ?? 0) >= 3, { timeoutMs: 30_000, intervalMs: 100 });
    const ps = await d.docker(['exec', 'hang', 'ps', '-o', 'pid,args']);
    assert.equal(ps.code, 0, ps.stderr);
    for (const cmd of ['sleep 1000', 'sleep 1001']) {
      const hanging = ps.stdout.split('\n').filter((l) => l.includes(cmd));
      assert.ok(hanging.length <= 1, `probes' processes left running: ${hanging.join(' | ')}`);
    }
    await d.docker(['rm', '-f', 'hang']);
  });

  it('runs the image\'s HEALTHCHECK; --no-healthcheck turns it off; dockerode and docker-py see State.Health', async function () {
    const ctx = await makeTempDir('health-build');
    try {
      await fs.writeFile(path.join(ctx, 'Dockerfile'), `FROM ${f.busybox.ref}\nHEALTHCHECK --interval=300ms --timeout=2s CMD ["true"]\nCMD ["sleep", "300"]\n`);
      const b = await d.docker(['build', '-q', '-t', 'hc-image', ctx], { env: { DOCKER_BUILDKIT: '0' } });
      assert.equal(b.code, 0, b.stderr);
    } finally {
      await removeTree(ctx);
    }
    assert.equal((await d.docker(['run', '-d', '--name', 'img-hc', 'hc-image'])).code, 0);
    assert.equal((await d.docker(['run', '-d', '--name', 'no-hc', '--no-healthcheck', 'hc-image'])).code, 0);
    await waitHealth('img-hc', 'healthy');
    assert.equal(await health('no-hc'), null);
    assert.deepEqual(await psNames('health=none'), ['no-hc']);
    assert.match((await d.docker(['ps', '--format', '{{.Status}}', '--filter', 'name=no-hc'])).stdout, /^Up [^(]*$/m);

    const c = await d.dockerode().createContainer({ Image: f.busybox.ref, Cmd: ['sleep', '300'], Healthcheck: { Test: ['CMD-SHELL', 'exit 0'], Interval: 300e6 } });
    await c.start();
    await waitFor('dockerode: healthy', async () => (await c.inspect()).State.Health?.Status === 'healthy', { timeoutMs: 30_000, intervalMs: 100 });
    await c.remove({ force: true });

    const py = await d.dockerPy([
      'import docker, time',
      'c = docker.from_env().containers.run("' + f.busybox.ref + '", ["sleep", "300"], detach=True, healthcheck={"test": ["CMD", "false"], "interval": 300000000, "retries": 1})',
      'for _ in range(300):',
      '    c.reload()',
      '    if c.attrs["State"]["Health"]["Status"] == "unhealthy": break',
      '    time.sleep(0.1)',
      'h = c.attrs["State"]["Health"]',
      'print(h["Status"], h["FailingStreak"] >= 1, h["Log"][0]["ExitCode"])',
      'c.remove(force=True)',
    ].join('\n'));
    assert.equal(py.code, 0, py.stderr);
    assert.equal(py.stdout.trim(), 'unhealthy True 1');

    const bh = await d.berth(['run', '-d', '--name', 'berth-hc', '--health-cmd', 'echo ok', '--health-interval', '300ms', f.busybox.ref, 'sleep', '300']);
    assert.equal(bh.code, 0, bh.stderr);
    await waitHealth('berth-hc', 'healthy');
    assert.match((await d.berth(['ps', '--filter', 'name=berth-hc'])).stdout, /\(healthy\)/);
    await d.berth(['rm', '-f', 'berth-hc']);

    const bad = await d.dockerode().createContainer({ Image: f.busybox.ref, Healthcheck: { Test: ['CMD', 'true'], Interval: 1000 } }).catch((e: Error) => e);
    assert.match((bad as Error).message, /Interval in Healthcheck cannot be less than 1ms/);
    await d.docker(['rm', '-f', 'img-hc', 'no-hc']);
  });
});
