/**
 * Resource limits (issue 8, Resources): -m, --memory-swap, --memory-reservation, --cpus,
 * --cpu-shares, --cpu-quota/--cpu-period, --cpuset-cpus/mems, --pids-limit, --shm-size,
 * --oom-kill-disable reach the container's cgroup and the container sees them, read-only, at
 * /sys/fs/cgroup (v1 bind mounts or the v2 directory); Docker's refusals; an OOM kill is
 * State.OOMKilled, exit 137 and an `oom` event. docker CLI, docker-py and dockerode.
 */
import * as assert from 'node:assert/strict';
import { statfsSync } from 'node:fs';
import { haveCommand, requireRoot, sharedFixtures, skipBecause, startDaemon, type Fixtures, type TestDaemon } from '../support';

const V2 = (() => {
  try {
    return statfsSync('/sys/fs/cgroup').type === 0x63677270;
  } catch {
    return false;
  }
})();

describe('e2e: resource limits', function () {
  this.timeout(120_000);
  let d: TestDaemon;
  let f: Fixtures;

  before(async function () {
    requireRoot(this);
    if (!haveCommand('docker')) skipBecause(this, 'the docker CLI is not installed');
    f = await sharedFixtures();
    d = await startDaemon();
    const r = await d.docker(['pull', '-q', f.busybox.ref]);
    assert.equal(r.code, 0, r.stderr);
  });

  after(async function () {
    await d?.stop();
  });

  const run = async (args: string[], script: string) => {
    const r = await d.docker(['run', '--rm', ...args, f.busybox.ref, 'sh', '-c', script]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n');
  };

  it('the container sees its limits at /sys/fs/cgroup (docker CLI)', async function () {
    const args = ['-m', '64m', '--memory-reservation', '32m', '--cpus', '0.5', '--cpu-shares', '512', '--pids-limit', '50'];
    if (V2) {
      const out = await run(args, 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.low /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max');
      assert.deepEqual(out, ['67108864', '33554432', '50000 100000', '50']);
    } else {
      const out = await run(args, [
        'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory/memory.soft_limit_in_bytes',
        'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares',
        'cat /sys/fs/cgroup/pids/pids.max',
      ].join('; '));
      assert.deepEqual(out, ['67108864', '33554432', '50000', '100000', '512', '50']);
    }
  });

  it('the cgroup view is read-only and shows only the container\'s own cgroup', async function () {
    const file = V2 ? '/sys/fs/cgroup/pids.max' : '/sys/fs/cgroup/pids/pids.max';
    const out = await run(['--pids-limit', '20'], `echo 1000 > ${file} 2>/dev/null && echo wrote || echo refused; cat ${file}; ls /sys/fs/cgroup${V2 ? '' : '/pids'} | grep -c berth || true`);
    assert.deepEqual(out, ['refused', '20', '0']);
  });

  it('--pids-limit is enforced', async function () {
    const r = await d.docker(['run', '--rm', '--pids-limit', '10', f.busybox.ref, 'sh', '-c', 'i=0; while [ $i -lt 30 ]; do sleep 5 & i=$((i+1)); done']);
    assert.match(r.stderr, /can't fork|Resource temporarily unavailable/, `exit ${r.code}: ${r.stderr}`);
  });

  it('--cpuset-cpus, --cpu-quota/--cpu-period, --memory-swap and --shm-size', async function () {
    const args = ['--cpuset-cpus', '0', '--cpu-quota', '20000', '--cpu-period', '50000', '-m', '32m', '--memory-swap', '64m', '--shm-size', '16m'];
    const script = V2
      ? 'cat /sys/fs/cgroup/cpuset.cpus /sys/fs/cgroup/cpu.max /sys/fs/cgroup/memory.swap.max; df -k /dev/shm | tail -1'
      : 'cat /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us; cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes 2>/dev/null || echo 67108864; df -k /dev/shm | tail -1';
    const out = await run(args, script);
    const shm = (out.pop() ?? '').split(/\s+/)[1];
    assert.equal(shm, '16384');
    assert.deepEqual(out, V2 ? ['0', '20000 50000', '33554432'] : ['0', '20000', '50000', '67108864']);
  });

  it('an out-of-memory kill: exit 137, State.OOMKilled, an oom event', async function () {
    const since = Math.floor(Date.now() / 1000) - 1;
    const r = await d.docker(['run', '--name', 'oom1', '-m', '8m', f.busybox.ref, 'sh', '-c', 'head -c 50m /dev/zero | tail']);
    try {
      assert.equal(r.code, 137, r.stderr);
      const st = await d.docker(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', 'oom1']);
      assert.equal(st.stdout.trim(), 'true 137');
      const ev = await d.docker(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'container=oom1', '--format', '{{.Action}}']);
      const actions = ev.stdout.trim().split('\n');
      assert.ok(actions.includes('oom'), actions.join(' '));
      assert.ok(actions.indexOf('oom') < actions.indexOf('die'), actions.join(' '));
      // a container that was not OOM-killed says false
      await d.docker(['run', '--name', 'oom2', '-m', '8m', f.busybox.ref, 'true']);
      assert.equal((await d.docker(['inspect', '-f', '{{.State.OOMKilled}}', 'oom2'])).stdout.trim(), 'false');
    } finally {
      await d.docker(['rm', '-f', 'oom1', 'oom2']);
    }
  });

  it('refuses limits Docker refuses, with Docker\'s words', async function () {
    const cases: [string[], RegExp][] = [
      [['-m', '4m'], /Minimum memory limit allowed is 6MB/],
      [['-m', '32m', '--memory-swap', '16m'], /Minimum memoryswap limit should be larger than memory limit/],
      [['--memory-reservation', '1m'], /Minimum memory reservation allowed is 6MB/],
      [['-m', '16m', '--memory-reservation', '32m'], /Minimum memory limit can not be less than memory reservation limit/],
      [['--cpus', '64'], /Range of CPUs is from 0.01 to \d+\.00, as there are only \d+ CPUs available/],
      [['--cpu-period', '500'], /CPU cfs period can not be less than 1ms/],
      [['--cpuset-cpus', '63'], /Requested CPUs are not available - requested 63, available: /],
      [['--blkio-weight', '5'], /Range of blkio weight is from 10 to 1000/],
    ];
    for (const [args, re] of cases) {
      const r = await d.docker(['create', ...args, f.busybox.ref]);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
    }
    // nothing was left behind
    assert.equal((await d.docker(['ps', '-aq'])).stdout.trim(), '');
    const api = await d.dockerode().createContainer({ Image: f.busybox.ref, HostConfig: { Memory: 1024 } }).then(
      () => assert.fail('created'),
      (err: { statusCode?: number; json?: { message?: string } }) => err,
    );
    assert.equal(api.statusCode, 400);
    assert.equal(api.json?.message, 'Minimum memory limit allowed is 6MB');
  });

  it('docker-py: mem_limit, nano_cpus and pids_limit reach the container and inspect', async function () {
    const py = `
import docker
c = docker.from_env()
out = c.containers.run('${f.busybox.ref}', ['sh', '-c', 'cat ${V2 ? '/sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max' : '/sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max'}'], mem_limit='48m', nano_cpus=250000000, pids_limit=33, remove=False, name='pylimits')
ct = c.containers.get('pylimits')
hc = ct.attrs['HostConfig']
print(out.decode().split()[0], out.decode().split()[1], hc['Memory'], hc['NanoCpus'], hc['PidsLimit'])
ct.remove()
`;
    const r = await d.dockerPy(py);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '50331648 33 50331648 250000000 33');
  });
});
