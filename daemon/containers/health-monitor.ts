/**
 * Runs the health probes of running containers: one loop per container, from its start to its
 * exit, each probe an exec in the container (its namespaces, cgroup, user, environment and
 * security, as `docker exec`). A probe that outlives its timeout is killed and counts as a
 * failure with Docker's "Health check exceeded timeout" output. Results go through health.ts's
 * rules; a status change is saved and announced as `health_status: <status>`. Owns the timers
 * and probe processes; the service tells it when a container starts and ends.
 */
import { describe } from '../errors';
import { log } from '../log';
import { FrameDecoder } from '../stdcopy';
import type { Runtime } from '../runtime/types';
import { StartError } from '../runtime/helper-error';
import type { ContainerRecord } from './record';
import { securityOf } from './spec';
import { applyProbeResult, clipOutput, MAX_OUTPUT_BYTES, nextInterval, probeOf, type HealthLogEntry, type HealthStatus, type Probe } from './health';

export interface HealthMonitorDeps {
  runtime: Runtime;
  /** Applies `fn` to the live record under its lifecycle lock; saves when `fn` returns true. */
  update(id: string, fn: (rec: ContainerRecord) => boolean): Promise<void>;
  /** A Docker event about the container. */
  publish(action: string, id: string): void;
}

/** Go's time.Duration String() for the whole and fractional seconds Docker prints. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number(s.toFixed(3))}s`;
  if (h) return `${h}h${m}m${sec}`;
  if (m) return `${m}m${sec}`;
  return sec;
}

export class HealthMonitor {
  private readonly loops = new Map<string, AbortController>();

  constructor(private readonly deps: HealthMonitorDeps) {}

  /** Starts probing a container that just started (no-op without a probe); idempotent. */
  start(rec: ContainerRecord): void {
    const probe = probeOf(rec.Config);
    if (!probe) return;
    this.stop(rec.Id);
    const ctl = new AbortController();
    this.loops.set(rec.Id, ctl);
    void this.loop(rec.Id, probe, rec.State.StartedAt, ctl.signal).catch((err) => log.warn('health check loop failed', { id: rec.Id, error: describe(err) }));
  }

  /** Ends the probing (the container ended or is going away); a probe under way is killed. */
  stop(id: string): void {
    this.loops.get(id)?.abort();
    this.loops.delete(id);
  }

  private async loop(id: string, probe: Probe, startedAt: string, signal: AbortSignal): Promise<void> {
    for (;;) {
      let status: HealthStatus | undefined;
      await this.deps.update(id, (rec) => {
        status = rec.State.Health?.Status;
        return false;
      });
      if (!(await sleep(nextInterval(probe, status, startedAt), signal))) return;
      let paused = false;
      await this.deps.update(id, (rec) => {
        paused = rec.State.Paused;
        return false;
      });
      if (paused) continue; // a frozen container cannot answer; its probes wait for unpause
      const entry = await this.runProbe(id, probe, signal);
      if (signal.aborted) return; // the container ended under the probe: Docker drops such a result
      let changed: HealthStatus | undefined;
      await this.deps.update(id, (rec) => {
        const health = rec.State.Health;
        if (!health || !rec.State.Running || rec.State.StartedAt !== startedAt) return false;
        changed = applyProbeResult(health, entry, probe, startedAt);
        return changed !== undefined;
      });
      if (changed) {
        log.info('container health changed', { id, status: changed });
        this.deps.publish(`health_status: ${changed}`, id);
      }
    }
  }

  private async runProbe(id: string, probe: Probe, signal: AbortSignal): Promise<HealthLogEntry> {
    const start = new Date().toISOString();
    const done = (ExitCode: number, Output: string): HealthLogEntry => ({ Start: start, End: new Date().toISOString(), ExitCode, Output });
    let rec: ContainerRecord | undefined;
    await this.deps.update(id, (r) => {
      rec = r;
      return false;
    });
    if (!rec) return done(-1, 'the container is gone');
    let proc;
    try {
      proc = await this.deps.runtime.exec(id, {
        args: probe.args, env: rec.Config.Env ?? [], cwd: rec.Config.WorkingDir || '/', user: rec.Config.User || '',
        tty: false, stdin: false, security: securityOf(rec.HostConfig),
      });
    } catch (err) {
      return done(err instanceof StartError ? err.exitCode : -1, describe(err));
    }
    const decoder = new FrameDecoder();
    const chunks: Buffer[] = [];
    let size = 0;
    proc.stream.on('data', (d: Buffer) => {
      for (const f of decoder.push(d)) {
        if (size >= MAX_OUTPUT_BYTES) continue;
        chunks.push(f.payload);
        size += f.payload.length;
      }
    });
    // The probe's whole process tree goes, not only its first process: the helper makes
    // every exec a session (and process group) leader, and a `sh -c 'a & b; c'` probe's
    // children stay in that group (no job control in a non-interactive shell).
    const kill = () => {
      for (const target of [-proc.pid, proc.pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => kill();
    signal.addEventListener('abort', onAbort);
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), probe.timeoutMs)));
    const outcome = await Promise.race([proc.exited.catch(() => -1), timedOut]);
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    if (outcome === 'timeout') {
      kill();
      await Promise.race([proc.exited.catch(() => -1), sleep(5000)]);
      return done(-1, `Health check exceeded timeout (${goDuration(probe.timeoutMs)})`);
    }
    // The output may trail the exit by a moment (the pipes drain after the process ends).
    if (!proc.stream.readableEnded) await Promise.race([new Promise((r) => proc.stream.once('end', r)), sleep(1000)]);
    return done(outcome, clipOutput(Buffer.concat(chunks)));
  }
}

/** Resolves true after `ms`, false at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
