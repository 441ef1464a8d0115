/**
 * The Runtime of types.ts over the C helper: lifecycle operations on one container's
 * runtime state in <exec-root>/containers/<id>/ (spec, state.json, exit.json, attach.sock,
 * monitor.log). The containers service serialises calls per container; nothing here keeps
 * per-container memory, so a restarted daemon sees exactly what the old one saw.
 */
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { conflict, invalid, notFound } from '../errors';
import type { StorePaths } from '../store/paths';
import type { Syscalls } from '../../native/ffi';
import { attachMonitor, resizeMonitor } from './attach';
import type { Cgroups } from './cgroups';
import { parsePlace, type CgroupPlace } from './cgroup-place';
import type { CgroupStats } from './cgroup-stats';
import { hasLimits, type Resources } from './resources';
import { resolveDevices } from './devices';
import { startExec } from './exec';
import { parseStartReport, runHelper } from './helper';
import { prepareShm, releaseShm } from './ipc-shm';
import { readMountinfo, type MountEntry } from './mountinfo';
import { isSameProcess } from './proc';
import { watchOomFile, type OomWatch } from './oom-watch';
import { mountRootfs, unmountRootfs } from './rootfs';
import { SecurityResolver } from './security';
import { parseSignal } from './signals';
import { encodeStartSpec } from './spec-file';
import { readExitFile, readState, type MonitorState } from './state';
import type {
  AttachConnection, AttachStreams, ContainerSpec, ExecProcess, ExecSpec, ExitStatus, Runtime, StartedProcess,
} from './types';
import { waitForExit } from './wait';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** In the run directory: the container's CgroupPlace when a --cgroup-parent placed it. */
const PLACE_FILE = 'cgroup.json';

/** Docker's defaults: its capability set, its seccomp profile, no_new_privs off. */
const DEFAULT_SECURITY = { capAdd: [], capDrop: [], privileged: false, securityOpt: [] };

export class HelperRuntime implements Runtime {
  constructor(
    private readonly paths: StorePaths,
    private readonly sys: Syscalls,
    private readonly cgroups: Cgroups,
    private readonly helper: string,
    /** The mount table; injectable so unit tests can pair it with a fake Syscalls. */
    private readonly mounts: () => Promise<MountEntry[]> = readMountinfo,
  ) {
    this.security = new SecurityResolver(path.join(paths.execRoot, 'seccomp'), helper);
  }

  private readonly security: SecurityResolver;

  private isMounted = async (p: string): Promise<boolean> => (await this.mounts()).some((m) => m.mountPoint === p);

  private rundir(id: string): string {
    if (!ID_RE.test(id)) throw invalid(`invalid container id ${JSON.stringify(id)}`);
    return this.paths.containerRunDir(id);
  }

  /**
   * Where the container's cgroup is, as its start recorded it in the run directory (only a
   * --cgroup-parent is recorded: berth's own parent is the default). Synchronous: a small
   * file on the exec-root's tmpfs, read by every stats sample.
   */
  private placeOf(id: string): CgroupPlace | undefined {
    try {
      return parsePlace(readFileSync(path.join(this.rundir(id), PLACE_FILE), 'utf8'));
    } catch {
      return undefined;
    }
  }

  private async placeOrDefault(id: string): Promise<CgroupPlace> {
    return this.placeOf(id) ?? this.cgroups.place(id);
  }

  /** The container's monitor state, only if its init is alive. */
  private async running(id: string): Promise<MonitorState | undefined> {
    const st = await readState(this.rundir(id));
    return st && (await isSameProcess(st.pid, st.startTime)) ? st : undefined;
  }

  private async mustRun(id: string): Promise<MonitorState> {
    const st = await this.running(id);
    if (!st) throw conflict(`Container ${id} is not running`);
    return st;
  }

