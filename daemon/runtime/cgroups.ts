/**
 * One cgroup per container, for pause/unpause (freezer), `top` (cgroup.procs), the device
 * policy (device-rules.ts) and future limits. cgroup v2 when /sys/fs/cgroup is a cgroup2
 * mount, otherwise v1 with the freezer, devices, memory, pids and cpu hierarchies that are
 * mounted. The daemon only makes and removes the directories and writes control files (v2's
 * device policy is a BPF program it attaches, native/ffi/bpf.ts); the helper moves the
 * container's processes in. With no usable hierarchy every method degrades: create() gives
 * [], pause() refuses, setDevices() does nothing (such a host, e.g. a sandbox without a
 * cgroup mount, has no means to confine devices at all: `berth info` shows CgroupVersion 0).
 */
import { closeSync, openSync, promises as fs, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { notImplemented, systemError } from '../errors';
import { KoffiDeviceBpf, type DeviceBpf } from '../../native/ffi';
import { deviceProgram } from './device-bpf';
import { ruleLine, type DeviceRule } from './device-rules';
import { hasLimits, v1Writes, v2Writes, type CgroupWrite, type Resources } from './resources';
import { readV1Stats, readV2Stats, type CgroupStats } from './cgroup-stats';

const CGROUP2_SUPER_MAGIC = 0x63677270;
const V1_CONTROLLERS = ['freezer', 'devices', 'memory', 'pids', 'cpu', 'cpuacct', 'cpuset', 'blkio'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Cgroups {
  readonly version: 1 | 2 | 0;
  /** Creates the container's cgroup(s); returns the directories the helper must join. Idempotent. */
  create(id: string): Promise<string[]>;
  freeze(id: string): Promise<void>;
  thaw(id: string): Promise<void>;
  pids(id: string): Promise<number[]>;
  /**
   * Confines the container's device access to the allow rules (ALLOW_ALL for --privileged):
   * everything else is denied, opening and mknod alike. Called after create(), before any
   * process joins. Throws when the policy cannot be applied.
   */
  setDevices(id: string, rules: readonly DeviceRule[]): Promise<void>;
  /**
   * SIGKILLs every process in the container's cgroup and resolves once it is empty, so
   * nothing of a container outlives it, whatever became of its monitor or its init.
   * Idempotent; throws when processes are still there after a few seconds.
   */
  killAll(id: string): Promise<void>;
  /** Removes the directories (the container must have no processes left). Idempotent. */
  remove(id: string): Promise<void>;
  /**
   * Writes the container's limits (resources.ts): at start before any process joins, and by
   * `update` while it runs. Throws with the kernel's refusal (e.g. a limit below the usage).
   */
  setResources(id: string, r: Resources): Promise<void>;
  /** How many processes of the container the kernel's OOM killer killed (0 when unknown). */
  oomKills(id: string): Promise<number>;
  /** What the container sees at /sys/fs/cgroup: [name, host dir] ('' name: the whole view). */
  views(id: string): Promise<[string, string][]>;
  /** Usage counters for `stats`. */
  stats(id: string): Promise<CgroupStats>;
}

/** Writes in order; the first refusal names the file and the value. */
function applyWrites(writes: CgroupWrite[], fileOf: (w: CgroupWrite) => string): void {
  for (const w of writes) {
    try {
      writeFileSync(fileOf(w), w.value);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'EBUSY' || e.code === 'EINVAL' ? 'the kernel refused it (is the container already using more?)' : e.message;
      throw systemError(`setting ${w.file} to ${w.value}: ${why}`, err);
    }
  }
}

const exists = (f: string): boolean => {
  try {
    statSync(f);
    return true;
  } catch {
    return false;
  }
};

async function writeFile(file: string, data: string): Promise<void> {
  await fs.writeFile(file, data);
}

async function readPids(file: string): Promise<number[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number).filter(Number.isInteger);
}

function killPids(pids: number[]): void {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * Kills what procs lists until it lists nothing: kill, then look again (a process may fork
 * between the read and the kill; freezing first, where the caller can, closes that window).
 */
async function killUntilEmpty(procs: string, round: (pids: number[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const pids = await readPids(procs);
    if (pids.length === 0) return;
    await round(pids);
    await sleep(20);
  }
  throw systemError(`processes left in ${path.dirname(procs)} after SIGKILL: ${(await readPids(procs)).join(' ')}`);
}

async function rmdirRetry(dir: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await fs.rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      // EBUSY while the last process of the container is still being torn down
      if (code !== 'EBUSY' || i >= 50) throw systemError(`removing cgroup ${dir}: ${(err as Error).message}`, err);
      await sleep(20);
    }
  }
}

/** Waits until a control file reports the wanted state (the kernel freezes asynchronously). */
async function waitFor(file: string, test: (s: string) => boolean): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (test(await fs.readFile(file, 'utf8').catch(() => ''))) return;
    await sleep(20);
  }
  throw systemError(`timed out waiting for ${file}`);
}

