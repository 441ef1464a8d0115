/**
 * The containers service: the set of containers, their names, and Docker's lifecycle
 * (created → running ⇄ paused → exited, and removal) over the runtime. Each state change
 * follows reload → guard → act → save under a per-container lock; waiting (stop's timeout,
 * wait conditions) happens outside the lock, on the notifier's events. Throws BerthError with
 * Docker's messages; never touches HTTP. Exits are observed through runtime.waitExit, which
 * keeps working across a daemon restart (see recover()).
 */
import type { Ulimit } from '../ulimits';
import type { Digest } from '../oci/digest';
import { promises as fs } from 'node:fs';
import { BerthError, conflict, describe, invalid, notFound } from '../errors';
import { log } from '../log';
import type { AttachConnection, AttachStreams, Runtime, ExitStatus } from '../runtime/types';
import type { EventBus } from '../events';
import { parseCreateRequest } from './create-config';
import { logSettingsOf, mergeLogConfig, type LogConfig } from '../log-config';
import { buildContainer, ImageStores, newContainerId } from './create';
import { generateName, normalizeName } from './names';
import { KeyedMutex } from './mutex';
import { ContainerNotifier } from './notifier';
import { ContainerRecord, ContainerStore } from './record';
import { ContainerNameIndex } from './name-index';
import { specOf } from './spec';
import { exitCodeForStartError } from './status';
import { createWarnings } from './warnings';
import { killContainer, stopContainer } from './stop';
import { canPause, canRemove, canStart, canUnpause, mustBeRunning, toAdopted, toExited, toPaused, toRemoving, toRestartAbandoned, toRestarting, toRunning, toStartFailed } from './lifecycle';
import { decideRestart, policyOf, restartsWithDaemon, type RestartBackoff } from './restart-policy';
import { parseSignal } from '../runtime/signals';
import { probeOf, toHealthStarting, toHealthStopped } from './health';
import { HealthMonitor } from './health-monitor';
import { attachContainer, type AttachIo, type AttachOptions } from './attach';
import { pumpLogs, type LogStreamOptions } from './log-stream';
import type { ContainerNetworking, SandboxInfo } from './networking';
import { checkNamespaceModes, namespacePaths } from './namespaces';
import { writeEtcFiles } from './etc-files';
import type { WaitResult } from '../wire/types';
import { sortMounts, volumeMountSpecs, type ContainerVolumes } from './volume-mounts';
import type { RootView } from '../layers/in-root';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';
export type { WaitResult } from '../wire/types';

export class ContainerService {
  private readonly names: ContainerNameIndex;
  private readonly locks = new KeyedMutex();
  readonly notifier: ContainerNotifier;
  /** Log file size when the current run started: attach-before-start streams from here. */
  private readonly runLogOffset = new Map<string, number>();
  /** Collects image layers a removed container was the last user of (the images service's GC). */
  private readonly releaseLayers?: (chainIds: readonly Digest[]) => Promise<unknown>;
  /** Bridge networks, ports, DNS (daemon/networks). Without it: the helper's loopback only. */
  private readonly networking?: ContainerNetworking;
  /** Restart policies: back-off per container, pending restarts, and runs a `stop` ended (no restart). */
  private readonly backoffs = new Map<string, RestartBackoff>();
  private readonly restartTimers = new Map<string, NodeJS.Timeout>();
  private readonly restartCanceled = new Set<string>();
  /** Health checks of running containers. */
  private readonly health: HealthMonitor;

