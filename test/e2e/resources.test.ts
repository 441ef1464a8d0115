/**
 * Resource limits (issue 8, Resources): -m, --memory-swap, --memory-reservation, --cpus,
 * --cpu-shares, --cpu-quota/--cpu-period, --cpuset-cpus/mems, --pids-limit, --shm-size,
 * --oom-kill-disable reach the container's cgroup and the container sees them, read-only, at
 * /sys/fs/cgroup (v1 bind mounts or the v2 directory); Docker's refusals; an OOM kill is
 * State.OOMKilled, exit 137 and an `oom` event. docker CLI, docker-py and dockerode.
 */
import * as assert from 'node:assert/strict';
import { statfsSync } from 'node:fs';
import { type Fixtures, type TestDaemon, useDockerDaemon } from '../support';

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

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (f = fx)));

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
      // announced at the kill (the kernel may report several OOM events for one overrun, and
      // dockerd forwards each): every one before the death
      assert.ok(actions.lastIndexOf('oom') < actions.indexOf('die'), actions.join(' '));
      // a container that was not OOM-killed says false
      await d.docker(['run', '--name', 'oom2', '-m', '8m', f.busybox.ref, 'true']);
      assert.equal((await d.docker(['inspect', '-f', '{{.State.OOMKilled}}', 'oom2'])).stdout.trim(), 'false');
    } finally {
      await d.docker(['rm', '-f', 'oom1', 'oom2']);
    }
  });

  it('the oom event comes at the kill: a process of a running container killed, the container lives on (docker CLI, dockerode)', async function () {
    const r = await d.docker(['run', '-d', '--name', 'oom3', '-m', '8m', f.busybox.ref, 'sh', '-c', 'sleep 1; head -c 50m /dev/zero | tail; echo survived; sleep 300']);
    assert.equal(r.code, 0, r.stderr);
    const events = await d.dockerode().getEvents({ filters: { container: ['oom3'], event: ['oom'] } });
    try {
      const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no oom event within 30 s')), 30_000);
        events.once('data', (b: Buffer) => {
          clearTimeout(t);
          resolve(JSON.parse(b.toString()) as Record<string, unknown>);
        });
      });
      assert.equal(first.Action, 'oom');
      // announced while the container still runs: not at its exit
      const st = await d.docker(['inspect', '-f', '{{.State.Running}} {{.State.OOMKilled}}', 'oom3']);
      assert.equal(st.stdout.trim(), 'true true');
      for (let i = 0; i < 50 && !(await d.docker(['logs', 'oom3'])).stdout.includes('survived'); i++) await new Promise((res) => setTimeout(res, 100));
      assert.match((await d.docker(['logs', 'oom3'])).stdout, /survived/);
    } finally {
      (events as unknown as { destroy(): void }).destroy();
      await d.docker(['rm', '-f', 'oom3']);
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
      [['--device-read-bps', '/dev/null:1mb'], /berth does not support --device-read-bps/],
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

  describe('update', () => {
    it('changes the limits of a running container (docker CLI), inspect and the cgroup follow', async function () {
      const r = await d.docker(['run', '-d', '--name', 'upd1', '-m', '32m', f.busybox.ref, 'sleep', '120']);
      assert.equal(r.code, 0, r.stderr);
      try {
        const u = await d.docker(['update', '-m', '64m', '--memory-swap', '128m', '--cpus', '0.5', '--pids-limit', '20', '--restart', 'on-failure:3', 'upd1']);
        assert.equal(u.code, 0, u.stderr);
        assert.equal(u.stdout.trim(), 'upd1');
        const files = V2 ? '/sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max'
          : '/sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/pids/pids.max';
        const e = await d.docker(['exec', 'upd1', 'sh', '-c', `cat ${files}`]);
        assert.deepEqual(e.stdout.trim().split('\n'), V2 ? ['67108864', '50000 100000', '20'] : ['67108864', '50000', '20']);
        const i = await d.docker(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'upd1']);
        assert.equal(i.stdout.trim(), '67108864 134217728 500000000 20 on-failure:3');
        // a limit refused by the checks changes nothing
        const bad = await d.docker(['update', '-m', '2m', 'upd1']);
        assert.notEqual(bad.code, 0);
        assert.match(bad.stderr, /Minimum memory limit allowed is 6MB/);
        // berth update, then a pids limit of -1 clears it
        const b = await d.berth(['update', '--pids-limit', '-1', '--memory-reservation', '16m', 'upd1']);
        assert.equal(b.code, 0, b.stderr);
        const e2 = await d.docker(['exec', 'upd1', 'cat', V2 ? '/sys/fs/cgroup/pids.max' : '/sys/fs/cgroup/pids/pids.max']);
        assert.equal(e2.stdout.trim(), 'max');
      } finally {
        await d.docker(['rm', '-f', 'upd1']);
      }
    });

    it('a stopped container keeps the new limits for its next start; a removed one is 404', async function () {
      const c = await d.docker(['create', '--name', 'upd2', f.busybox.ref, 'cat', V2 ? '/sys/fs/cgroup/memory.max' : '/sys/fs/cgroup/memory/memory.limit_in_bytes']);
      assert.equal(c.code, 0, c.stderr);
      const u = await d.docker(['update', '-m', '40m', 'upd2']);
      assert.equal(u.code, 0, u.stderr);
      const s = await d.docker(['start', '-a', 'upd2']);
      assert.equal(s.stdout.trim(), '41943040', s.stderr);
      await d.docker(['rm', 'upd2']);
      const gone = await d.docker(['update', '-m', '64m', 'upd2']);
      assert.notEqual(gone.code, 0);
      assert.match(gone.stderr, /No such container: upd2/);
      const api = await d.dockerode().getContainer('upd2').update({ Memory: 64 << 20 }).then(
        () => assert.fail('updated'),
        (err: { statusCode?: number }) => err,
      );
      assert.equal(api.statusCode, 404);
    });
  });

  describe('stats', () => {
    let id = '';
    before(async function () {
      const r = await d.docker(['run', '-d', '--name', 'st1', '-m', '64m', '--pids-limit', '30', f.busybox.ref, 'sh', '-c', 'while :; do :; done & sleep 300']);
      assert.equal(r.code, 0, r.stderr);
      id = r.stdout.trim();
    });
    after(async function () {
      await d?.docker(['rm', '-f', 'st1']);
    });

    it('docker stats --no-stream prints CPU %, MEM USAGE / LIMIT, NET I/O, BLOCK I/O, PIDS', async function () {
      const r = await d.docker(['stats', '--no-stream', 'st1']);
      assert.equal(r.code, 0, r.stderr);
      const [head, row] = r.stdout.trim().split('\n');
      assert.match(head ?? '', /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/);
      const cols = (row ?? '').split(/\s{2,}/);
      assert.equal(cols[0], id.slice(0, 12));
      assert.equal(cols[1], 'st1');
      // a busy loop: well above zero
      assert.ok(parseFloat(cols[2] ?? '') > 5, row);
      assert.match(cols[3] ?? '', /^[\d.]+[KMG]?i?B \/ 64MiB$/, row);
      assert.match(cols[5] ?? '', /^[\d.]+k?B \/ [\d.]+k?B$/, row);
      assert.equal(cols[7], '2', row); // the busy loop and sleep (sh execs its last command)
      const b = await d.berth(['stats', '--no-stream', 'st1']);
      assert.equal(b.code, 0, b.stderr);
      assert.match(b.stdout, /CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT/);
      assert.match(b.stdout, /st1\s+[\d.]+%\s+[\d.]+[KMG]?i?B \/ 64MiB/);
    });

    it('docker-py parses one-shot and streamed stats in Docker\'s shape', async function () {
      const py = `
import docker, json
c = docker.from_env().containers.get('st1')
s = c.stats(stream=False)
keys = sorted(s.keys())
cu = s['cpu_stats']['cpu_usage']
ok = [k for k in ('total_usage', 'usage_in_kernelmode', 'usage_in_usermode') if k in cu]
pre = s['precpu_stats']['cpu_usage']['total_usage']
gen = c.stats(stream=True, decode=True)
a = next(gen); b = next(gen)
print(json.dumps({'keys': keys, 'cpu': ok, 'online': s['cpu_stats']['online_cpus'] > 0, 'sys': s['cpu_stats']['system_cpu_usage'] > 0,
  'pre': pre > 0, 'limit': s['memory_stats']['limit'], 'stats': isinstance(s['memory_stats']['stats'], dict), 'pids': s['pids_stats'],
  'name': s['name'], 'stream': b['precpu_stats']['cpu_usage']['total_usage'] == a['cpu_stats']['cpu_usage']['total_usage'],
  'net': sorted(s.get('networks', {}).keys())}))
`;
      const r = await d.dockerPy(py);
      assert.equal(r.code, 0, r.stderr);
      const o = JSON.parse(r.stdout.trim());
      for (const k of ['read', 'preread', 'cpu_stats', 'precpu_stats', 'memory_stats', 'pids_stats', 'blkio_stats', 'name', 'id']) assert.ok(o.keys.includes(k), k);
      assert.deepEqual(o.cpu, ['total_usage', 'usage_in_kernelmode', 'usage_in_usermode']);
      assert.equal(o.online, true);
      assert.equal(o.sys, true);
      assert.equal(o.pre, true);
      assert.equal(o.limit, 64 << 20);
      assert.equal(o.stats, true);
      assert.deepEqual(o.pids, { current: 2, limit: 30 });
      assert.equal(o.name, '/st1');
      assert.equal(o.stream, true);
      if (d.netSlot) assert.deepEqual(o.net, ['eth0']);
    });

    it('a stats stream goes on through stop and start with zeroed objects, and ends at rm (docker-py, as dockerd)', async function () {
      const py = `
import docker, json
cl = docker.from_env()
c = cl.containers.run(${JSON.stringify(f.busybox.ref)}, ['sleep', '300'], name='st3', detach=True)
gen = c.stats(stream=True, decode=True)
zero = '0001-01-01T00:00:00Z'
first = next(gen)
c.stop(timeout=1)
seen = []
while len([s for s in seen if s['read'] == zero]) < 2:
    seen.append(next(gen))
zeros = [s for s in seen if s['read'] == zero]
last_real = [s for s in seen if s['read'] != zero]
last_real = last_real[-1] if last_real else first
c.start()
back = next(s for s in gen if s['read'] != zero)
c.remove(force=True)
ended = True
try:
    for s in gen:
        pass
except Exception as e:
    ended = repr(e)
print(json.dumps({'first': first['read'] != zero, 'zero_name': zeros[0]['name'], 'zero_mem': zeros[0]['memory_stats'],
  'zero_pre': zeros[0]['precpu_stats']['cpu_usage']['total_usage'] == last_real['cpu_stats']['cpu_usage']['total_usage'],
  'second_pre': zeros[1]['precpu_stats']['cpu_usage']['total_usage'], 'back': back['memory_stats'].get('usage', 0) > 0, 'ended': ended}))
`;
      const r = await d.dockerPy(py);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout.trim()), { first: true, zero_name: '/st3', zero_mem: {}, zero_pre: true, second_pre: 0, back: true, ended: true });
    });

    it('dockerode: stream=false and one-shot; a stopped container gives zeroed stats; unknown is 404', async function () {
      const dk = d.dockerode();
      const s = (await dk.getContainer('st1').stats({ stream: false })) as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.equal(s.id, id);
      assert.ok(s.memory_stats.usage > 0);
      assert.ok(Array.isArray(s.blkio_stats.io_service_bytes_recursive) || s.blkio_stats.io_service_bytes_recursive === null);
      const one = (await dk.getContainer('st1').stats({ stream: false, 'one-shot': true } as never)) as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.equal(one.preread, '0001-01-01T00:00:00Z');
      const c = await d.docker(['create', '--name', 'st2', f.busybox.ref, 'true']);
      try {
        const z = (await dk.getContainer('st2').stats({ stream: false })) as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        assert.equal(z.read, '0001-01-01T00:00:00Z');
        assert.deepEqual(z.memory_stats, {});
      } finally {
        await d.docker(['rm', c.stdout.trim()]);
      }
      const nf = await dk.getContainer('nope').stats({ stream: false }).then(() => assert.fail('answered'), (e: { statusCode?: number }) => e);
      assert.equal(nf.statusCode, 404);
    });
  });
});
