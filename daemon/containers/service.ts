/**
 * The containers service: the set of containers, their names, and Docker's lifecycle
 * (created → running ⇄ paused → exited, and removal) over the runtime. Each operation follows
 * reload → guard → act → save under a per-container lock; waiting (stop's timeout, wait
 * conditions) happens outside the lock. Throws BerthError with Docker's messages; never
 * touches HTTP. Exits are observed through runtime.waitExit, which keeps working across a
 * daemon restart (see recover()).
 */
import { EventEmitter } from 'node:events';
import { promises as fs } from 'node:fs';
import { BerthError, conflict, describe, invalid, notFound, notModified } from '../errors';
import { log } from '../log';
import type { Runtime, ContainerSpec, ExitStatus } from '../runtime/types';
import { parseCreateRequest, processEnv } from './create-config';
import { buildContainer, ImageStores, newContainerId } from './create';
import { generateName, normalizeName } from './names';
import { mountsOf } from './mounts';
import { KeyedMutex } from './mutex';
import { ContainerRecord, ContainerStore } from './record';
import { exitCodeForStartError } from './status';
import { parseSignal } from './signals';
import type { EventBus } from '../events';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';
export interface WaitResult { StatusCode: number; Error: { Message: string } | null }

const DEFAULT_STOP_TIMEOUT = 10;
/** How long auto-remove waits for attached clients to read the last output. */
const STREAM_DRAIN_MS = 5000;

export class ContainerService {
  private readonly byId = new Map<string, ContainerRecord>();
  private readonly events = new EventEmitter();
  private readonly locks = new KeyedMutex();
  /** Log file size when the current run started: attach-before-start streams from here. */
  private readonly runLogOffset = new Map<string, number>();
  /** Output streams (attach) still reading a container's log: auto-remove waits for them. */
  private readonly streams = new Map<string, Set<Promise<void>>>();
  /** Names taken by creates still in progress → their ids. */
  private readonly reserved = new Map<string, string>();

  constructor(
    readonly images: ImageStores,
    readonly store: ContainerStore,
    readonly runtime: Runtime,
    private readonly bus?: EventBus,
  ) {
    this.events.setMaxListeners(0);
  }

  // ---- lookup ----

  all(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  /** Docker's lookup order: full id, exact name, unique id prefix. */
  find(ref: string): ContainerRecord | undefined {
    const exact = this.byId.get(ref);
    if (exact) return exact;
    const name = ref.startsWith('/') ? ref : `/${ref}`;
    for (const r of this.byId.values()) if (r.Name === name) return r;
    if (!/^[a-f0-9]+$/.test(ref)) return undefined;
    const hits = this.all().filter((r) => r.Id.startsWith(ref));
    if (hits.length > 1) throw invalid(`multiple IDs found with provided prefix: ${ref}`);
    return hits[0];
  }

  get(ref: string): ContainerRecord {
    const r = this.find(ref);
    if (!r) throw notFound(`No such container: ${ref}`);
    return r;
  }

  private nameTaken(name: string): Pick<ContainerRecord, 'Id'> | undefined {
    for (const r of this.byId.values()) if (r.Name === name) return r;
    const reservedBy = this.reserved.get(name);
    return reservedBy ? { Id: reservedBy } : undefined;
  }

  private nameConflict(name: string, owner: Pick<ContainerRecord, 'Id'>): BerthError {
    return conflict(`Conflict. The container name "${name}" is already in use by container "${owner.Id}". You have to remove (or rename) that container to be able to reuse that name.`);
  }

  // ---- events ----

  private emit(kind: 'started' | 'exited' | 'removed', id: string, code = 0): void {
    this.events.emit(`${kind}:${id}`, code);
    const action = kind === 'started' ? 'start' : kind === 'exited' ? 'die' : 'destroy';
    this.publish(action, id, kind === 'exited' ? { exitCode: String(code) } : {});
  }

  /** A Docker event (`docker events`) about a container. */
  private publish(action: string, id: string, extra: Record<string, string> = {}, rec = this.byId.get(id)): void {
    const attrs: Record<string, string> = { ...extra };
    if (rec) {
      attrs.name = rec.Name.slice(1);
      attrs.image = rec.Config.Image;
      for (const [k, v] of Object.entries(rec.Config.Labels ?? {})) attrs[k] = v;
    }
    this.bus?.emit('container', action, id, attrs);
  }

  /** Resolves at the container's next event of this kind. */
  private next(kind: 'started' | 'exited' | 'removed', id: string): Promise<number> {
    return new Promise((resolve) => this.events.once(`${kind}:${id}`, resolve));
  }

  onStarted(id: string, fn: () => void): () => void {
    const h = () => fn();
    this.events.once(`started:${id}`, h);
    return () => this.events.off(`started:${id}`, h);
  }

  onExitOrRemoved(id: string, fn: () => void): () => void {
    const h = () => fn();
    this.events.once(`exited:${id}`, h);
    this.events.once(`removed:${id}`, h);
    return () => {
      this.events.off(`exited:${id}`, h);
      this.events.off(`removed:${id}`, h);
    };
  }

  /** Registers an output stream of a container until it settles. */
  trackStream(id: string, p: Promise<void>): Promise<void> {
    const set = this.streams.get(id) ?? new Set();
    this.streams.set(id, set);
    const settled = p.catch(() => undefined);
    set.add(settled);
    void settled.then(() => {
      set.delete(settled);
      if (set.size === 0 && this.streams.get(id) === set) this.streams.delete(id);
    });
    return p;
  }

  /** Waits (bounded) for attached streams to deliver a finished container's last output. */
  private async drainStreams(id: string): Promise<void> {
    const set = this.streams.get(id);
    if (!set || set.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(set), new Promise((r) => (timer = setTimeout(r, STREAM_DRAIN_MS)))]);
    clearTimeout(timer);
  }

