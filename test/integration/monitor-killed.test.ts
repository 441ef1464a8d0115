/**
 * Nothing of a container outlives it when its monitor is gone (issue 9 item 8), under cgroup
 * v1 (this host's default) and v2 (the hybrid host's unified mount): the monitor is SIGKILLed,
 * then the container is killed and cleaned up as `rm -f` does. Every process of the container
 * must be gone: those of its pid namespace, and any process in its cgroup (a stand-in here:
 * a host `sleep` the test moves into the container's cgroups, as a process that left the pid
 * namespace's reach would be). Repeated, because what the report saw was a race.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
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
  });
}

suite('host default (v1 here)', undefined);
suite('cgroup v2', '/sys/fs/cgroup/unified');
