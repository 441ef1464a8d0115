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
import { parseProcCgroup, placeFor, type CgroupPlace } from './cgroup-place';

const CGROUP2_SUPER_MAGIC = 0x63677270;
const V1_CONTROLLERS = ['freezer', 'devices', 'memory', 'pids', 'cpu', 'cpuacct', 'cpuset', 'blkio'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Cgroups {
  readonly version: 1 | 2 | 0;
  /**
   * Where the container's cgroup goes under `parent` (--cgroup-parent; berth's own parent when
   * absent), in every hierarchy this host has (cgroup-place.ts). Makes nothing.
   */
  place(id: string, parent?: string): Promise<CgroupPlace>;
  /**
   * Creates the container's cgroup(s), and the parents missing on the way (a v1 cpuset parent
   * gets its parent's cpus and mems; v2 parents delegate the controllers berth uses); returns
   * the directories the helper must join. Idempotent.
   */
  create(at: CgroupPlace): Promise<string[]>;
  freeze(at: CgroupPlace): Promise<void>;
  thaw(at: CgroupPlace): Promise<void>;
  pids(at: CgroupPlace): Promise<number[]>;
  /**
   * Confines the container's device access to the allow rules (ALLOW_ALL for --privileged):
   * everything else is denied, opening and mknod alike. Called after create(), before any
   * process joins. Throws when the policy cannot be applied.
   */
  setDevices(at: CgroupPlace, rules: readonly DeviceRule[]): Promise<void>;
  /**
   * SIGKILLs every process in the container's cgroup and resolves once it is empty, so
   * nothing of a container outlives it, whatever became of its monitor or its init.
   * Idempotent; throws when processes are still there after a few seconds.
   */
  killAll(at: CgroupPlace): Promise<void>;
  /**
   * Removes the container's directories (it must have no processes left), never its parents:
   * those may be another manager's (kubelet's pod cgroups). Idempotent.
   */
  remove(at: CgroupPlace): Promise<void>;
  /**
   * Writes the container's limits (resources.ts): at start before any process joins, and by
   * `update` while it runs. Throws with the kernel's refusal (e.g. a limit below the usage).
   */
  setResources(at: CgroupPlace, r: Resources): Promise<void>;
  /** How many processes of the container the kernel's OOM killer killed (0 when unknown). */
  oomKills(at: CgroupPlace): Promise<number>;
  /** What the container sees at /sys/fs/cgroup: [name, host dir] ('' name: the whole view). */
  views(at: CgroupPlace): Promise<[string, string][]>;
  /** Usage counters for `stats`. */
  stats(at: CgroupPlace): Promise<CgroupStats>;
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

/** The directories from just below `root` down to `dir` itself, outermost first. */
function levelsBelow(root: string, dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; d.startsWith(root + path.sep); d = path.dirname(d)) out.unshift(d);
  return out;
}

/** berthd's own cgroups (/proc/self/cgroup), for a --cgroup-parent without a leading slash. */
function ownCgroups(): Map<string, string> {
  return parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8'));
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

  private dir(ctrl: string, at: CgroupPlace): string {
    const p = at.paths[ctrl];
    if (p === undefined) throw systemError(`the container's cgroup has no path in the ${ctrl} hierarchy`);
    return path.join(this.root, ctrl, p);
  }

  async place(id: string, parent?: string): Promise<CgroupPlace> {
    return placeFor(id, parent, this.controllers, ownCgroups);
  }

  async create(at: CgroupPlace): Promise<string[]> {
    const dirs = this.controllers.map((c) => this.dir(c, at));
    for (const d of dirs) await fs.mkdir(d, { recursive: true });
    // a new cpuset starts empty and nothing can join it: inherit the parent's, level by level
    // from the hierarchy's root down (a --cgroup-parent may have made several levels)
    if (this.controllers.includes('cpuset')) {
      for (const d of levelsBelow(path.join(this.root, 'cpuset'), this.dir('cpuset', at))) {
        for (const f of ['cpuset.cpus', 'cpuset.mems']) {
          if (readFileSync(path.join(d, f), 'utf8').trim() === '') writeFileSync(path.join(d, f), readFileSync(path.join(path.dirname(d), f), 'utf8').trim());
        }
      }
    }
    return dirs;
  }

  async setResources(at: CgroupPlace, r: Resources): Promise<void> {
    const writes = v1Writes(r, (ctrl, file) => this.controllers.includes(ctrl) && exists(path.join(this.dir(ctrl, at), file)));
    applyWrites(writes, (w) => path.join(this.dir(w.ctrl, at), w.file));
  }

  async oomKills(at: CgroupPlace): Promise<number> {
    const text = await fs.readFile(path.join(this.dir('memory', at), 'memory.oom_control'), 'utf8').catch(() => '');
    return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
  }

  async views(at: CgroupPlace): Promise<[string, string][]> {
    return this.controllers.map((c): [string, string] => [c, this.dir(c, at)]);
  }

  stats(at: CgroupPlace): Promise<CgroupStats> {
    return readV1Stats((ctrl) => (this.controllers.includes(ctrl) ? this.dir(ctrl, at) : undefined));
  }

  private freezer(at: CgroupPlace): string {
    if (!this.controllers.includes('freezer')) throw notImplemented('pausing needs the cgroup freezer, which this host lacks');
    return path.join(this.dir('freezer', at), 'freezer.state');
  }

  async freeze(at: CgroupPlace): Promise<void> {
    const f = this.freezer(at);
    await writeFile(f, 'FROZEN');
    await waitFor(f, (s) => s.trim() === 'FROZEN');
  }

  async thaw(at: CgroupPlace): Promise<void> {
    const f = this.freezer(at);
    await writeFile(f, 'THAWED');
    await waitFor(f, (s) => s.trim() === 'THAWED');
  }

  async pids(at: CgroupPlace): Promise<number[]> {
    const ctrl = this.controllers[0];
    return ctrl ? readPids(path.join(this.dir(ctrl, at), 'cgroup.procs')) : [];
  }

  async setDevices(at: CgroupPlace, rules: readonly DeviceRule[]): Promise<void> {
    if (!this.controllers.includes('devices')) throw notImplemented('the devices cgroup controller is not mounted on this host, so containers cannot be confined to their devices');
    const dir = this.dir('devices', at);
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

  async killAll(at: CgroupPlace): Promise<void> {
    const ctrl = this.controllers[0];
    if (!ctrl) return;
    const frozen = this.controllers.includes('freezer');
    const state = path.join(this.dir('freezer', at), 'freezer.state');
    await killUntilEmpty(path.join(this.dir(ctrl, at), 'cgroup.procs'), async (pids) => {
      // frozen, nothing forks between our read and our kill; SIGKILL takes effect at the thaw
      if (frozen) await writeFile(state, 'FROZEN').catch(() => undefined);
      killPids(frozen ? await readPids(path.join(this.dir('freezer', at), 'cgroup.procs')) : pids);
      if (frozen) await writeFile(state, 'THAWED').catch(() => undefined);
    });
  }

  async remove(at: CgroupPlace): Promise<void> {
    for (const c of this.controllers) await rmdirRetry(this.dir(c, at));
  }
}

class CgroupsV2 implements Cgroups {
  readonly version = 2 as const;
  constructor(private readonly root: string, private readonly bpf: DeviceBpf) {}

  private dir(at: CgroupPlace): string {
    const p = at.paths[''];
    if (p === undefined) throw systemError('the container\'s cgroup has no cgroup v2 path');
    return path.join(this.root, p);
  }

  async place(id: string, parent?: string): Promise<CgroupPlace> {
    return placeFor(id, parent, [''], ownCgroups);
  }

  async create(at: CgroupPlace): Promise<string[]> {
    const dir = this.dir(at);
    await fs.mkdir(path.dirname(dir), { recursive: true });
    // delegate the controllers we use down to the container's parent, level by level from the
    // root; a controller the host lacks (or a level holding processes) is simply not enabled
    for (const level of [this.root, ...levelsBelow(this.root, path.dirname(dir))]) {
      for (const ctrl of ['+memory', '+pids', '+cpu', '+cpuset', '+io']) {
        await writeFile(path.join(level, 'cgroup.subtree_control'), ctrl).catch(() => undefined);
      }
    }
    await fs.mkdir(dir, { recursive: true });
    return [dir];
  }

  async freeze(at: CgroupPlace): Promise<void> {
    await writeFile(path.join(this.dir(at), 'cgroup.freeze'), '1');
    await waitFor(path.join(this.dir(at), 'cgroup.events'), (s) => /^frozen 1$/m.test(s));
  }

  async thaw(at: CgroupPlace): Promise<void> {
    await writeFile(path.join(this.dir(at), 'cgroup.freeze'), '0');
    await waitFor(path.join(this.dir(at), 'cgroup.events'), (s) => /^frozen 0$/m.test(s));
  }

  pids(at: CgroupPlace): Promise<number[]> {
    return readPids(path.join(this.dir(at), 'cgroup.procs'));
  }

  async setResources(at: CgroupPlace, r: Resources): Promise<void> {
    const dir = this.dir(at);
    const writes = v2Writes(r, (file) => exists(path.join(dir, file)));
    const missing = writes.find((w) => !exists(path.join(dir, w.file)));
    if (missing) throw notImplemented(`this host's cgroup v2 does not delegate the ${missing.file.split('.')[0]} controller, so ${missing.file} cannot be set`);
    applyWrites(writes, (w) => path.join(dir, w.file));
  }

  async oomKills(at: CgroupPlace): Promise<number> {
    const text = await fs.readFile(path.join(this.dir(at), 'memory.events'), 'utf8').catch(() => '');
    return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
  }

  async views(at: CgroupPlace): Promise<[string, string][]> {
    return [['', this.dir(at)]];
  }

  stats(at: CgroupPlace): Promise<CgroupStats> {
    return readV2Stats(this.dir(at));
  }

  async setDevices(at: CgroupPlace, rules: readonly DeviceRule[]): Promise<void> {
    this.bpf.attachDeviceProgram(this.dir(at), deviceProgram(rules));
  }

  async killAll(at: CgroupPlace): Promise<void> {
    const dir = this.dir(at);
    // cgroup.kill (Linux 5.14) kills the whole subtree at once, forks included
    const once = await writeFile(path.join(dir, 'cgroup.kill'), '1').then(() => true, () => false);
    await killUntilEmpty(path.join(dir, 'cgroup.procs'), async (pids) => {
      if (!once) killPids(pids);
    });
  }

  remove(at: CgroupPlace): Promise<void> {
    return rmdirRetry(this.dir(at));
  }
}

class NoCgroups implements Cgroups {
  readonly version = 0 as const;
  async place(_id: string, parent?: string): Promise<CgroupPlace> {
    if (parent) throw notImplemented('--cgroup-parent needs cgroups, which are not available on this host');
    return { paths: {} };
  }
  async create(): Promise<string[]> { return []; }
  async freeze(): Promise<void> { throw notImplemented('pausing needs cgroups, which are not available on this host'); }
  async thaw(): Promise<void> { throw notImplemented('unpausing needs cgroups, which are not available on this host'); }
  async pids(): Promise<number[]> { return []; }
  async setDevices(): Promise<void> {} // nothing to confine with: see the header
  async killAll(): Promise<void> {} // the pid namespace's end (its init's SIGKILL) is all there is
  async remove(): Promise<void> {}
  async setResources(_at: CgroupPlace, r: Resources): Promise<void> {
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