  constructor(
    readonly images: ImageStores,
    readonly store: ContainerStore,
    readonly runtime: Runtime,
    bus?: EventBus,
    deps: {
      names?: ContainerNameIndex;
      releaseLayers?: (chainIds: readonly Digest[]) => Promise<unknown>;
      /** daemon.json default-ulimits, read at each start (a SIGHUP reload applies to the next). */
      defaultUlimits?: () => readonly Ulimit[];
      networking?: ContainerNetworking;
      /** daemon.json log-driver and log-opts, read at each create. */
      defaultLogConfig?: () => LogConfig;
      /** Named and anonymous volumes (daemon/volumes). Without it `-v NAME:/p` is refused. */
      volumes?: ContainerVolumes;
      /** berthd's --cgroup-parent: the parent of containers whose HostConfig names none. */
      cgroupParent?: string;
    } = {},
  ) {
    this.notifier = new ContainerNotifier(bus);
    this.names = deps.names ?? new ContainerNameIndex();
    this.releaseLayers = deps.releaseLayers;
    this.defaultUlimits = deps.defaultUlimits ?? (() => []);
    this.networking = deps.networking;
    this.volumes = deps.volumes;
    this.cgroupParent = deps.cgroupParent;
    this.defaultLogConfig = deps.defaultLogConfig ?? (() => ({ Type: 'json-file', Config: {} }));
    this.health = new HealthMonitor({
      runtime,
      update: (id, fn) => this.locks.run(id, async () => {
        const r = this.names.byExactId(id);
        if (r && fn(r)) await this.store.save(r);
      }),
      publish: (action, id) => {
        const r = this.names.byExactId(id);
        if (r) this.notifier.publish(action, r);
      },
    });
  }

  private readonly defaultLogConfig: () => LogConfig;

  private readonly volumes?: ContainerVolumes;

  private readonly cgroupParent?: string;

  private readonly defaultUlimits: () => readonly Ulimit[];

  // ---- lookup ----

  all(): ContainerRecord[] {
    return this.names.all();
  }

  /** Docker's lookup order: full id, exact name, unique id prefix. */
  find(ref: string): ContainerRecord | undefined {
    return this.names.find(ref);
  }

  get(ref: string): ContainerRecord {
    return this.names.get(ref);
  }

  /** For streams: called once the container runs (attach-before-start waits for this). */
  onStarted(id: string, fn: () => void): () => void {
    return this.notifier.onceAny(['started'], id, fn);
  }

  /** For streams: the process ended (before waiters hear of it), or the container is gone. */
  onExitOrRemoved(id: string, fn: () => void): () => void {
    return this.notifier.onceAny(['stopped', 'removed'], id, fn);
  }

  /** For stats streams, which go on through stops and starts: the container is gone. */
  onRemoved(id: string, fn: () => void): () => void {
    return this.notifier.onceAny(['removed'], id, fn);
  }

  /** An attach waits for this container's start; returns the release function (idempotent). */
  expectAttach(id: string): () => void {
    return this.notifier.expectAttach(id);
  }

  /** The container's logging driver, as `logs` must know before it answers. */
  logDriver(ref: string): string {
    return logSettingsOf(this.get(ref).HostConfig.LogConfig as Partial<LogConfig> | undefined).driver;
  }

  logOffsetOfRun(id: string): number {
    return this.runLogOffset.get(id) ?? 0;
  }

  logFileOf(id: string): string {
    return this.store.pathsOf(id).log;
  }

  /** Connects to a running container's monitor (attach's live output and stdin). */
  connect(id: string, streams: AttachStreams): Promise<AttachConnection> {
    return this.runtime.attach(id, streams);
  }

  /**
   * Streams a container's json-file log into `sink` (GET /containers/{id}/logs); with `follow`
   * it ends once the container has ended and the file is drained, or at `signal`.
   */
  logs(id: string, o: LogStreamOptions, sink: (b: Buffer) => boolean | void, signal: AbortSignal, drained?: () => Promise<void>): Promise<void> {
    return pumpLogs(this.logFileOf(id), o, () => !this.find(id)?.State.Running, signal, sink, (fn) => this.onExitOrRemoved(id, fn), drained);
  }

  /**
   * Attaches a client (containers/attach.ts); the container's exit is reported only once this
   * stream drained, so an attached client gets all the output before waiters hear of the exit.
   */
  attach(ref: string, o: AttachOptions, io: AttachIo): Promise<void> {
    const rec = this.get(ref);
    return this.notifier.trackStream(rec.Id, attachContainer(this, rec, o, io));
  }

