/**
 * Stopping and killing: Docker's stop is the StopSignal (SIGTERM unless the image or request
 * says otherwise), then SIGKILL once the timeout (request `t`, Config.StopTimeout, else 10 s;
 * -1 waits forever) passes — PID 1 in a pid namespace ignores signals it has no handler for.
 * `kill` with SIGKILL returns once the container is gone. Both wait outside the service's
 * per-container lock, on the notifier's exit event.
 */
import { describe } from '../errors';
import { log } from '../log';
import type { Runtime } from '../runtime/types';
import type { ContainerNotifier } from './notifier';
import type { ContainerRecord } from './record';
import { parseSignal } from '../runtime/signals';
import { canKill, canStop } from './lifecycle';

const DEFAULT_STOP_TIMEOUT = 10;

export interface StopDeps {
  runtime: Runtime;
  notifier: ContainerNotifier;
}

function stopTimeout(rec: ContainerRecord, t: number | undefined): number {
  if (t !== undefined) return t;
  const fromConfig = (rec.Config as { StopTimeout?: unknown }).StopTimeout;
  return typeof fromConfig === 'number' ? fromConfig : DEFAULT_STOP_TIMEOUT;
}

/** Stops a running container; NotModified (304) when it is not running. */
export async function stopContainer(d: StopDeps, rec: ContainerRecord, timeoutSeconds?: number, signal?: string): Promise<void> {
  canStop(rec);
  const exited = d.notifier.next('exited', rec.Id);
  const sig = parseSignal(signal || rec.Config.StopSignal || 'SIGTERM');
  const t = stopTimeout(rec, timeoutSeconds);
  await d.runtime.signal(rec.Id, sig).catch((err) => log.warn('stop signal failed', { id: rec.Id, error: describe(err) }));
  if (rec.State.Paused) await d.runtime.unpause(rec.Id).catch(() => undefined);
  if (t < 0) {
    await exited;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), t * 1000)))]);
  clearTimeout(timer);
  if (!timedOut) return;
  log.info('container did not stop in time; killing it', { id: rec.Id, timeoutSeconds: t });
  if (rec.State.Running) await d.runtime.signal(rec.Id, 9).catch(() => undefined);
  await exited;
}

/** Sends a signal; Conflict (409) when the container is not running. */
export async function killContainer(d: StopDeps, rec: ContainerRecord, ref: string, signal: string): Promise<void> {
  const sig = parseSignal(signal);
  canKill(rec, ref);
  const exited = sig === 9 ? d.notifier.next('exited', rec.Id) : undefined;
  if (rec.State.Paused && sig === 9) await d.runtime.unpause(rec.Id).catch(() => undefined);
  await d.runtime.signal(rec.Id, sig);
  d.notifier.publish('kill', rec, { signal: String(sig) });
  if (exited) await exited;
}