  logOffsetOfRun(id: string): number {
    return this.runLogOffset.get(id) ?? 0;
  }

  // ---- create / rename / remove ----

  async create(name: string | undefined, body: unknown): Promise<{ Id: string; Warnings: string[] }> {
    const req = parseCreateRequest(body);
    const id = newContainerId();
    const wanted = name ? normalizeName(name) : generateName((n) => !!this.nameTaken(n));
    const owner = this.nameTaken(wanted);
    if (owner) throw this.nameConflict(wanted, owner);
    // Reserve the name while the directory is made, so two creates cannot both take it.
    this.reserved.set(wanted, id);
    try {
      const rec = await buildContainer(this.images, this.store, id, wanted, req);
      this.byId.set(id, rec);
      log.info('container created', { id, name: wanted });
      this.publish('create', id);
      return { Id: id, Warnings: [] };
    } finally {
      this.reserved.delete(wanted);
    }
  }

  async rename(ref: string, newName: string): Promise<void> {
    if (!newName) throw invalid('Neither old nor new names may be empty');
    const wanted = normalizeName(newName);
    const rec = this.get(ref);
    await this.locks.run(rec.Id, async () => {
      if (rec.Name === wanted) throw conflict(`Renaming a container with the same name as its current name`);
      const owner = this.nameTaken(wanted);
      if (owner) throw this.nameConflict(wanted, owner);
      const oldName = rec.Name;
      rec.Name = wanted;
      await this.store.save(rec);
      this.publish('rename', rec.Id, { oldName });
    });
  }

  async remove(ref: string, force: boolean): Promise<void> {
    const rec = this.get(ref);
    if (rec.State.Running && !force) {
      throw conflict(`cannot remove container "${rec.Name}": container is running: stop the container before removing or force remove`);
    }
    if (rec.State.Status === 'removing') throw conflict(`removal of container ${rec.Name.slice(1)} is already in progress`);
    if (rec.State.Running) {
      const exited = this.next('exited', rec.Id);
      if (rec.State.Paused) await this.runtime.unpause(rec.Id).catch(() => undefined);
      await this.runtime.signal(rec.Id, 9).catch((err) => log.warn('kill before remove failed', { id: rec.Id, error: describe(err) }));
      await exited;
    }
    await this.destroy(rec.Id);
  }

  /** Deletes a stopped container; idempotent (auto-remove and `rm -f` may race). */
  private async destroy(id: string): Promise<void> {
    await this.locks.run(id, async () => {
      const rec = this.byId.get(id);
      if (!rec) return;
      rec.State.Status = 'removing';
      await this.runtime.cleanup(id, this.store.pathsOf(id).rootfs);
      await this.store.delete(id);
      this.byId.delete(id);
      this.runLogOffset.delete(id);
      log.info('container removed', { id });
      this.events.emit(`removed:${id}`, rec.State.ExitCode);
      this.publish('destroy', id, {}, rec);
    });
  }

  // ---- start / exit ----