  // ---- create / rename / remove ----

  async create(name: string | undefined, body: unknown): Promise<{ Id: string; Warnings: string[] }> {
    const req = parseCreateRequest(body);
    req.hostConfig.LogConfig = mergeLogConfig(req.hostConfig.LogConfig as Partial<LogConfig> | undefined, this.defaultLogConfig());
    const id = newContainerId();
    const wanted = name ? normalizeName(name) : generateName((n) => !!this.names.owner(n));
    // Reserve the name while the directory is made, so two creates cannot both take it.
    const release = this.names.reserve(wanted, id);
    try {
      checkNamespaceModes(req.hostConfig, (ref) => this.find(ref));
      if (this.networking) {
        req.networkState = this.networking.prepare({ id, name: wanted, hostConfig: req.hostConfig, networkingConfig: req.networkingConfig, exposedPorts: req.config.ExposedPorts });
      }
      const rec = await buildContainer(this.images, this.store, id, wanted, req,
        this.volumes ? { service: this.volumes, lookup: (ref) => this.names.find(ref) } : undefined);
      this.names.add(rec);
      log.info('container created', { id, name: wanted });
      this.notifier.publish('create', rec);
      return { Id: id, Warnings: createWarnings(rec.HostConfig) };
    } finally {
      release();
    }
  }

  async rename(ref: string, newName: string): Promise<void> {
    if (!newName) throw invalid('Neither old nor new names may be empty');
    const wanted = normalizeName(newName);
    const rec = this.get(ref);
    await this.locks.run(rec.Id, async () => {
      if (rec.Name === wanted) throw conflict('Renaming a container with the same name as its current name');
      this.names.checkFree(wanted);
      const oldName = rec.Name;
      rec.Name = wanted;
      await this.store.save(rec);
      this.notifier.publish('rename', rec, { oldName });
    });
  }

  /** Ids of the containers (any state) whose MountPoints name the volume. */
  usersOfVolume(name: string): string[] {
    return this.all().filter((r) => (r.MountPoints ?? []).some((m) => m.Type === 'volume' && m.Name === name)).map((r) => r.Id);
  }

  /** `removeVolumes` (`rm -v`): the container's anonymous volumes go too; named ones stay. */
  async remove(ref: string, force: boolean, removeVolumes = false): Promise<void> {
    const rec = this.get(ref);
    canRemove(rec, force);
    if (rec.State.Running) {
      this.restartCanceled.add(rec.Id); // the kill below is no exit for the restart policy to answer
      const exited = this.notifier.next('exited', rec.Id);
      if (rec.State.Paused) await this.runtime.unpause(rec.Id).catch(() => undefined);
      await this.runtime.signal(rec.Id, 9).catch((err) => log.warn('kill before remove failed', { id: rec.Id, error: describe(err) }));
      await exited;
    }
    await this.destroy(rec.Id, removeVolumes);
  }

  /** Deletes a stopped container; idempotent (auto-remove and `rm -f` may race). */
  private async destroy(id: string, removeVolumes = false): Promise<void> {
    await this.locks.run(id, async () => {
      const rec = this.names.byExactId(id);
      if (!rec) return;
      this.cancelRestart(id);
      this.health.stop(id);
      const undo = toRemoving(rec.State);
      try {
        await this.networking?.detach(rec);
        await this.runtime.cleanup(id, this.store.pathsOf(id).rootfs);
        await this.volumes?.release?.(id);
      } catch (err) {
        undo();
        throw err;
      }
      await this.store.delete(id);
      this.names.delete(id);
      this.runLogOffset.delete(id);
      log.info('container removed', { id });
      // After `rmi -f` of its image, this container was the last user of those layers.
      if (this.releaseLayers) {
        await this.releaseLayers(rec.LayerChainIds).catch((err) => log.warn('releasing image layers failed', { id, error: describe(err) }));
      }
      if (removeVolumes) await this.removeAnonymousVolumes(rec);
      this.notifier.emit('removed', id, rec.State.ExitCode);
      this.notifier.publish('destroy', rec);
    });
  }

