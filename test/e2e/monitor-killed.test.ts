/**
 * A container whose monitor was killed (issue 9 item 8): `rm -f` must still end every process
 * of the container and the container is reported exited. The monitor is SIGKILLed from
 * outside (as an OOM kill or a careless `kill -9` would), then `docker rm -f`; afterwards no
 * process of the container may be left: not its init, and nothing in its cgroup or its pid
 * namespace. Repeated, since a race is what the report saw (3 runs in 13).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useDockerDaemon, waitFor, type TestDaemon } from '../support';

const ROUNDS = 6;

interface State {
  pid: number;
  monitorPid: number;
}

/** Pids whose pid namespace is ns (a /proc/<pid>/ns/pid link target), or whose cgroup names id. */
function processesOf(id: string, ns: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const inNs = fs.readlinkSync(`/proc/${e}/ns/pid`) === ns;
      const inCgroup = fs.readFileSync(`/proc/${e}/cgroup`, 'utf8').includes(`/berth/${id}`);
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const zombie = stat.charAt(stat.lastIndexOf(')') + 2) === 'Z';
      if ((inNs || inCgroup) && !zombie) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe('e2e: a container whose monitor was killed', function () {
  this.timeout(ROUNDS * 30_000);
  let d: TestDaemon;
  let image: string;

  useDockerDaemon((f) => [f.busybox], (daemon, f) => {
    d = daemon;
    image = f.busybox.ref;
  });

  for (const variant of [[], ['--init'], ['-t']] as string[][]) {
    it(`rm -f ends all of its processes and reports it exited (${variant.join(' ') || 'plain'}, ${ROUNDS} rounds)`, async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const run = await d.docker(['run', '-d', '--network', 'none', ...variant, image, 'sh', '-c', 'sleep 1000 & sleep 1000 & trap "" TERM HUP PIPE; while :; do echo tick; sleep 0.05; done']);
        assert.equal(run.code, 0, run.stderr);
        const id = run.stdout.trim();
        const st = JSON.parse(fs.readFileSync(path.join(d.execRoot, 'containers', id, 'state.json'), 'utf8')) as State;
        const ns = fs.readlinkSync(`/proc/${st.pid}/ns/pid`);
        await waitFor('the container\'s three processes', async () => processesOf(id, ns).length >= 3);
        process.kill(st.monitorPid, 'SIGKILL');
        if (i % 2 === 1) {
          // half the rounds look at it first: still running (its process is), then rm -f
          const ps = await d.docker(['inspect', '--format', '{{.State.Running}}', id]);
          assert.equal(ps.stdout.trim(), 'true', 'the container runs on without its monitor');
        }
        const rm = await d.docker(['rm', '-f', id]);
        assert.equal(rm.code, 0, rm.stderr);
        await waitFor('no process of the container', async () => processesOf(id, ns).length === 0, { timeoutMs: 5000 }).catch(() => undefined);
        assert.deepEqual(processesOf(id, ns), [], `round ${i}: processes of ${id} survived rm -f`);
        const gone = await d.docker(['inspect', id]);
        assert.notEqual(gone.code, 0, 'the container is removed');
      }
    });
  }

  it('kill -9 of the monitor alone: the container is reported exited once its process ends', async () => {
    const run = await d.docker(['run', '-d', '--network', 'none', image, 'sleep', '1000']);
    const id = run.stdout.trim();
    const st = JSON.parse(fs.readFileSync(path.join(d.execRoot, 'containers', id, 'state.json'), 'utf8')) as State;
    process.kill(st.monitorPid, 'SIGKILL');
    const kill = await d.docker(['kill', id]);
    assert.equal(kill.code, 0, kill.stderr);
    const st2 = await d.docker(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', id]);
    assert.match(st2.stdout.trim(), /^exited \d+$/);
    await d.docker(['rm', '-f', id]);
  });
});
