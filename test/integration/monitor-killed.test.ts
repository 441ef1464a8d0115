/**
 * Nothing of a container outlives it when its monitor is gone (issue 9 item 8), under cgroup
 * v1 (this host's default) and v2 (the hybrid host's unified mount): the monitor is SIGKILLed,
 * then the container is killed and cleaned up as `rm -f` does. Every process of the container
 * must be gone: those of its pid namespace, and any process in its cgroup (a stand-in here:
 * a host `sleep` the test moves into the container's cgroups, as a process that left the pid
 * namespace's reach would be). Repeated, because what the report saw was a race.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectCgroups } from '../../daemon/runtime/cgroups';
import { RuntimeFixture, buildHelper, skipReason } from './runtime-fixture';
import { skipBecause } from '../support/skip';

const CGROUP2_SUPER_MAGIC = 0x63677270;
const ROUNDS = 6;

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

function suite(name: string, cgroupRoot: string | undefined): void {
  describe(`a container whose monitor was killed, ${name} (integration)`, function () {
    this.timeout(ROUNDS * 20_000);
    let fx: RuntimeFixture | undefined;
    const strays: ChildProcess[] = [];

    before(async function () {
      const why = skipReason() ?? (cgroupRoot && fs.statfsSync(cgroupRoot, {}).type !== CGROUP2_SUPER_MAGIC ? `${cgroupRoot} is not a cgroup2 mount` : undefined);
      if (why) skipBecause(this, why);
      buildHelper();
      fx = new RuntimeFixture(undefined, cgroupRoot ? await detectCgroups(cgroupRoot) : undefined);
    });

    after(async () => {
      for (const s of strays) s.kill('SIGKILL');
      if (fx) await fx.dispose();
    });

    it(`kill + cleanup end the pid namespace and everything in the cgroup (${ROUNDS} rounds)`, async () => {
      const f = fx!;
      for (let i = 0; i < ROUNDS; i++) {
        const spec = f.spec(['sh', '-c', 'sleep 1000 & sleep 1000 & trap "" TERM HUP PIPE; while :; do echo tick; sleep 0.05; done']);
        await f.runtime.start(spec);
        const rundir = f.paths.containerRunDir(spec.id);
        const st = JSON.parse(fs.readFileSync(path.join(rundir, 'state.json'), 'utf8')) as { pid: number; monitorPid: number };
        const stray = spawn('sleep', ['1000'], { stdio: 'ignore' });
        strays.push(stray);
        const cgroups = fs.readFileSync(path.join(rundir, 'spec'), 'utf8').split('\0').filter((r) => r.startsWith('cgroup=')).map((r) => r.slice(7));
        assert.ok(cgroups.length > 0, 'the container has cgroups');
        for (const cg of cgroups) fs.writeFileSync(path.join(cg, 'cgroup.procs'), String(stray.pid));

        process.kill(st.monitorPid, 'SIGKILL');
        await f.runtime.signal(spec.id, 'KILL');
        const exit = await f.runtime.waitExit(spec.id);
        assert.ok(exit.exitCode >= 128, `reported exited (${exit.exitCode})`);
        await f.runtime.cleanup(spec.id, spec.rootfs);

        assert.equal(alive(st.pid), false, `round ${i}: the container's init survived`);
        assert.equal(alive(stray.pid!), false, `round ${i}: a process in the container's cgroup survived`);
        for (const cg of cgroups) assert.equal(fs.existsSync(cg), false, `round ${i}: cgroup ${cg} was not removed`);
      }
    });

    it('a monitor killed before it reported: the start fails and the half-started container is gone', async () => {
      const f = fx!;
      // the container blocks reading /etc/passwd (a FIFO nobody writes) while resolving its
      // user: it is in its cgroups, the monitor has not reported yet
      const fifoLayer = path.join(f.root, 'fifo-layer');
      fs.mkdirSync(path.join(fifoLayer, 'etc'), { recursive: true });
      execFileSync('mkfifo', [path.join(fifoLayer, 'etc/passwd')]);
      const spec = f.spec(['true'], { user: 'app' });
      spec.layers.lower = [...spec.layers.lower, fifoLayer]; // lowest first: the FIFO wins
      const procs = path.join(cgroupRoot ?? '/sys/fs/cgroup/freezer', 'berth', spec.id, 'cgroup.procs');
      const started = f.runtime.start(spec);
      started.catch(() => undefined);
      let init = 0;
      for (let i = 0; i < 500 && !init; i++) {
        init = Number((fs.existsSync(procs) ? fs.readFileSync(procs, 'utf8') : '').split('\n')[0]) || 0;
        if (!init) await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(init > 0, 'the container joined its cgroup');
      // past the "go" byte: blocked in the FIFO's open (the kernel's wait_for_partner)
      let wchan = '';
      for (let i = 0; i < 500 && !/partner|fifo|pipe/.test(wchan); i++) {
        wchan = fs.readFileSync(`/proc/${init}/wchan`, 'utf8');
        if (!/partner|fifo|pipe/.test(wchan)) await new Promise((r) => setTimeout(r, 10));
      }
      assert.match(wchan, /partner|fifo|pipe/, 'the container waits on its FIFO');
      const monitor = Number(/^PPid:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/${init}/status`, 'utf8'))?.[1]);
      process.kill(monitor, 'SIGKILL');
      await assert.rejects(started, /the container monitor exited before reporting/);
      assert.equal(alive(init), false, 'the half-started container survived its monitor');
      assert.equal(fs.existsSync(path.dirname(procs)), false, 'its cgroup was not removed');
    });
  });
}

suite('host default (v1 here)', undefined);
suite('cgroup v2', '/sys/fs/cgroup/unified');