  /** Anonymous volumes of a removed container that no other container uses (volumes-from). */
  private async removeAnonymousVolumes(rec: ContainerRecord): Promise<void> {
    for (const m of rec.MountPoints ?? []) {
      if (!m.Anonymous || !m.Name || this.usersOfVolume(m.Name).length) continue;
      await this.volumes?.remove(m.Name, true).catch((err) => log.warn('removing an anonymous volume failed', { id: rec.Id, volume: m.Name, error: describe(err) }));
    }
  }

  // ---- start / exit ----

  /** A user's start (also `restart`): resets the restart policy's count, back-off and manual stop, as Docker. */
  start(ref: string): Promise<void> {
    return this.startRun(ref, true);
  }

  private async startRun(ref: string, byUser: boolean): Promise<void> {
    const rec = this.get(ref);
    let failure: BerthError | undefined;
    await this.locks.run(rec.Id, async () => {
      if (!this.names.byExactId(rec.Id)) throw notFound(`No such container: ${ref}`);
      canStart(rec);
      this.cancelRestart(rec.Id);
      this.restartCanceled.delete(rec.Id);
      if (byUser) {
        this.backoffs.delete(rec.Id);
        rec.RestartCount = 0;
        delete rec.ManuallyStopped;
      }
      const p = this.store.pathsOf(rec.Id);
      const logSize = await fs.stat(p.log).then((s) => s.size, () => 0);
      let sandbox: SandboxInfo | undefined;
      try {
        for (const dir of [p.upper, p.work, p.rootfs]) await fs.mkdir(dir, { recursive: true });
        const namespaces = namespacePaths(rec, (ref) => this.find(ref)); // before anything is set up
        if (this.networking) sandbox = await this.attachNetwork(rec);
        const spec = specOf(rec, p, (c) => this.images.layers.diffDir(c), this.defaultUlimits(), sandbox);
        const volumes = this.volumes;
        if (volumes && rec.MountPoints?.length) {
          const vm = volumeMountSpecs(rec.MountPoints, volumes);
          spec.mounts = sortMounts([...spec.mounts, ...vm]);
          const seeds = vm.flatMap((m) => (m.type === 'bind' && m.seed ? [{ source: m.source, destination: m.destination }] : []));
          if (seeds.length) spec.prepareRootfs = (rootfs) => volumes.seed(rootfs, seeds);
        }
        Object.assign(spec, namespaces);
        if (!spec.cgroupParent && this.cgroupParent) spec.cgroupParent = this.cgroupParent; // dockerd's order: the container's, the daemon's
        spec.awaitAttach = this.notifier.attachPending(rec.Id);
        if (sandbox?.pending) spec.netPending = sandbox.pending;
        const started = await this.activateVolumes(rec).then(() => this.runtime.start(spec)).catch(async (err) => {
          if (sandbox) await this.detachSettled(rec, sandbox);
          await this.volumes?.release?.(rec.Id).catch(() => undefined);
          throw err;
        });
        this.runLogOffset.set(rec.Id, logSize);
        toRunning(rec.State, started);
        if (probeOf(rec.Config)) toHealthStarting(rec.State);
        else delete rec.State.Health;
        await this.store.save(rec);
      } catch (err) {
        const message = describe(err);
        toStartFailed(rec.State, exitCodeForStartError(err), message);
        toRestartAbandoned(rec.State); // Docker gives up on a policy whose restart could not start
        await this.store.save(rec).catch(() => undefined);
        failure = err instanceof BerthError ? err : new BerthError('System', message, { cause: err });
        return;
      }
      log.info('container started', { id: rec.Id, pid: rec.State.Pid });
      this.notifier.emit('started', rec.Id);
      this.publishVolumes('mount', rec);
      this.notifier.publish('start', rec);
      this.watchExit(rec.Id);
      this.health.start(rec);
    });
    if (failure) {
      this.notifier.emit('stopped', rec.Id);
      this.notifier.emit('exited', rec.Id, rec.State.ExitCode);
      if (rec.HostConfig.AutoRemove) await this.destroy(rec.Id, true).catch(() => undefined);
      throw failure;
    }
  }