  specOf(rec: ContainerRecord): ContainerSpec {
    const p = this.store.pathsOf(rec.Id);
    const mode = rec.HostConfig.NetworkMode;
    const cs = rec.HostConfig.ConsoleSize;
    return {
      id: rec.Id,
      layers: { lower: rec.LayerChainIds.map((c) => this.images.layers.diffDir(c)), upper: p.upper, work: p.work },
      rootfs: p.rootfs,
      args: [rec.Path, ...rec.Args],
      env: processEnv(rec.Config, rec.Config.Hostname ?? rec.Id.slice(0, 12)),
      cwd: rec.Config.WorkingDir || '/',
      user: rec.Config.User ?? '',
      hostname: rec.Config.Hostname ?? rec.Id.slice(0, 12),
      tty: rec.Config.Tty === true,
      openStdin: rec.Config.OpenStdin === true,
      readonlyRootfs: rec.HostConfig.ReadonlyRootfs === true,
      init: rec.HostConfig.Init === true,
      mounts: mountsOf(rec.HostConfig),
      logPath: p.log,
      etcFiles: { hosts: p.hosts, hostname: p.hostname, resolvConf: p.resolvConf },
      consoleSize: cs && cs.length === 2 && (cs[0] ?? 0) > 0 ? [cs[0] as number, cs[1] as number] : undefined,
      network: mode === 'none' ? 'none' : mode === 'host' ? 'host' : 'private',
    };
  }

  async start(ref: string): Promise<void> {
    const rec = this.get(ref);
    let failure: BerthError | undefined;
    await this.locks.run(rec.Id, async () => {
      if (!this.byId.has(rec.Id)) throw notFound(`No such container: ${ref}`);
      if (rec.State.Paused) throw conflict('cannot start a paused container, try unpause instead');
      if (rec.State.Running) throw notModified('container already started');
      if (rec.State.Status === 'removing') throw conflict(`container ${rec.Id} is marked for removal and cannot be started`);
      const p = this.store.pathsOf(rec.Id);
      const logSize = await fs.stat(p.log).then((s) => s.size, () => 0);
      try {
        await fs.mkdir(p.upper, { recursive: true });
        await fs.mkdir(p.work, { recursive: true });
        await fs.mkdir(p.rootfs, { recursive: true });
        const started = await this.runtime.start(this.specOf(rec));
        this.runLogOffset.set(rec.Id, logSize);
        Object.assign(rec.State, {
          Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false,
          Pid: started.pid, ExitCode: 0, Error: '', StartedAt: started.startedAt,
        });
        await this.store.save(rec);
      } catch (err) {
        const message = describe(err);
        rec.State.ExitCode = exitCodeForStartError(message);
        rec.State.Error = message;
        await this.store.save(rec).catch(() => undefined);
        failure = err instanceof BerthError ? err : new BerthError('System', message, { cause: err });
        return;
      }
      log.info('container started', { id: rec.Id, pid: rec.State.Pid });
      this.emit('started', rec.Id);
      this.watchExit(rec.Id);
    });
    if (failure) {
      this.emit('exited', rec.Id, rec.State.ExitCode);
      if (rec.HostConfig.AutoRemove) await this.destroy(rec.Id).catch(() => undefined);
      throw failure;
    }
  }

  /** Follows a running container to its exit (also used after a daemon restart). */
  watchExit(id: string): void {
    this.runtime.waitExit(id).then(
      (status) => this.onExit(id, status),
      (err) => this.onExit(id, { exitCode: 255, finishedAt: new Date().toISOString(), error: describe(err) }),
    ).catch((err) => log.error('recording a container exit failed', { id, error: describe(err) }));
  }

  private async onExit(id: string, status: ExitStatus): Promise<void> {
    let autoRemove = false;
    let code = status.exitCode;
    await this.locks.run(id, async () => {
      const rec = this.byId.get(id);
      if (!rec || !rec.State.Running) return;
      Object.assign(rec.State, {
        Status: 'exited', Running: false, Paused: false, Restarting: false, Pid: 0,
        ExitCode: status.exitCode, OOMKilled: status.oomKilled === true, Error: status.error ?? '', FinishedAt: status.finishedAt,
      });
      await this.runtime.cleanup(id, this.store.pathsOf(id).rootfs).catch((err) => log.warn('runtime cleanup failed', { id, error: describe(err) }));
      await this.store.save(rec);
      log.info('container exited', { id, exitCode: status.exitCode });
      autoRemove = rec.HostConfig.AutoRemove === true;
      code = rec.State.ExitCode;
    });
    this.emit('exited', id, code);
    if (autoRemove) {
      await this.drainStreams(id);
      await this.destroy(id);
    }
  }

  // ---- stop / kill / restart / pause ----

  private stopTimeout(rec: ContainerRecord, t: number | undefined): number {
    if (t !== undefined) return t;
    const fromConfig = (rec.Config as { StopTimeout?: unknown }).StopTimeout;
    return typeof fromConfig === 'number' ? fromConfig : DEFAULT_STOP_TIMEOUT;
  }

