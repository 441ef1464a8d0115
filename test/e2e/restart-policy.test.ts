/**
 * Restart policies through the docker CLI, the berth CLI, dockerode and docker-py: on-failure:N restarts N
 * times and stops (RestartCount, one log line per run), the back-off doubles from 100 ms
 * (gaps between runs are at least 100, 200, 400 ms — a lower bound, not a speed claim),
 * `docker stop` ends restarts (also while a restart is pending), a kill does not end
 * `always`, and after a SIGKILL of berthd: a container that kept running is found again
 * (same pid, not restarted), one that died while berthd was down comes back, a stopped
 * `always` container starts and a stopped `unless-stopped` one stays down.
 */
import * as assert from 'node:assert/strict';
import { type Fixtures, type TestDaemon, useDockerDaemon, waitFor } from '../support';

describe('e2e: restart policies (--restart)', function () {
  let d: TestDaemon;
  let f: Fixtures;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (f = fx)));

  const inspect = async (ref: string, fmt: string): Promise<string> => {
    const r = await d.docker(['inspect', '-f', fmt, ref]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };
  const settled = (ref: string) =>
    waitFor(`${ref} to settle as exited`, async () => (await inspect(ref, '{{.State.Status}} {{.State.Restarting}}')) === 'exited false', { timeoutMs: 30_000, intervalMs: 100 });

  it('on-failure:2 restarts twice, counts RestartCount, then stays exited with the exit code', async function () {
    const run = await d.docker(['run', '-d', '--name', 'onfail', '--restart', 'on-failure:2', f.busybox.ref, 'sh', '-c', 'echo run; exit 3']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '', 'no warning: the policy is applied');
    await waitFor('two restarts', async () => (await inspect('onfail', '{{.RestartCount}}')) === '2', { timeoutMs: 30_000, intervalMs: 100 });
    await settled('onfail');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await inspect('onfail', '{{.RestartCount}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}'), '2 3 on-failure:2');
    const logs = await d.docker(['logs', 'onfail']);
    assert.equal(logs.stdout, 'run\nrun\nrun\n', 'one line per run: the first and two restarts');
    // a user's start resets the count, as Docker does
    assert.equal((await d.docker(['start', 'onfail'])).code, 0);
    await waitFor('two restarts again', async () => (await inspect('onfail', '{{.RestartCount}}')) === '2', { timeoutMs: 30_000, intervalMs: 100 });
    await settled('onfail');
    await d.docker(['rm', 'onfail']);
  });

  it('on-failure does not restart a clean exit; always does', async function () {
    const ok = await d.docker(['run', '-d', '--name', 'clean', '--restart', 'on-failure', f.busybox.ref, 'true']);
    assert.equal(ok.code, 0, ok.stderr);
    await settled('clean');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await inspect('clean', '{{.RestartCount}} {{.State.Status}}'), '0 exited');
    const always = await d.docker(['run', '-d', '--name', 'alw', '--restart', 'always', f.busybox.ref, 'true']);
    assert.equal(always.code, 0, always.stderr);
    await waitFor('always restarts a clean exit', async () => Number(await inspect('alw', '{{.RestartCount}}')) >= 2, { timeoutMs: 30_000, intervalMs: 100 });
    const stop = await d.docker(['stop', '-t', '1', 'alw']);
    assert.equal(stop.code, 0, stop.stderr);
    await d.docker(['rm', '-f', 'clean', 'alw']);
  });

  it('backs off 100 ms, 200 ms, 400 ms ... between runs', async function () {
    // /proc/uptime is the host's clock (10 ms steps): each run prints when it started.
    const run = await d.docker(['run', '-d', '--name', 'backoff', '--restart', 'on-failure:4', f.busybox.ref, 'sh', '-c', 'cut -d" " -f1 /proc/uptime; exit 1']);
    assert.equal(run.code, 0, run.stderr);
    await waitFor('four restarts', async () => (await inspect('backoff', '{{.RestartCount}}')) === '4', { timeoutMs: 30_000, intervalMs: 100 });
    await settled('backoff');
    const starts = (await d.docker(['logs', 'backoff'])).stdout.trim().split('\n').map(Number);
    assert.equal(starts.length, 5);
    const gaps = starts.slice(1).map((t, i) => Math.round((t - (starts[i] as number)) * 1000));
    [100, 200, 400, 800].forEach((min, i) => assert.ok((gaps[i] as number) >= min - 10, `gap ${i + 1} is ${gaps[i]} ms, less than the ${min} ms back-off (gaps: ${gaps.join(', ')})`));
    await d.docker(['rm', 'backoff']);
  });

  it('docker stop ends restarts, also while a restart is pending; kill does not end always', async function () {
    const run = await d.docker(['run', '-d', '--name', 'looper', '--restart', 'always', f.busybox.ref, 'sh', '-c', 'exit 1']);
    assert.equal(run.code, 0, run.stderr);
    await waitFor('a few restarts', async () => Number(await inspect('looper', '{{.RestartCount}}')) >= 3, { timeoutMs: 30_000, intervalMs: 50 });
    const stop = await d.docker(['stop', 'looper']);
    assert.equal(stop.code, 0, stop.stderr);
    await settled('looper');
    const count = await inspect('looper', '{{.RestartCount}}');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await inspect('looper', '{{.RestartCount}} {{.State.Status}}'), `${count} exited`, 'no restart after stop');

    const svc = await d.docker(['run', '-d', '--name', 'svc', '--restart', 'always', f.busybox.ref, 'sleep', '300']);
    assert.equal(svc.code, 0, svc.stderr);
    assert.equal((await d.docker(['kill', 'svc'])).code, 0);
    await waitFor('always to restart after kill', async () => (await inspect('svc', '{{.RestartCount}} {{.State.Status}}')) === '1 running', { timeoutMs: 30_000, intervalMs: 100 });
    assert.equal((await d.docker(['stop', '-t', '1', 'svc'])).code, 0);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await inspect('svc', '{{.RestartCount}} {{.State.Status}}'), '1 exited');
    await d.docker(['rm', 'looper', 'svc']);
  });

  it('refuses bad policies with Docker\'s messages', async function () {
    const unknown = await d.dockerode().createContainer({ Image: f.busybox.ref, HostConfig: { RestartPolicy: { Name: 'sometimes' } } }).catch((e: { statusCode?: number; message: string }) => e);
    assert.equal((unknown as { statusCode?: number }).statusCode, 400);
    assert.match((unknown as Error).message, /invalid restart policy: unknown policy 'sometimes'/);
    const count = await d.dockerode().createContainer({ Image: f.busybox.ref, HostConfig: { RestartPolicy: { Name: 'always', MaximumRetryCount: 3 } } }).catch((e: Error) => e);
    assert.match((count as Error).message, /maximum retry count can only be used with 'on-failure'/);
    const rm = await d.dockerode().createContainer({ Image: f.busybox.ref, HostConfig: { AutoRemove: true, RestartPolicy: { Name: 'always' } } }).catch((e: Error) => e);
    assert.match((rm as Error).message, /can't create 'AutoRemove' container with restart policy/);
  });

  it('dockerode and docker-py see RestartCount and the policy', async function () {
    const c = await d.dockerode().createContainer({ Image: f.busybox.ref, Cmd: ['sh', '-c', 'exit 5'], HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 1 } } });
    await c.start();
    await waitFor('dockerode: one restart, then exited', async () => {
      const i = await c.inspect();
      return i.RestartCount === 1 && i.State.Status === 'exited';
    }, { timeoutMs: 30_000, intervalMs: 100 });
    await c.remove();
    const py = await d.dockerPy([
      'import docker, time',
      'c = docker.from_env().containers.run("' + f.busybox.ref + '", ["sh", "-c", "exit 4"], detach=True, restart_policy={"Name": "on-failure", "MaximumRetryCount": 2})',
      'for _ in range(300):',
      '    c.reload()',
      '    if c.attrs["RestartCount"] == 2 and c.status == "exited": break',
      '    time.sleep(0.1)',
      'print(c.attrs["RestartCount"], c.attrs["State"]["ExitCode"], c.attrs["HostConfig"]["RestartPolicy"]["Name"])',
      'c.remove()',
    ].join('\n'));
    assert.equal(py.code, 0, py.stderr);
    assert.equal(py.stdout.trim(), '2 4 on-failure');
  });

  it('berth run --restart on-failure:1 restarts once', async function () {
    const r = await d.berth(['run', '-d', '--name', 'berth-rp', '--restart', 'on-failure:1', f.busybox.ref, 'sh', '-c', 'exit 2']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('one restart', async () => (await inspect('berth-rp', '{{.RestartCount}}')) === '1', { timeoutMs: 30_000, intervalMs: 100 });
    await settled('berth-rp');
    assert.equal(await inspect('berth-rp', '{{.HostConfig.RestartPolicy.Name}} {{.State.ExitCode}}'), 'on-failure 2');
    await d.berth(['rm', 'berth-rp']);
  });

  it('after a SIGKILL of berthd: running ones are found (not restarted), dead ones come back, always starts, a stopped unless-stopped stays down', async function () {
    const up = await d.docker(['run', '-d', '--name', 'keeps', '--restart', 'always', f.busybox.ref, 'sleep', '300']);
    assert.equal(up.code, 0, up.stderr);
    const dies = await d.docker(['run', '-d', '--name', 'dies', '--restart', 'unless-stopped', f.busybox.ref, 'sh', '-c', 'sleep 1; echo ran; sleep 300']);
    assert.equal(dies.code, 0, dies.stderr);
    const stoppedAlways = await d.docker(['run', '-d', '--name', 'st-always', '--restart', 'always', f.busybox.ref, 'sleep', '300']);
    const stoppedUnless = await d.docker(['run', '-d', '--name', 'st-unless', '--restart', 'unless-stopped', f.busybox.ref, 'sleep', '300']);
    assert.equal(stoppedAlways.code + stoppedUnless.code, 0);
    assert.equal((await d.docker(['stop', '-t', '1', 'st-always', 'st-unless'])).code, 0);
    const pid = await inspect('keeps', '{{.State.Pid}} {{.State.StartedAt}}');
    await waitFor('dies to be up', async () => (await d.docker(['logs', 'dies'])).stdout === 'ran\n', { timeoutMs: 30_000 });
    const diesPid = Number(await inspect('dies', '{{.State.Pid}}'));

    await d.kill();
    process.kill(diesPid, 'SIGKILL'); // dies while berthd is down
    await new Promise((r) => setTimeout(r, 500));
    await d.restart();

    assert.equal(await inspect('keeps', '{{.State.Pid}} {{.State.StartedAt}}'), pid, 'the running container is found again, not restarted');
    assert.equal(await inspect('keeps', '{{.RestartCount}} {{.State.Status}}'), '0 running');
    await waitFor('dies to come back', async () => (await inspect('dies', '{{.State.Status}}')) === 'running', { timeoutMs: 30_000, intervalMs: 100 });
    assert.equal(await inspect('dies', '{{.RestartCount}} {{.State.ExitCode}}'), '1 0');
    await waitFor('st-always to start with berthd', async () => (await inspect('st-always', '{{.State.Status}}')) === 'running', { timeoutMs: 30_000, intervalMs: 100 });
    assert.equal(await inspect('st-unless', '{{.State.Status}}'), 'exited');
    const ps = await d.docker(['ps', '--format', '{{.Names}}']);
    assert.deepEqual(ps.stdout.trim().split('\n').sort(), ['dies', 'keeps', 'st-always']);
    assert.equal((await d.docker(['rm', '-f', 'keeps', 'dies', 'st-always', 'st-unless'])).code, 0);
  });
});
