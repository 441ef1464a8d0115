/**
 * Waiting for a container's exit.json. fs.watch on the run dir wakes us at once; a 1 s poll
 * covers filesystems and races where inotify says nothing. Works after a daemon restart
 * because the state lives on disk. If the monitor itself vanished (SIGKILL, OOM) without
 * writing exit.json, the wait ends with 255 and an error instead of hanging forever.
 */
import * as fs from 'node:fs';
import { isSameProcess } from './proc';
import { readExitFile, readState } from './state';
import type { ExitStatus } from './types';

const POLL_MS = 1000;

async function check(rundir: string): Promise<ExitStatus | undefined> {
  const exit = await readExitFile(rundir);
  if (exit) return exit;
  const state = await readState(rundir);
  const monitorAlive = state ? await isSameProcess(state.monitorPid, state.monitorStartTime) : false;
  if (monitorAlive) return undefined;
  // the monitor writes exit.json before exiting: read once more to close the race
  const again = await readExitFile(rundir);
  if (again) return again;
  if (state && (await isSameProcess(state.pid, state.startTime))) return undefined;
  return { exitCode: 255, finishedAt: new Date().toISOString(), error: 'the container monitor exited without recording an exit status' };
}

export function waitForExit(rundir: string): Promise<ExitStatus> {
  return new Promise((resolve, reject) => {
    let watcher: fs.FSWatcher | undefined;
    let timer: NodeJS.Timeout | undefined;
    let busy = false;
    let again = false;
    let settled = false;
    const stop = () => {
      settled = true;
      watcher?.close();
      if (timer) clearInterval(timer);
    };
    const tick = () => {
      if (settled) return;
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      check(rundir).then(
        (st) => {
          busy = false;
          if (st) {
            stop();
            resolve(st);
          } else if (again) {
            again = false;
            tick();
          }
        },
        (err) => {
          stop();
          reject(err);
        },
      );
    };
    try {
      watcher = fs.watch(rundir, () => tick());
      watcher.on('error', () => watcher?.close());
    } catch {
      watcher = undefined; // no inotify here: the poll alone will do
    }
    timer = setInterval(tick, POLL_MS);
    timer.unref?.();
    tick();
  });
}