  /** SIGTERM (or the image's StopSignal), then SIGKILL after the timeout; 304 when not running. */
  async stop(ref: string, timeoutSeconds?: number, signal?: string): Promise<void> {
    const rec = this.get(ref);
    if (!rec.State.Running) throw notModified('container already stopped');
    const exited = this.next('exited', rec.Id);
    const sig = parseSignal(signal || rec.Config.StopSignal || 'SIGTERM');
    const t = this.stopTimeout(rec, timeoutSeconds);
    await this.runtime.signal(rec.Id, sig).catch((err) => log.warn('stop signal failed', { id: rec.Id, error: describe(err) }));
    if (rec.State.Paused) await this.runtime.unpause(rec.Id).catch(() => undefined);
    if (t < 0) {
      await exited;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), t * 1000))),
    ]);
    clearTimeout(timer);
    if (!timedOut) return;
    log.info('container did not stop in time; killing it', { id: rec.Id, timeoutSeconds: t });
    if (rec.State.Running) await this.runtime.signal(rec.Id, 9).catch(() => undefined);
    await exited;
  }

  async kill(ref: string, signal = 'SIGKILL'): Promise<void> {
    const rec = this.get(ref);
    const sig = parseSignal(signal);
    if (!rec.State.Running) throw conflict(`Cannot kill container: ${ref}: Container ${rec.Id} is not running`);
    const exited = sig === 9 ? this.next('exited', rec.Id) : undefined;
    await this.runtime.signal(rec.Id, sig);
    this.publish('kill', rec.Id, { signal: String(sig) });
    // Docker's kill with SIGKILL returns once the container is gone.
    if (exited) await exited;
  }

  async restart(ref: string, timeoutSeconds?: number, signal?: string): Promise<void> {
    const rec = this.get(ref);
    if (rec.State.Running) await this.stop(rec.Id, timeoutSeconds, signal);
    await this.start(rec.Id);
  }

  async pause(ref: string): Promise<void> {
    const rec = this.get(ref);
    await this.locks.run(rec.Id, async () => {
      if (!rec.State.Running) throw conflict(`Container ${rec.Id} is not running`);
      if (rec.State.Paused) throw conflict(`Container ${rec.Id} is already paused`);
      await this.runtime.pause(rec.Id);
      Object.assign(rec.State, { Status: 'paused', Paused: true });
      await this.store.save(rec);
      this.publish('pause', rec.Id);
    });
  }

  async unpause(ref: string): Promise<void> {
    const rec = this.get(ref);
    await this.locks.run(rec.Id, async () => {
      if (!rec.State.Paused) throw conflict(`Container ${rec.Id} is not paused`);
      await this.runtime.unpause(rec.Id);
      Object.assign(rec.State, { Status: 'running', Paused: false });
      await this.store.save(rec);
      this.publish('unpause', rec.Id);
    });
  }

  async resize(ref: string, rows: number, cols: number): Promise<void> {
    const rec = this.get(ref);
    if (!rec.State.Running) throw conflict(`Container ${rec.Id} is not running`);
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
    if (cond === 'removed') return this.next('removed', rec.Id).then(result);
    if (cond === 'not-running' && !rec.State.Running) return Promise.resolve(result(rec.State.ExitCode));
    return this.next('exited', rec.Id).then(result);
  }

  // ---- recovery ----

  /** Loads every record and reconciles it with what is really running. Called once at start. */
  async recover(): Promise<void> {
    await this.store.init();
    for (const rec of await this.store.loadAll()) {
      this.byId.set(rec.Id, rec);
      if (rec.State.Status === 'removing') {
        await this.destroy(rec.Id).catch((err) => log.warn('finishing a removal failed', { id: rec.Id, error: describe(err) }));
        continue;
      }
      if (!rec.State.Running) continue;
      if (await this.runtime.isRunning(rec.Id).catch(() => false)) {
        log.info('re-attached to running container', { id: rec.Id });
        this.watchExit(rec.Id);
        continue;
      }
      const status = (await this.runtime.readExit(rec.Id).catch(() => undefined)) ?? { exitCode: 255, finishedAt: new Date().toISOString(), error: 'the container ended while berthd was down and left no exit status' };
      await this.onExit(rec.Id, status);
    }
  }

  /** Containers using an image (for rmi conflicts). */
  usersOfImage(imageId: string): { id: string; running: boolean }[] {
    return this.all().filter((r) => r.Image === imageId).map((r) => ({ id: r.Id, running: r.State.Running }));
  }
}
