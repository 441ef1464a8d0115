/**
 * Telling the service manager where berthd is in its life (systemd's sd_notify protocol,
 * Type=notify): READY=1 once recovery is done and the sockets serve, RELOADING=1 then READY=1
 * around a SIGHUP reload, STOPPING=1 when shutdown begins. The transport (a datagram to
 * $NOTIFY_SOCKET) is injected by main.ts from native/ffi; this module only knows the words.
 * Notifying is best effort: a failed send is logged once and never stops the daemon.
 */
import { log } from './log';

export type SendDatagram = (socket: string, message: string) => void;

export interface ServiceNotifier {
  ready(status?: string): void;
  reloading(): void;
  stopping(): void;
}

export const NO_NOTIFIER: ServiceNotifier = { ready: () => {}, reloading: () => {}, stopping: () => {} };

/** CLOCK_MONOTONIC in µs: Node's hrtime reads that clock (systemd wants it with RELOADING=1). */
function monotonicUsec(): bigint {
  return process.hrtime.bigint() / 1000n;
}

/**
 * A notifier for $NOTIFY_SOCKET, or NO_NOTIFIER when it is unset. The variable is removed from
 * this process's environment so containers and helpers spawned later do not inherit it.
 */
export function notifierFromEnv(send: SendDatagram, env: NodeJS.ProcessEnv = process.env): ServiceNotifier {
  const socket = env.NOTIFY_SOCKET;
  delete env.NOTIFY_SOCKET;
  if (!socket) return NO_NOTIFIER;
  let warned = false;
  const notify = (message: string) => {
    try {
      send(socket, message);
    } catch (err) {
      if (!warned) log.warn('cannot notify the service manager', { socket, error: (err as Error).message });
      warned = true;
    }
  };
  return {
    ready: (status = 'Serving the Docker Engine API') => notify(`READY=1\nSTATUS=${status}\nMAINPID=${process.pid}`),
    reloading: () => notify(`RELOADING=1\nMONOTONIC_USEC=${monotonicUsec()}\nSTATUS=Reloading configuration`),
    stopping: () => notify('STOPPING=1\nSTATUS=Shutting down'),
  };
}