class CgroupsV1 implements Cgroups {
  readonly version = 1 as const;
  constructor(private readonly root: string, private readonly controllers: string[]) {}

  private dir(ctrl: string, id: string): string {
    return path.join(this.root, ctrl, 'berth', id);
  }

  async create(id: string): Promise<string[]> {
    const dirs = this.controllers.map((c) => this.dir(c, id));
    for (const d of dirs) await fs.mkdir(d, { recursive: true });
    // a new cpuset starts empty and nothing can join it: inherit the parent's, level by level
    if (this.controllers.includes('cpuset')) {
      for (const d of [path.dirname(this.dir('cpuset', id)), this.dir('cpuset', id)]) {
        for (const f of ['cpuset.cpus', 'cpuset.mems']) {
          if (readFileSync(path.join(d, f), 'utf8').trim() === '') writeFileSync(path.join(d, f), readFileSync(path.join(path.dirname(d), f), 'utf8').trim());
        }
      }
    }
    return dirs;
  }

  async setResources(id: string, r: Resources): Promise<void> {
    const writes = v1Writes(r, (ctrl, file) => this.controllers.includes(ctrl) && exists(path.join(this.dir(ctrl, id), file)));
    applyWrites(writes, (w) => path.join(this.dir(w.ctrl, id), w.file));
  }

  async oomKills(id: string): Promise<number> {
    const text = await fs.readFile(path.join(this.dir('memory', id), 'memory.oom_control'), 'utf8').catch(() => '');
    return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
  }

  async views(id: string): Promise<[string, string][]> {
    return this.controllers.map((c): [string, string] => [c, this.dir(c, id)]);
  }

  stats(id: string): Promise<CgroupStats> {
    return readV1Stats((ctrl) => (this.controllers.includes(ctrl) ? this.dir(ctrl, id) : undefined));
  }

  private freezer(id: string): string {
    if (!this.controllers.includes('freezer')) throw notImplemented('pausing needs the cgroup freezer, which this host lacks');
    return path.join(this.dir('freezer', id), 'freezer.state');
  }

  async freeze(id: string): Promise<void> {
    const f = this.freezer(id);
    await writeFile(f, 'FROZEN');
    await waitFor(f, (s) => s.trim() === 'FROZEN');
  }

  async thaw(id: string): Promise<void> {
    const f = this.freezer(id);
    await writeFile(f, 'THAWED');
    await waitFor(f, (s) => s.trim() === 'THAWED');
  }

  async pids(id: string): Promise<number[]> {
    const ctrl = this.controllers[0];
    return ctrl ? readPids(path.join(this.dir(ctrl, id), 'cgroup.procs')) : [];
  }

  async setDevices(id: string, rules: readonly DeviceRule[]): Promise<void> {
    if (!this.controllers.includes('devices')) throw notImplemented('the devices cgroup controller is not mounted on this host, so containers cannot be confined to their devices');
    const dir = this.dir('devices', id);
    // deny everything, then allow the list; "a" in devices.allow (privileged) re-allows all.
    // Synchronous, through one descriptor: cgroupfs writes never wait on a disk, and a
    // threadpool round trip per open/write/close made this 2.5 ms of every start, against
    // 0.07 ms so (bench/containment-cost.sh). The kernel parses each write() as one rule.
    writeFileSync(path.join(dir, 'devices.deny'), 'a');
    const fd = openSync(path.join(dir, 'devices.allow'), 'w');
    try {
      for (const r of rules) writeSync(fd, ruleLine(r));
    } finally {
      closeSync(fd);
    }
  }

  async killAll(id: string): Promise<void> {
    const ctrl = this.controllers[0];
    if (!ctrl) return;
    const frozen = this.controllers.includes('freezer');
    const state = path.join(this.dir('freezer', id), 'freezer.state');
    await killUntilEmpty(path.join(this.dir(ctrl, id), 'cgroup.procs'), async (pids) => {
      // frozen, nothing forks between our read and our kill; SIGKILL takes effect at the thaw
      if (frozen) await writeFile(state, 'FROZEN').catch(() => undefined);
      killPids(frozen ? await readPids(path.join(this.dir('freezer', id), 'cgroup.procs')) : pids);
      if (frozen) await writeFile(state, 'THAWED').catch(() => undefined);
    });
  }

  async remove(id: string): Promise<void> {
    for (const c of this.controllers) await rmdirRetry(this.dir(c, id));
  }
}

class CgroupsV2 implements Cgroups {
  readonly version = 2 as const;
  constructor(private readonly root: string, private readonly bpf: DeviceBpf) {}

  private dir(id: string): string {
    return path.join(this.root, 'berth', id);
  }