  /**
   * The container's network before its start, and its /etc files to match. The files need
   * only the addresses, so they are written while the namespace is still being set up.
   */
  private async attachNetwork(rec: ContainerRecord): Promise<SandboxInfo> {
    const sandbox = await (this.networking as ContainerNetworking).attach(rec);
    try {
      if (!sandbox.shareFrom) {
        await writeEtcFiles(this.store.pathsOf(rec.Id), rec.Config.Hostname || rec.Id.slice(0, 12), rec.Config.Domainname ?? '', rec.HostConfig, sandbox);
      }
    } catch (err) {
      await this.detachSettled(rec, sandbox);
      throw err;
    }
    return sandbox;
  }

  /** Docker's volume events for a container's volumes as its run begins and ends. */
  private publishVolumes(action: 'mount' | 'unmount', rec: ContainerRecord): void {
    for (const m of rec.MountPoints ?? []) {
      if (m.Type !== 'volume' || !m.Name) continue;
      this.notifier.publishVolume(action, m.Name, action === 'mount'
        ? { container: rec.Id, destination: m.Destination, driver: 'local', propagation: '', 'read/write': String(m.RW) }
        : { container: rec.Id, driver: 'local' });
    }
  }

  /** The container's volumes that have a filesystem of their own get it mounted (tmpfs). */
  private async activateVolumes(rec: ContainerRecord): Promise<void> {
    const names = (rec.MountPoints ?? []).flatMap((m) => (m.Type === 'volume' && m.Name ? [m.Name] : []));
    if (names.length) await this.volumes?.activate?.(rec.Id, names);
  }

  /** Undoes an attachment once its setup (if still under way) has settled. */
  private async detachSettled(rec: ContainerRecord, sandbox: SandboxInfo): Promise<void> {
    await sandbox.pending?.ready.catch(() => undefined);
    await this.networking?.detach(rec).catch(() => undefined);
  }

  /**
   * Follows a running container to its exit (also used after a daemon restart), and its OOM
   * kills as they happen: `oom` goes out at the kill, as dockerd's (it hears containerd's
   * TaskOOM), and the exit only announces one the live watch missed.
   */
  private watchExit(id: string): void {
    let oomSeen = false;
    const oom = this.runtime.watchOom?.(id, () => {
      oomSeen = true;
      void this.onOom(id);
    });
    this.runtime.waitExit(id).then(
      (status) => {
        oom?.flush(); // the last kill's news comes before the death it caused
        oom?.close();
        if (oomSeen) status.oomKilled = true;
        return this.onExit(id, status, oomSeen);
      },
      (err) => {
        oom?.close();
        return this.onExit(id, { exitCode: 255, finishedAt: new Date().toISOString(), error: describe(err) }, oomSeen);
      },
    ).catch((err) => log.error('recording a container exit failed', { id, error: describe(err) }));
  }

  /** An OOM kill in a running container: State.OOMKilled and the `oom` event, as dockerd. */
  private async onOom(id: string): Promise<void> {
    const rec = this.names.byExactId(id);
    if (!rec) return;
    this.notifier.publish('oom', rec);
    await this.locks.run(id, async () => {
      const r = this.names.byExactId(id);
      if (!r || !r.State.Running) return;
      r.State.OOMKilled = true;
      await this.store.save(r);
    }).catch((err) => log.warn('recording an OOM kill failed', { id, error: describe(err) }));
  }

