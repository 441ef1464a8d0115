/**
 * The container's OOM kills as they happen: its monitor (native/helper/monitor-oom.c) keeps
 * the count of the kernel's OOM events in its memory cgroup in <rundir>/oom, rewritten
 * (tmp + rename) at each one; this watches that file so berthd can announce the kill at
 * once, as dockerd does from containerd's TaskOOM event, and not only at the exit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface OomWatch {
  /** Looks at the count once more now (the exit must not race the last kill's event). */
  flush(): void;
  close(): void;
}

function readCount(file: string): number {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/**
 * Calls onOom for every rise of the count after this call (the count at the call is the
 * baseline: a berthd that was down during a kill does not announce it late).
 */
export function watchOomFile(rundir: string, onOom: () => void): OomWatch {
  const file = path.join(rundir, 'oom');
  let seen = readCount(file);
  let closed = false;
  const check = () => {
    if (closed) return;
    const n = readCount(file);
    if (n > seen) {
      seen = n;
      onOom();
    }
  };
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(rundir, (_event, name) => {
      if (!name || name === 'oom') check();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined; // no inotify: the exit's flush still reads the count
  }
  return {
    flush: check,
    close: () => {
      closed = true;
      watcher?.close();
    },
  };
}
