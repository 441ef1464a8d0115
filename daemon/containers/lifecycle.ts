/**
 * Docker's container state machine in one place: the guards that say whether a verb may act
 * on a container in its current state (each throws Docker's own error and status), and the
 * transitions that are the only writers of `State`. The service runs every change as
 * reload → guard → act → transition → save under the container's lock (youki's
 * container_kill.rs shape). Pure: no I/O, no clock except the timestamps passed in or taken
 * at the transition.
 *
 *   created ──start──► running ⇄ paused        running ──exit──► exited ──start──► running
 *      │                  │                        any stopped state ──rm──► removing ──► gone
 */
import { conflict, notModified } from '../errors';
import type { ContainerRecord, ContainerState } from './record';

// ---- guards ----

/** start: 304 when running, 409 when paused or being removed. */
export function canStart(rec: ContainerRecord): void {
  if (rec.State.Paused) throw conflict('cannot start a paused container, try unpause instead');
  if (rec.State.Running) throw notModified('container already started');
  if (rec.State.Status === 'removing') throw conflict(`container ${rec.Id} is marked for removal and cannot be started`);
}

/** stop: 304 when it is not running. */
export function canStop(rec: ContainerRecord): void {
  if (!rec.State.Running) throw notModified('container already stopped');
}

/** kill: 409 when it is not running (`ref` as the user wrote it, as in Docker's message). */
export function canKill(rec: ContainerRecord, ref: string): void {
  if (!rec.State.Running) throw conflict(`Cannot kill container: ${ref}: Container ${rec.Id} is not running`);
}

export function canPause(rec: ContainerRecord): void {
  if (!rec.State.Running) throw conflict(`Container ${rec.Id} is not running`);
  if (rec.State.Paused) throw conflict(`Container ${rec.Id} is already paused`);
}

export function canUnpause(rec: ContainerRecord): void {
  if (!rec.State.Running) throw conflict(`Container ${rec.Id} is not running`);
  if (!rec.State.Paused) throw conflict(`Container ${rec.Id} is not paused`);
}

/** rm: a running container only with force; never twice at once. */
export function canRemove(rec: ContainerRecord, force: boolean): void {
  if (rec.State.Running && !force) {
    throw conflict(`cannot remove container "${rec.Name}": container is running: stop the container before removing or force remove`);
  }
  if (rec.State.Status === 'removing') throw conflict(`removal of container ${rec.Name.slice(1)} is already in progress`);
  if (rec.State.Restarting && !force) {
    throw conflict(`cannot remove container "${rec.Name}": container is restarting: stop the container before removing or force remove`);
  }
}

/** Verbs that need the process (resize, top): 409 when it is not running. */
export function mustBeRunning(rec: ContainerRecord): void {
  if (!rec.State.Running) throw conflict(`Container ${rec.Id} is not running`);
}

/** exec create: the container must run and not be paused. */
export function canExec(rec: ContainerRecord): void {
  if (rec.State.Paused) throw conflict(`Container ${rec.Id} is paused, unpause the container before exec`);
  mustBeRunning(rec);
}

// ---- transitions (the only writers of State) ----

export function toRunning(state: ContainerState, started: { pid: number; startedAt: string }): void {
  Object.assign(state, {
    Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false,
    Pid: started.pid, ExitCode: 0, Error: '', StartedAt: started.startedAt,
  } satisfies Partial<ContainerState>);
}

/** A start that failed before the process ran: the state stays, with Docker's exit code and the error. */
export function toStartFailed(state: ContainerState, exitCode: number, message: string): void {
  state.ExitCode = exitCode;
  state.Error = message;
}

export function toExited(state: ContainerState, status: { exitCode: number; oomKilled?: boolean; error?: string; finishedAt: string }): void {
  Object.assign(state, {
    Status: 'exited', Running: false, Paused: false, Restarting: false, Pid: 0,
    ExitCode: status.exitCode, OOMKilled: status.oomKilled === true, Error: status.error ?? '', FinishedAt: status.finishedAt,
  } satisfies Partial<ContainerState>);
}

/** An exit its restart policy answers with a restart: waiting out the back-off (Docker's "restarting"). */
export function toRestarting(state: ContainerState): void {
  state.Status = 'restarting';
  state.Restarting = true;
}

/** A pending restart ended (stop, kill, or the restart's start failed): the container stays exited. */
export function toRestartAbandoned(state: ContainerState): void {
  if (!state.Restarting) return;
  state.Status = 'exited';
  state.Restarting = false;
}

export function toPaused(state: ContainerState, paused: boolean): void {
  state.Status = paused ? 'paused' : 'running';
  state.Paused = paused;
}

/** Marks a removal under way; returns the undo for a cleanup that failed. */
export function toRemoving(state: ContainerState): () => void {
  const before = state.Status;
  state.Status = 'removing';
  return () => {
    state.Status = before;
  };
}

/** Recovery: berthd died between starting the process and recording it; the process lives. */
export function toAdopted(state: ContainerState, now: string): void {
  Object.assign(state, { Status: 'running', Running: true, ExitCode: 0, Error: '', StartedAt: now } satisfies Partial<ContainerState>);
}
