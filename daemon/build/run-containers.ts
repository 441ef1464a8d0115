/**
 * RUN steps through the containers service: a container from the step's image with the
 * step's command (the image's ENTRYPOINT is not used, as in Docker), its output streamed from
 * its json-file log into the build output while it runs, killed if the build is cancelled.
 * The container's upper dir is the step's layer; the builder removes the container afterwards.
 * Depends only on the narrow slice of the containers service it uses.
 */
import type { LogEntry, LogOptions, EndNotifier } from '../containers/logs';
import type { RunStepFn, RunStepRequest, RunStepResult } from './types';
import { unavailable } from '../errors';

export interface BuildContainers {
  create(name: string | undefined, body: unknown): Promise<{ Id: string }>;
  start(ref: string): Promise<void>;
  kill(ref: string, signal?: string): Promise<void>;
  remove(ref: string, force: boolean): Promise<void>;
  get(ref: string): { State: { Running: boolean; ExitCode: number; Status: string } };
  onExitOrRemoved(id: string, fn: () => void): () => void;
  store: { pathsOf(id: string): { upper: string; log: string } };
}

type ReadLogs = (file: string, o: LogOptions, ended: () => boolean, signal: AbortSignal, onEnd?: EndNotifier) => AsyncGenerator<LogEntry>;

export function runStepWithContainers(containers: BuildContainers, readLogs: ReadLogs): RunStepFn {
  return async (req: RunStepRequest): Promise<RunStepResult> => {
    const { Id: id } = await containers.create(undefined, {
      Image: req.imageId,
      Cmd: req.cmd,
      Entrypoint: [''],
      Env: req.env,
      User: req.user,
      WorkingDir: req.workdir,
      Labels: {},
      HostConfig: {},
    });
    const remove = () => containers.remove(id, true);
    req.onContainer(id);
    const stop = new AbortController();
    const onAbort = () => void containers.kill(id, 'SIGKILL').catch(() => undefined);
    req.signal.addEventListener('abort', onAbort);
    try {
      let started = false;
      const ended = () => started && !containers.get(id).State.Running;
      const paths = containers.store.pathsOf(id);
      try {
        await containers.start(id);
        started = true;
      } catch (err) {
        await remove().catch(() => undefined);
        throw err;
      }
      const logs = readLogs(paths.log, { stdout: true, stderr: true, follow: true }, ended, stop.signal, (fn) => containers.onExitOrRemoved(id, fn));
      for await (const entry of logs) req.output(entry.data);
      if (req.signal.aborted) {
        await remove().catch(() => undefined);
        throw unavailable('the build was cancelled');
      }
      return { containerId: id, exitCode: containers.get(id).State.ExitCode, upperDir: paths.upper, remove };
    } finally {
      req.signal.removeEventListener('abort', onAbort);
      stop.abort();
    }
  };
}