  async start(spec: ContainerSpec): Promise<StartedProcess> {
    const rundir = this.rundir(spec.id);
    if (await this.running(spec.id)) throw conflict(`container ${spec.id} is already running`);
    const security = await this.security.resolve(spec.security ?? DEFAULT_SECURITY);
    await stopLingeringMonitor(await readState(rundir));
    // a previous run whose cleanup never came (berthd died first) may have left its cgroup
    // under another parent: it goes before the run directory that says where it is
    const before = this.placeOf(spec.id);
    if (before) await this.cgroups.killAll(before).then(() => this.cgroups.remove(before)).catch(() => undefined);
    // a previous run's files (exit.json above all) must not answer for this one
    await releaseShm(this.sys, rundir);
    await fs.rm(rundir, { recursive: true, force: true });
    await fs.mkdir(rundir, { recursive: true, mode: 0o700 });
    const place = await this.cgroups.place(spec.id, spec.cgroupParent);
    // written before the cgroup is made, so whatever follows can find it to remove it
    if (spec.cgroupParent) writeFileSync(path.join(rundir, PLACE_FILE), JSON.stringify(place), { mode: 0o600 });
    const cgroups = await this.cgroups.create(place);
    await mountRootfs(this.sys, spec, path.join(rundir, 'empty-layer'), this.isMounted);
    try {
      await spec.prepareRootfs?.(spec.rootfs);
      // the device policy is in place before any process of the container joins the cgroup
      const devices = await resolveDevices(spec.devices);
      await this.cgroups.setDevices(place, devices.rules);
      // limits too are in place before the container's first process joins
      if (spec.resources && hasLimits(spec.resources)) await this.cgroups.setResources(place, spec.resources);
      const shm = await prepareShm(this.sys, spec, rundir, (id) => this.rundir(id), this.isMounted);
      const mounts = shm.bind ? [shm.bind, ...spec.mounts] : spec.mounts;
      const specFile = path.join(rundir, 'spec');
      await fs.writeFile(specFile, encodeStartSpec({ ...spec, mounts }, { rundir, cgroups, devices: devices.nodes, security, cgroupViews: await this.cgroups.views(place), noOwnShm: shm.noOwnShm }), { mode: 0o600 });
      await spec.netPending?.created; // the helper joins the namespace file: it must exist
      const report = parseStartReport(await runHelper(this.helper, ['start', specFile], spec.netPending?.ready));
      await spec.netPending?.ready; // resolved already (the helper waited for it); a rejection wins
      return { pid: report.pid, startedAt: new Date().toISOString() };
    } catch (caught) {
      // the network's own error says more than the helper's "could not be set up"
      const netErr = spec.netPending && (await Promise.all([spec.netPending.created, spec.netPending.ready]).then(() => undefined, (e: unknown) => e));
      const err = netErr ?? caught;
      // a monitor that died after moving the container into its cgroups (before reporting)
      // leaves a container nobody tracks: it goes now, with anything else in its cgroups
      await this.cgroups.killAll(place).catch(() => undefined);
      await unmountRootfs(this.sys, spec.rootfs).catch(() => undefined);
      await releaseShm(this.sys, rundir).catch(() => undefined);
      await this.cgroups.remove(place).catch(() => undefined);
      // A start that failed leaves nothing in the exec-root: the error is in the record already.
      await stopLingeringMonitor(await readState(rundir).catch(() => undefined)).catch(() => undefined);
      await fs.rm(rundir, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
  }

  async withRootfs<T>(spec: ContainerSpec, fn: () => Promise<T>): Promise<T> {
    if (await this.running(spec.id)) throw conflict(`container ${spec.id} is running`);
    const was = await this.isMounted(spec.rootfs);
    if (!was) await mountRootfs(this.sys, spec, path.join(this.rundir(spec.id), 'empty-layer'), this.isMounted);
    try {
      return await fn();
    } finally {
      if (!was) await unmountRootfs(this.sys, spec.rootfs).catch(() => undefined);
    }
  }

  async attach(id: string, streams: AttachStreams): Promise<AttachConnection> {
    const st = await readState(this.rundir(id));
    if (!st) throw conflict(`container ${id} is not running`);
    return attachMonitor(this.rundir(id), id, st.tty, streams);
  }

  async resize(id: string, rows: number, cols: number): Promise<void> {
    const st = await this.mustRun(id);
    if (!st.tty) return;
    await resizeMonitor(this.rundir(id), id, rows, cols);
  }

  async signal(id: string, signal: string | number): Promise<void> {
    const sig = parseSignal(signal);
    const st = await this.mustRun(id);
    try {
      process.kill(st.pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') throw conflict(`Container ${id} is not running`);
      throw err;
    }
    // SIGKILL ends the whole container, not only its init: the pid namespace goes with its
    // init, and the cgroup catches anything else (its monitor may be gone: issue 9 item 8)
    if (sig === 9) await this.cgroups.killAll(await this.placeOrDefault(id));
  }

  async waitExit(id: string): Promise<ExitStatus> {
    const status = await waitForExit(this.rundir(id));
    // the cgroup is still there (cleanup comes later): did the kernel's OOM killer strike?
    if ((await this.cgroups.oomKills(await this.placeOrDefault(id)).catch(() => 0)) > 0) status.oomKilled = true;
    return status;
  }

  async setResources(id: string, r: Resources): Promise<void> {
    await this.mustRun(id);
    await this.cgroups.setResources(await this.placeOrDefault(id), r);
  }

  async stats(id: string): Promise<CgroupStats> {
    return this.cgroups.stats(await this.placeOrDefault(id));
  }

  watchOom(id: string, onOom: () => void): OomWatch {
    return watchOomFile(this.rundir(id), onOom);
  }

  async readExit(id: string): Promise<ExitStatus | undefined> {
    return readExitFile(this.rundir(id));
  }

  async isRunning(id: string): Promise<boolean> {
    return (await this.running(id)) !== undefined;
  }

  async cleanup(id: string, rootfs: string): Promise<void> {
    const rundir = this.rundir(id);
    const st = await readState(rundir);
    if (st && (await isSameProcess(st.pid, st.startTime))) throw conflict(`container ${id} is still running`);
    await stopLingeringMonitor(st);
    // nothing of the container outlives it, even when its monitor died before it did
    const place = await this.placeOrDefault(id);
    await this.cgroups.killAll(place);
    await unmountRootfs(this.sys, rootfs);
    await releaseShm(this.sys, rundir);
    await this.cgroups.remove(place);
    await fs.rm(rundir, { recursive: true, force: true });
  }

  async pause(id: string): Promise<void> {
    await this.mustRun(id);
    await this.cgroups.freeze(await this.placeOrDefault(id));
  }

  async unpause(id: string): Promise<void> {
    await this.mustRun(id);
    await this.cgroups.thaw(await this.placeOrDefault(id));
  }

  async pids(id: string): Promise<number[]> {
    const st = await this.mustRun(id);
    const pids = await this.cgroups.pids(await this.placeOrDefault(id));
    return pids.length > 0 ? pids : [st.pid];
  }

  async exec(id: string, spec: ExecSpec): Promise<ExecProcess> {
    if (spec.args.length === 0) throw invalid('No exec command specified');
    const st = await this.mustRun(id);
    const security = await this.security.resolve(spec.security ?? DEFAULT_SECURITY, spec.privileged === true);
    const cgroups = await this.cgroups.create(await this.placeOrDefault(id));
    return startExec(this.helper, this.rundir(id), st.pid, spec, cgroups, security);
  }

  async reconcile(): Promise<string[]> {
    // compile Docker's default filter now, in the background, so that the first `docker run`
    // after a boot does not wait for libseccomp (tens of ms); a failure here is retried and
    // reported by the first start
    this.security.resolve(DEFAULT_SECURITY).catch(() => undefined);
    // rootfs mounts under the data root, shareable /dev/shm tmpfs under the exec root
    const prefixes = [this.paths.containers + path.sep, this.paths.runContainers + path.sep];
    const stale: string[] = [];
    for (const m of await this.mounts()) {
      const prefix = prefixes.find((p) => m.mountPoint.startsWith(p));
      if (!prefix) continue;
      const id = m.mountPoint.slice(prefix.length).split(path.sep)[0] ?? '';
      if (!ID_RE.test(id) || (await this.isRunning(id))) continue;
      if (!stale.includes(m.mountPoint)) stale.push(m.mountPoint);
    }
    // deepest first, so nested mounts come off before their parents
    stale.sort((a, b) => b.length - a.length);
    for (const p of stale) await unmountRootfs(this.sys, p);
    return stale;
  }
}

/**
 * A monitor whose container has exited may still wait for an attach (await_attach) that will
 * not come; exit.json is written by then, so it is safe to end it.
 */
async function stopLingeringMonitor(st: MonitorState | undefined): Promise<void> {
  if (!st || !(await isSameProcess(st.monitorPid, st.monitorStartTime))) return;
  try {
    process.kill(st.monitorPid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

export function assertHelperExists(helper: string): Promise<void> {
  return fs.access(helper).catch(() => {
    throw notFound(`the container helper ${helper} is missing; build it with \`make -C native/helper\``);
  });
}