  async create(id: string): Promise<string[]> {
    const parent = path.join(this.root, 'berth');
    await fs.mkdir(parent, { recursive: true });
    // delegate the controllers we use; a controller the host lacks is simply not enabled
    for (const ctrl of ['+memory', '+pids', '+cpu', '+cpuset', '+io']) {
      await writeFile(path.join(this.root, 'cgroup.subtree_control'), ctrl).catch(() => undefined);
      await writeFile(path.join(parent, 'cgroup.subtree_control'), ctrl).catch(() => undefined);
    }
    await fs.mkdir(this.dir(id), { recursive: true });
    return [this.dir(id)];
  }

  async freeze(id: string): Promise<void> {
    await writeFile(path.join(this.dir(id), 'cgroup.freeze'), '1');
    await waitFor(path.join(this.dir(id), 'cgroup.events'), (s) => /^frozen 1$/m.test(s));
  }

  async thaw(id: string): Promise<void> {
    await writeFile(path.join(this.dir(id), 'cgroup.freeze'), '0');
    await waitFor(path.join(this.dir(id), 'cgroup.events'), (s) => /^frozen 0$/m.test(s));
  }

  pids(id: string): Promise<number[]> {
    return readPids(path.join(this.dir(id), 'cgroup.procs'));
  }

  async setResources(id: string, r: Resources): Promise<void> {
    const dir = this.dir(id);
    const writes = v2Writes(r, (file) => exists(path.join(dir, file)));
    const missing = writes.find((w) => !exists(path.join(dir, w.file)));
    if (missing) throw notImplemented(`this host's cgroup v2 does not delegate the ${missing.file.split('.')[0]} controller, so ${missing.file} cannot be set`);
    applyWrites(writes, (w) => path.join(dir, w.file));
  }

  async oomKills(id: string): Promise<number> {
    const text = await fs.readFile(path.join(this.dir(id), 'memory.events'), 'utf8').catch(() => '');
    return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
  }

  async views(id: string): Promise<[string, string][]> {
    return [['', this.dir(id)]];
  }

  stats(id: string): Promise<CgroupStats> {
    return readV2Stats(this.dir(id));
  }

  async setDevices(id: string, rules: readonly DeviceRule[]): Promise<void> {
    this.bpf.attachDeviceProgram(this.dir(id), deviceProgram(rules));
  }

  async killAll(id: string): Promise<void> {
    const dir = this.dir(id);
    // cgroup.kill (Linux 5.14) kills the whole subtree at once, forks included
    const once = await writeFile(path.join(dir, 'cgroup.kill'), '1').then(() => true, () => false);
    await killUntilEmpty(path.join(dir, 'cgroup.procs'), async (pids) => {
      if (!once) killPids(pids);
    });
  }

  remove(id: string): Promise<void> {
    return rmdirRetry(this.dir(id));
  }
}

class NoCgroups implements Cgroups {
  readonly version = 0 as const;
  async create(): Promise<string[]> { return []; }
  async freeze(): Promise<void> { throw notImplemented('pausing needs cgroups, which are not available on this host'); }
  async thaw(): Promise<void> { throw notImplemented('unpausing needs cgroups, which are not available on this host'); }
  async pids(): Promise<number[]> { return []; }
  async setDevices(): Promise<void> {} // nothing to confine with: see the header
  async killAll(): Promise<void> {} // the pid namespace's end (its init's SIGKILL) is all there is
  async remove(): Promise<void> {}
  async setResources(_id: string, r: Resources): Promise<void> {
    if (hasLimits(r)) throw notImplemented('resource limits need cgroups, which are not available on this host');
  }
  async oomKills(): Promise<number> { return 0; }
  async views(): Promise<[string, string][]> { return []; }
  async stats(): Promise<CgroupStats> { return readV1Stats(() => undefined); }
}

/**
 * Picks v2, v1 or none by looking at what is mounted under root. Tests pass the v2 mount of a
 * hybrid host (/sys/fs/cgroup/unified) to run containers under v2 where v1 is the default.
 */
export { CgroupsV1, CgroupsV2 };

export async function detectCgroups(root = '/sys/fs/cgroup', bpf: DeviceBpf = new KoffiDeviceBpf()): Promise<Cgroups> {
  const st = await fs.statfs(root).catch(() => undefined);
  if (st && st.type === CGROUP2_SUPER_MAGIC) return new CgroupsV2(root, bpf);
  const present: string[] = [];
  for (const c of V1_CONTROLLERS) {
    const s = await fs.statfs(path.join(root, c)).catch(() => undefined);
    if (s && (await fs.access(path.join(root, c, 'cgroup.procs')).then(() => true, () => false))) present.push(c);
  }
  return present.length > 0 ? new CgroupsV1(root, present) : new NoCgroups();
}