  private async onExit(id: string, status: ExitStatus, oomAnnounced = false): Promise<void> {
    let rec: ContainerRecord | undefined;
    let restartDelay: number | undefined;
    await this.locks.run(id, async () => {
      const r = this.names.byExactId(id);
      if (!r || !r.State.Running) return;
      const ranMs = Date.parse(status.finishedAt) - Date.parse(r.State.StartedAt);
      this.health.stop(id);
      toExited(r.State, status);
      toHealthStopped(r.State);
      const backoff = this.backoffs.get(id) ?? { delayMs: 0 };
      this.backoffs.set(id, backoff);
      const decision = this.restartCanceled.has(id)
        ? { restart: false as const }
        : decideRestart(policyOf(r.HostConfig), { exitCode: status.exitCode, manuallyStopped: r.ManuallyStopped === true, ranMs: Number.isFinite(ranMs) ? ranMs : 0, restartCount: r.RestartCount }, backoff);
      if (decision.restart) {
        toRestarting(r.State);
        r.RestartCount++;
        restartDelay = decision.delayMs;
      }
      // Before anyone hears of the exit: its ports and addresses are free for the next start.
      await this.networking?.detach(r).catch((err) => log.warn('network teardown failed', { id, error: describe(err) }));
      await this.store.save(r);
      log.info('container exited', { id, exitCode: status.exitCode });
      rec = r;
    });
    if (!rec) return;
    const exited: ContainerRecord = rec;
    // As Docker does, waiters hear of the exit only once attached clients got all the output.
    // Cleanup ends the monitor, so it comes after the drain: an attach made before start may
    // connect only now, and the monitor still holds the run's output for it.
    this.notifier.emit('stopped', id);
    await this.notifier.drainStreams(id);
    await this.locks.run(id, async () => {
      const r = this.names.byExactId(id);
      if (!r || r.State.Running || r.State.Status === 'removing') return; // restarted or being removed meanwhile
      await this.runtime.cleanup(id, this.store.pathsOf(id).rootfs).catch((err) => log.warn('runtime cleanup failed', { id, error: describe(err) }));
      await this.volumes?.release?.(id).catch((err) => log.warn('releasing volumes failed', { id, error: describe(err) }));
      this.publishVolumes('unmount', r);
    });
    this.notifier.emit('exited', id, exited.State.ExitCode);
    // Docker's order: the kernel's OOM kill is announced before the death it caused (at the
    // kill when the monitor saw it, else here)
    if (exited.State.OOMKilled && !oomAnnounced) this.notifier.publish('oom', exited);
    this.notifier.publish('die', exited, { exitCode: String(exited.State.ExitCode) });
    if (restartDelay !== undefined) this.scheduleRestart(id, restartDelay);
    if (exited.HostConfig.AutoRemove) await this.destroy(id, true);
  }

  // ---- restart policies ----

  private scheduleRestart(id: string, delayMs: number): void {
    this.cancelRestart(id);
    const timer = setTimeout(() => {
      this.restartTimers.delete(id);
      void this.restartNow(id);
    }, delayMs);
    timer.unref();
    this.restartTimers.set(id, timer);
    log.info('container will restart', { id, delayMs });
  }

  private cancelRestart(id: string): void {
    const t = this.restartTimers.get(id);
    if (t) clearTimeout(t);
    this.restartTimers.delete(id);
  }

  private async restartNow(id: string): Promise<void> {
    const rec = this.names.byExactId(id);
    if (!rec || !rec.State.Restarting) return;
    await this.startRun(id, false).catch((err) => log.warn('restarting a container failed; its policy gives up', { id, error: describe(err) }));
  }

  /** stop/kill of a container waiting out its back-off: it stays exited (Docker's answer is success). */
  private async abandonRestart(rec: ContainerRecord): Promise<boolean> {
    let abandoned = false;
    await this.locks.run(rec.Id, async () => {
      if (!rec.State.Restarting) return;
      this.cancelRestart(rec.Id);
      rec.ManuallyStopped = true;
      toRestartAbandoned(rec.State);
      await this.store.save(rec);
      abandoned = true;
    });
    return abandoned;
  }

