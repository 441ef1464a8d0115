/**
 * Exec instances (`docker exec`): created against a running container, started once, then
 * inspectable for their exit code. Kept in memory, as Docker does; an exec does not survive a
 * daemon restart. The runtime does the work (setns into the container, then fork); a command
 * that cannot be started records exit code 126 like Docker's.
 */
import { randomBytes } from 'node:crypto';
import { conflict, describe, invalid, notFound } from '../errors';
import type { ContainerService } from '../containers/service';
import { securityOf } from '../containers/spec';
import { canExec } from '../containers/lifecycle';
import type { ExecProcess } from '../runtime/types';
import { log } from '../log';

export interface ExecConfig {
  Cmd: string[];
  Env: string[];
  User: string;
  WorkingDir: string;
  Tty: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Privileged: boolean;
  DetachKeys: string;
  ConsoleSize?: [number, number];
}

export interface ExecInstance {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  started: boolean;
  exitCode: number | null;
  pid: number;
  process?: ExecProcess;
}

function strings(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalid(`invalid ${field}: expected a list of strings`);
  return v;
}

export function parseExecConfig(body: unknown): ExecConfig {
  if (!body || typeof body !== 'object') throw invalid('invalid exec config: expected a JSON object');
  const b = body as Record<string, unknown>;
  const cmd = strings(b.Cmd, 'Cmd');
  if (cmd.length === 0) throw invalid('No exec command specified');
  const cs = b.ConsoleSize;
  return {
    Cmd: cmd,
    Env: strings(b.Env, 'Env'),
    User: typeof b.User === 'string' ? b.User : '',
    WorkingDir: typeof b.WorkingDir === 'string' ? b.WorkingDir : '',
    Tty: b.Tty === true,
    AttachStdin: b.AttachStdin === true,
    AttachStdout: b.AttachStdout === true,
    AttachStderr: b.AttachStderr === true,
    Privileged: b.Privileged === true,
    DetachKeys: typeof b.DetachKeys === 'string' ? b.DetachKeys : '',
    ConsoleSize: Array.isArray(cs) && cs.length === 2 && cs.every((n) => Number.isInteger(n) && n > 0) ? [cs[0], cs[1]] : undefined,
  };
}

export class ExecService {
  private readonly execs = new Map<string, ExecInstance>();

  constructor(private readonly containers: ContainerService) {}

  idsOf(containerId: string): string[] {
    return [...this.execs.values()].filter((e) => e.containerId === containerId).map((e) => e.id);
  }

  create(containerRef: string, body: unknown): { Id: string } {
    const rec = this.containers.get(containerRef);
    const config = parseExecConfig(body);
    canExec(rec);
    const id = randomBytes(32).toString('hex');
    this.execs.set(id, { id, containerId: rec.Id, config, running: false, started: false, exitCode: null, pid: 0 });
    this.forgetStale();
    return { Id: id };
  }

  get(id: string): ExecInstance {
    const e = this.execs.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    return e;
  }

  /** Checks an exec can start (before a hijacked connection is upgraded). */
  checkStartable(id: string): ExecInstance {
    const e = this.get(id);
    if (e.started) throw conflict(`Error: Exec command ${id} ${e.running ? 'is already running' : 'has already run'}`);
    const rec = this.containers.find(e.containerId);
    if (!rec || !rec.State.Running) throw conflict(`Container ${e.containerId} is not running`);
    return e;
  }

  /** Starts the process; rejects (recording exit code 126) when it cannot be started. */
  async start(id: string, tty?: boolean): Promise<ExecProcess> {
    const e = this.checkStartable(id);
    e.started = true;
    const rec = this.containers.get(e.containerId);
    try {
      const proc = await this.containers.runtime.exec(e.containerId, {
        args: e.config.Cmd,
        env: [...(rec.Config.Env ?? []), ...e.config.Env],
        cwd: e.config.WorkingDir || rec.Config.WorkingDir || '/',
        user: e.config.User || rec.Config.User || '',
        tty: tty ?? e.config.Tty,
        stdin: e.config.AttachStdin,
        privileged: e.config.Privileged,
        consoleSize: e.config.ConsoleSize,
        security: securityOf(rec.HostConfig),
      });
      e.process = proc;
      e.pid = proc.pid;
      e.running = true;
      this.wake(e.id);
      proc.exited.then(
        (code) => this.finish(e, code),
        (err) => {
          log.warn('exec process wait failed', { id, error: describe(err) });
          this.finish(e, 126);
        },
      );
      return proc;
    } catch (err) {
      this.finish(e, 126);
      throw err;
    }
  }

  private finish(e: ExecInstance, code: number): void {
    e.running = false;
    e.exitCode = code;
    e.process = undefined;
    this.wake(e.id);
  }

  /** Callers of resize waiting for an exec's process to exist (or to end). */
  private readonly waiting = new Map<string, (() => void)[]>();

  private wake(id: string): void {
    for (const w of this.waiting.get(id) ?? []) w();
    this.waiting.delete(id);
  }

  /**
   * A resize can arrive on its own connection before the hijacked start has made the process
   * (a client resizes as soon as it has its 101, as cri-dockerd's handleResizing and the docker
   * CLI do): like moby's ContainerExecResize, wait up to 10 s for the exec to be running.
   */
  async resize(id: string, rows: number, cols: number, waitMs = 10_000): Promise<void> {
    const e = this.get(id);
    if (!e.process && e.exitCode === null) {
      let timer: NodeJS.Timeout | undefined;
      let done: () => void = () => undefined;
      await new Promise<void>((resolve) => {
        done = resolve;
        this.waiting.set(id, [...(this.waiting.get(id) ?? []), resolve]);
        timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(timer);
      const rest = (this.waiting.get(id) ?? []).filter((w) => w !== done);
      if (rest.length) this.waiting.set(id, rest);
      else this.waiting.delete(id);
      if (!e.process && e.exitCode === null) throw conflict(`timeout waiting for exec session ready: ${id}`);
    }
    if (!e.process) throw conflict(`cannot resize a stopped exec ${id}`);
    e.process.resize(rows, cols);
  }

  inspect(id: string): Record<string, unknown> {
    const e = this.get(id);
    const [entrypoint = '', ...args] = e.config.Cmd;
    return {
      ID: e.id,
      Running: e.running,
      ExitCode: e.exitCode,
      ProcessConfig: { tty: e.config.Tty, entrypoint, arguments: args, privileged: e.config.Privileged, user: e.config.User || undefined },
      OpenStdin: e.config.AttachStdin,
      OpenStderr: e.config.AttachStderr,
      OpenStdout: e.config.AttachStdout,
      CanRemove: false,
      ContainerID: e.containerId,
      DetachKeys: e.config.DetachKeys,
      Pid: e.pid,
    };
  }

  /** Drops finished execs of containers that no longer exist. */
  private forgetStale(): void {
    for (const [id, e] of this.execs) {
      if (!e.running && !this.containers.find(e.containerId)) this.execs.delete(id);
    }
  }
}