  /** A user's stop or kill: unless-stopped stays down; `cancel` (stop, or kill with the stop signal) ends restarts. */
  private async markManualStop(rec: ContainerRecord, cancel: boolean): Promise<void> {
    if (!rec.State.Running) return;
    if (cancel) this.restartCanceled.add(rec.Id);
    if (rec.ManuallyStopped) return;
    await this.locks.run(rec.Id, async () => {
      rec.ManuallyStopped = true;
      await this.store.save(rec);
    });
  }

  // ---- stop / kill / restart / pause ----

  async stop(ref: string, timeoutSeconds?: number, signal?: string): Promise<void> {
    const rec = this.get(ref);
    if (await this.abandonRestart(rec)) return;
    await this.markManualStop(rec, true);
    await stopContainer(this, rec, timeoutSeconds, signal);
  }

  async kill(ref: string, signal = 'SIGKILL'): Promise<void> {
    const rec = this.get(ref);
    if (await this.abandonRestart(rec)) return;
    const sig = parseSignal(signal);
    // Docker: a kill marks a manual stop; only the container's stop signal also ends restarts.
    await this.markManualStop(rec, sig === parseSignal(rec.Config.StopSignal || 'SIGTERM'));
    await killContainer(this, rec, ref, signal);
  }

  async restart(ref: string, timeoutSeconds?: number, signal?: string): Promise<void> {
    const rec = this.get(ref);
    if (rec.State.Running || rec.State.Restarting) await this.stop(rec.Id, timeoutSeconds, signal);
    await this.start(rec.Id);
  }

  async pause(ref: string): Promise<void> {
    await this.setPaused(this.get(ref), true);
  }

  async unpause(ref: string): Promise<void> {
    await this.setPaused(this.get(ref), false);
  }

  private async setPaused(rec: ContainerRecord, paused: boolean): Promise<void> {
    await this.locks.run(rec.Id, async () => {
      if (paused) canPause(rec);
      else canUnpause(rec);
      await (paused ? this.runtime.pause(rec.Id) : this.runtime.unpause(rec.Id));
      toPaused(rec.State, paused);
      await this.store.save(rec);
      this.notifier.publish(paused ? 'pause' : 'unpause', rec);
    });
  }

  async resize(ref: string, rows: number, cols: number): Promise<void> {
    const rec = this.get(ref);
    mustBeRunning(rec);
    await this.runtime.resize(rec.Id, rows, cols);
  }

  /**
   * Validates now (unknown container → 404 before any header is sent) and returns a promise
   * of the result for the condition, so the API can flush its headers in between.
   */
  wait(ref: string, condition: string | undefined): Promise<WaitResult> {
    const rec = this.get(ref);
    const cond = (condition || 'not-running') as WaitCondition;
    if (!['not-running', 'next-exit', 'removed'].includes(cond)) throw invalid(`invalid condition: "${condition}"`);
    const result = (code: number): WaitResult => ({ StatusCode: code, Error: null });
    if (cond === 'removed') return this.notifier.next('removed', rec.Id).then(result);
    if (cond === 'not-running' && !rec.State.Running) return Promise.resolve(result(rec.State.ExitCode));
    return this.notifier.next('exited', rec.Id).then(result);
  }

  // ---- recovery ----

  /** Loads every record and reconciles it with what is really running. Called once at start. */
  async recover(): Promise<void> {
    await this.store.init();
    const records = await this.store.loadAll();
    const alive = new Set<string>();
    for (const rec of records) if (await this.runtime.isRunning(rec.Id).catch(() => false)) alive.add(rec.Id);
    // Networks first: running containers keep theirs, the rest is torn down (berthd may have
    // been killed between a start and its record, or while containers died).
    await this.networking?.recover(records, (id) => alive.has(id));
    for (const rec of records) {
      this.names.add(rec);
      if (rec.State.Status === 'removing') {
        await this.destroy(rec.Id).catch((err) => log.warn('finishing a removal failed', { id: rec.Id, error: describe(err) }));
        continue;
      }
      const running = alive.has(rec.Id);
      if (!rec.State.Running && running) {
        // berthd died between starting the process and recording it: adopt the container.
        toAdopted(rec.State, new Date().toISOString());
        await this.store.save(rec);
      }
      if (!rec.State.Running) continue;
      if (running) {
        log.info('re-attached to running container', { id: rec.Id });
        await this.activateVolumes(rec).catch((err) => log.warn('re-activating volumes failed', { id: rec.Id, error: describe(err) }));
        this.watchExit(rec.Id);
        this.health.start(rec);
        continue;
      }
      const status = (await this.runtime.readExit(rec.Id).catch(() => undefined)) ?? {
        exitCode: 255, finishedAt: new Date().toISOString(), error: 'the container ended while berthd was down and left no exit status',
      };
      await this.onExit(rec.Id, status);
    }
    // volume filesystems of containers that ended while berthd was down go now
    await this.volumes?.sweepMounts?.().catch((err) => log.warn('sweeping volume mounts failed', { error: describe(err) }));
    // Restart policies: what was stopped when berthd went away and its policy brings back
    // (those that died while it was down were just scheduled by onExit, with their back-off).
    for (const rec of records) {
      if (this.restartTimers.has(rec.Id) || !this.names.byExactId(rec.Id) || !restartsWithDaemon(rec)) continue;
      log.info('starting container by its restart policy', { id: rec.Id, policy: policyOf(rec.HostConfig).Name });
      await this.startRun(rec.Id, true).catch((err) => log.warn('starting a container by its restart policy failed', { id: rec.Id, error: describe(err) }));
    }
  }

  /**
   * Runs `fn` over the container's filesystem as its processes see it (the archive API): a
   * running container's through /proc/<pid>/root (its mounts included); a stopped one's with
   * the rootfs mounted for the call and its volumes and binds mapped in, under the lifecycle
   * lock so no start interleaves.
   */
  async withFilesystem<T>(ref: string, fn: (view: RootView, rec: ContainerRecord) => Promise<T>): Promise<T> {
    const rec = this.get(ref);
    if (rec.State.Running && rec.State.Pid > 0) return fn({ root: `/proc/${rec.State.Pid}/root` }, rec);
    return this.locks.run(rec.Id, async () => {
      if (rec.State.Running && rec.State.Pid > 0) return fn({ root: `/proc/${rec.State.Pid}/root` }, rec);
      const p = this.store.pathsOf(rec.Id);
      const spec = specOf(rec, p, (c) => this.images.layers.diffDir(c), []);
      const vm = this.volumes && rec.MountPoints?.length ? volumeMountSpecs(rec.MountPoints, this.volumes) : [];
      const mounts = [...spec.mounts, ...vm].flatMap((m) => (m.type === 'bind' ? [{ destination: m.destination, source: m.source }] : []));
      const view: RootView = { root: p.rootfs, mounts };
      if (!this.runtime.withRootfs) throw new BerthError('NotImplemented', 'this runtime cannot open a stopped container\'s filesystem');
      return this.runtime.withRootfs(spec, () => fn(view, rec));
    });
  }

  /** For network connect/disconnect: changes a record under its lifecycle lock, then saves it. */
  async updateRecord(id: string, fn: (rec: ContainerRecord) => Promise<void>): Promise<void> {
    await this.locks.run(id, async () => {
      const rec = this.names.byExactId(id);
      if (!rec) throw notFound(`No such container: ${id}`);
      await fn(rec);
      await this.store.save(rec);
    });
  }

  /** Containers created from an image (for rmi conflicts). */
  usersOfImage(imageId: string): { id: string; running: boolean }[] {
    return this.all().filter((r) => r.Image === imageId).map((r) => ({ id: r.Id, running: r.State.Running }));
  }
}
